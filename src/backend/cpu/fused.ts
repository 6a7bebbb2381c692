/**
 * CPU reference of the fused kernels (../fused.ts): LayerNorm, RMSNorm, softmax and softmax +
 * cross-entropy forward/backward, and the in-place AdamW step. Plain loops written from the
 * formulas (never from the WGSL); every sum runs in increasing index order. Computation is in
 * float64; results are stored in the storage precision (f32, f16 via `finish`, or float64 on the
 * float64 backend the gradient checker uses).
 */
import type { DType } from '../backend.js';
import type { FusedKernels } from '../fused.js';
import type { CpuBackend, CpuStorage } from './cpu-backend.js';
import { roundToHalf } from '../../io/half.js';
import { sigmoid } from './elementwise.js';

/** The fused part of the CPU kernel table. */
export function makeCpuFusedKernels(be: CpuBackend): FusedKernels<CpuStorage> {
  const out = (n: number, dtype: DType) => be.alloc(n, dtype);
  const stats = (n: number) => be.alloc(n, 'f32');

  /** Column sums over rows of f(r, c), in increasing row order, into a [C] storage. */
  function columnSums(rows: number, C: number, dtype: DType, f: (r: number, c: number) => number): CpuStorage {
    const o = out(C, dtype);
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let r = 0; r < rows; r++) acc += f(r, c);
      o.data[c] = acc;
    }
    return be.finish(o);
  }

  return {
    layerNormForward({ x, w, b, rows, C, eps, dtype }) {
      const y = out(rows * C, dtype), mean = stats(rows), rstd = stats(rows);
      const xd = x.data;
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        let s = 0;
        for (let c = 0; c < C; c++) s += xd[o + c]!;
        const mu = s / C;
        let ss = 0;
        for (let c = 0; c < C; c++) ss += (xd[o + c]! - mu) ** 2;
        const rs = 1 / Math.sqrt(ss / C + eps);
        mean.data[r] = mu;
        rstd.data[r] = rs;
        for (let c = 0; c < C; c++) {
          let v = (xd[o + c]! - mu) * rs;
          if (w) v *= w.data[c]!;
          if (b) v += b.data[c]!;
          y.data[o + c] = v;
        }
      }
      return { y: be.finish(y), mean, rstd };
    },

    layerNormBackward({ dy, x, w, mean, rstd, rows, C, dtype, needDw, needDb }) {
      const dx = out(rows * C, dtype);
      const xhat = (r: number, c: number) => (x.data[r * C + c]! - mean.data[r]!) * rstd.data[r]!;
      for (let r = 0; r < rows; r++) {
        let sg = 0, sgx = 0;
        for (let c = 0; c < C; c++) {
          const g = dy.data[r * C + c]! * (w ? w.data[c]! : 1);
          sg += g;
          sgx += g * xhat(r, c);
        }
        for (let c = 0; c < C; c++) {
          const g = dy.data[r * C + c]! * (w ? w.data[c]! : 1);
          dx.data[r * C + c] = rstd.data[r]! * (g - sg / C - xhat(r, c) * (sgx / C));
        }
      }
      return {
        dx: be.finish(dx),
        dw: needDw ? columnSums(rows, C, dtype, (r, c) => dy.data[r * C + c]! * xhat(r, c)) : null,
        db: needDb ? columnSums(rows, C, dtype, (r, c) => dy.data[r * C + c]!) : null,
      };
    },

    rmsNormForward({ x, w, rows, C, eps, dtype }) {
      const y = out(rows * C, dtype), rstd = stats(rows);
      const xd = x.data;
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        let ss = 0;
        for (let c = 0; c < C; c++) ss += xd[o + c]! * xd[o + c]!;
        const rs = 1 / Math.sqrt(ss / C + eps);
        rstd.data[r] = rs;
        for (let c = 0; c < C; c++) y.data[o + c] = xd[o + c]! * rs * (w ? w.data[c]! : 1);
      }
      return { y: be.finish(y), rstd };
    },

    rmsNormBackward({ dy, x, w, rstd, rows, C, dtype, needDw }) {
      const dx = out(rows * C, dtype);
      const xhat = (r: number, c: number) => x.data[r * C + c]! * rstd.data[r]!;
      for (let r = 0; r < rows; r++) {
        let sgx = 0;
        for (let c = 0; c < C; c++) sgx += dy.data[r * C + c]! * (w ? w.data[c]! : 1) * xhat(r, c);
        for (let c = 0; c < C; c++) {
          const g = dy.data[r * C + c]! * (w ? w.data[c]! : 1);
          dx.data[r * C + c] = rstd.data[r]! * (g - xhat(r, c) * (sgx / C));
        }
      }
      return {
        dx: be.finish(dx),
        dw: needDw ? columnSums(rows, C, dtype, (r, c) => dy.data[r * C + c]! * xhat(r, c)) : null,
      };
    },

    softmaxForward(x, rows, C, dtype) {
      const y = out(rows * C, dtype);
      const xd = x.data;
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        let m = -Infinity;
        for (let c = 0; c < C; c++) m = Math.max(m, xd[o + c]!);
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(xd[o + c]! - m);
        for (let c = 0; c < C; c++) y.data[o + c] = Math.exp(xd[o + c]! - m) / s;
      }
      return be.finish(y);
    },

    softmaxBackward(y, dy, rows, C, dtype) {
      const dx = out(rows * C, dtype);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        let dot = 0;
        for (let c = 0; c < C; c++) dot += dy.data[o + c]! * y.data[o + c]!;
        for (let c = 0; c < C; c++) dx.data[o + c] = y.data[o + c]! * (dy.data[o + c]! - dot);
      }
      return be.finish(dx);
    },

    softmaxCrossEntropyForward({ logits, targets, N, V, ignoreIndex, dtype }) {
      const loss = out(N, dtype), lse = stats(N);
      const xd = logits.data;
      for (let n = 0; n < N; n++) {
        const o = n * V;
        let m = -Infinity;
        for (let j = 0; j < V; j++) m = Math.max(m, xd[o + j]!);
        let s = 0;
        for (let j = 0; j < V; j++) s += Math.exp(xd[o + j]! - m);
        const l = m + Math.log(s);
        lse.data[n] = l;
        const t = targets.data[n]!;
        loss.data[n] = t !== ignoreIndex && t >= 0 && t < V ? l - xd[o + t]! : 0;
      }
      return { loss: be.finish(loss), lse };
    },

    softmaxCrossEntropyBackward({ logits, targets, lse, gLoss, N, V, ignoreIndex, dtype, gMean }) {
      const d = out(N * V, dtype);
      const f = be.float64 ? (z: number) => z : Math.fround;
      for (let n = 0; n < N; n++) {
        const t = targets.data[n]!;
        if (t === ignoreIndex || t < 0 || t >= V) continue; // zeros
        const g = gMean ? f(gLoss.data[0]! * gMean.data[0]!) : gLoss.data[n]!, l = lse.data[n]!;
        for (let j = 0; j < V; j++) d.data[n * V + j] = g * (Math.exp(logits.data[n * V + j]! - l) - (j === t ? 1 : 0));
      }
      return be.finish(d);
    },

    lossMean({ loss, targets, N, ignoreIndex, dtype }) {
      const mean = out(1, dtype), invCount = stats(1);
      let total = 0, count = 0;
      for (let n = 0; n < N; n++) {
        total += loss.data[n]!;
        if (targets.data[n] !== ignoreIndex) count++;
      }
      mean.data[0] = count === 0 ? NaN : total / count;
      invCount.data[0] = count === 0 ? 0 : 1 / count;
      return { mean: be.finish(mean), invCount };
    },

    adamwStep({ param, grad, m, v, n, dtype, hyper, gradScale }) {
      const { lr, beta1, beta2, eps, weightDecay, c1, c2 } = hyper;
      // Each operation rounds to the storage precision, like the composed ops (one storage each),
      // so the f32 result equals the composed optimizer's on this backend.
      const r = be.float64 ? (z: number) => z : dtype === 'f16' ? (z: number) => z : Math.fround;
      const k1 = r(1 - beta1), k2 = r(1 - beta2), ic1 = r(1 / c1), ic2 = r(1 / c2);
      const decay = r(1 - lr * weightDecay), lrr = r(lr), b1 = r(beta1), b2 = r(beta2), e = r(eps);
      const p = param.data, g = grad.data, md = m.data, vd = v.data;
      // A gradient scale multiplies first, rounded like a stored scaled gradient.
      const s = gradScale ? gradScale.data[0]! : 1;
      const rg = dtype === 'f16' && !be.float64 ? roundToHalf : r;
      for (let i = 0; i < n; i++) {
        const gi = gradScale ? rg(g[i]! * s) : g[i]!;
        const mi = r(r(md[i]! * b1) + r(gi * k1));
        const vi = r(r(vd[i]! * b2) + r(r(gi * gi) * k2));
        const upd = r(r(mi * ic1) / r(r(Math.sqrt(r(vi * ic2))) + e));
        const pd = weightDecay ? r(p[i]! * decay) : p[i]!;
        md[i] = mi;
        vd[i] = vi;
        p[i] = r(pd - r(upd * lrr));
      }
      be.finish(param);
      be.finish(m);
      be.finish(v);
    },

    swigluForward(g, l, n, dtype) {
      if (dtype === 'i32') throw new Error('storygrad: swiglu is defined for f32 and f16 only');
      const h = out(n, dtype);
      for (let i = 0; i < n; i++) { const x = g.data[i]!; h.data[i] = x * sigmoid(x) * l.data[i]!; }
      return be.finish(h);
    },

    swigluBackward(g, l, dh, n, dtype) {
      if (dtype === 'i32') throw new Error('storygrad: swiglu is defined for f32 and f16 only');
      const dg = out(n, dtype), dl = out(n, dtype);
      for (let i = 0; i < n; i++) {
        const x = g.data[i]!, s = sigmoid(x), d = dh.data[i]!;
        dl.data[i] = d * x * s;
        dg.data[i] = d * l.data[i]! * s * (1 + x * (1 - s));
      }
      return { dg: be.finish(dg), dl: be.finish(dl) };
    },

    rope({ x, cos, sin, rows, T, heads, dHead, dtype, inverse }) {
      if (dtype === 'i32') throw new Error('storygrad: rope is defined for f32 and f16 only');
      const half = dHead / 2, n = rows * heads * dHead;
      if (x.data.length < n) throw new Error(`storygrad: rope: x holds ${x.data.length} elements, needs ${n}`);
      if (cos.data.length < T * half || sin.data.length < T * half) throw new Error(`storygrad: rope: tables hold fewer than ${T * half} elements`);
      const y = out(n, dtype);
      const sign = inverse ? -1 : 1;
      for (let p = 0; p < n / 2; p++) {
        const r = Math.floor(p / (heads * half)), i = (p % (heads * half)) % half, t = r % T;
        const c = cos.data[t * half + i]!, s = sign * sin.data[t * half + i]!;
        const x0 = x.data[2 * p]!, x1 = x.data[2 * p + 1]!;
        y.data[2 * p] = x0 * c - x1 * s;
        y.data[2 * p + 1] = x0 * s + x1 * c;
      }
      return be.finish(y);
    },

    sumSquares(xs, sizes, dtype) {
      if (xs.length !== sizes.length) throw new Error(`storygrad: sumSquares: ${xs.length} tensors but ${sizes.length} sizes`);
      if (dtype === 'i32') throw new Error('storygrad: sumSquares is defined for f32 and f16 only');
      const o = stats(xs.length);
      xs.forEach((x, t) => {
        if (x.data.length < sizes[t]!) throw new Error(`storygrad: sumSquares: tensor ${t} holds ${x.data.length} elements, needs ${sizes[t]}`);
        let s = 0;
        for (let i = 0; i < sizes[t]!; i++) s += x.data[i]! * x.data[i]!;
        o.data[t] = s;
      });
      return o;
    },

    clipScale(sumsOfSquares, n, maxNorm) {
      if (sumsOfSquares.data.length < n) throw new Error(`storygrad: clipScale: ${sumsOfSquares.data.length} squared norms, needs ${n}`);
      // Rounded like the composed f32 ops (sum, sqrt, add, div, minimum) on this backend.
      const f = be.float64 ? (z: number) => z : Math.fround;
      let total = 0;
      for (let i = 0; i < n; i++) total = f(total + sumsOfSquares.data[i]!);
      const norm = stats(1), scale = stats(1);
      norm.data[0] = f(Math.sqrt(total));
      const factor = f(f(maxNorm) / f(norm.data[0]! + f(1e-6)));
      scale.data[0] = Number.isNaN(factor) ? NaN : Math.min(factor, 1);
      return { norm, scale };
    },
  };
}
