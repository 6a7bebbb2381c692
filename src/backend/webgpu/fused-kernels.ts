/**
 * WebGPU dispatch of the fused kernels (`FusedKernels<GpuStorage>`, see ../fused.ts): argument
 * checks, uniforms, variant choice and grids for kernels/layer_norm.wgsl, rms_norm.wgsl,
 * norm_params.wgsl, softmax.wgsl, cross_entropy.wgsl, adamw.wgsl and sum_squares.wgsl. Spread into the kernel
 * table by kernels.ts.
 *
 * Row kernels come in two variants: one thread per row looping over it in order ('seq') or one
 * workgroup per row with tree reductions ('wg'). On a software adapter barriers serialise the
 * SIMD lanes, so 'seq' wins there except for a handful of very long rows; real GPUs want 'wg'.
 */
import type { DType } from '../backend.js';
import type { AdamWHyper, FusedKernels } from '../fused.js';
import { grid1d, gridGroups } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { aliasingProblem, checkFloatDtype, needBinding, outputStorage, runKernel } from './dispatch.js';
import { f32Bits } from './uniforms.js';

/**
 * Forces variants of the fused kernels ('auto' picks by shape and adapter): tests use it to cover
 * every variant on every adapter, benchmarks to compare them.
 *   rows                  row kernels (norms, softmax, cross-entropy forward): 'seq' | 'wg'
 *   normParamRowsPerBlock rows per partial block of the dw/db column sums (0: auto)
 */
export const fusedVariants: { rows: 'auto' | 'seq' | 'wg'; normParamRowsPerBlock: number } = {
  rows: 'auto',
  normParamRowsPerBlock: 0,
};

/** Threads per workgroup of the one-thread-per-element / per-row kernels. */
const SEQ_WG = 64;
/** Tensors per sum_squares dispatch (six read bindings and the output: within the 8 storage buffers every adapter offers). */
const SUM_SQUARES_SLOTS = 6;
const SUM_SQUARES_WG = 64;
const U: readonly [number, BindingKind] = [0, 'uniform'];
/** Threads per workgroup of adamw.wgsl. */
export const ADAMW_WG = 256;

/**
 * The adamw.wgsl kernel: `scaled` binds a gradient scale (binding 5), `masked` the per-block
 * valid lengths of a parameter arena (binding 6, param-arena.ts) with blocks of `block` elements.
 */
export function adamwSpec(dtype: DType, scaled: boolean, masked: boolean, block = 0): KernelSpec {
  const bindings: (readonly [number, BindingKind])[] = [U, [1, 'write'], [2, 'read'], [3, 'write'], [4, 'write']];
  if (scaled) bindings.push([5, 'read']);
  if (masked) bindings.push([6, 'read']);
  return {
    file: 'adamw', subs: { ELEM: dtype, GSCALE: scaled ? 'gscale_at' : 'gscale_one', VALID: masked ? 'valid_block' : 'valid_all' },
    f16: dtype === 'f16', overrides: masked ? { WG: ADAMW_WG, BLOCK: block } : { WG: ADAMW_WG }, bindings,
  };
}

/** The adamw.wgsl uniform for n elements; blockBase: the first block's index in `valid` (arena only). */
export function adamwUniform(n: number, hyper: AdamWHyper, blockBase = 0): number[] {
  const { lr, beta1, beta2, eps, weightDecay, c1, c2 } = hyper;
  const f = f32Bits;
  return [n, weightDecay ? 1 : 0, f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f(1 / c1), f(1 / c2), f(eps), f(1 - lr * weightDecay), f(lr), blockBase];
}

/** The sum_squares.wgsl `arena` entry (partial sums over a gradient arena, param-arena.ts). */
export function sumSquaresArenaSpec(dtype: DType, block: number): KernelSpec {
  return {
    file: 'sum_squares', entry: 'arena', include: ['row_reduce'], subs: { ELEM: dtype }, f16: dtype === 'f16',
    overrides: { WG: SUM_SQUARES_WG, BLOCK: block }, bindings: [U, [1, 'read'], [7, 'write'], [8, 'read']],
  };
}
/** Files the row kernels include (kernels/norm_common.wgsl, row_reduce.wgsl, softmax_stats.wgsl). */
const NORM_INCLUDE = ['norm_common', 'row_reduce'];
const SOFTMAX_INCLUDE = ['row_reduce', 'softmax_stats'];

export function makeFusedKernels(ctx: KernelContext): FusedKernels<GpuStorage> {
  const checkFloat = (d: DType, op: string): void => checkFloatDtype(ctx, d, op);
  const need = needBinding;

  const out = (n: number, d: DType): GpuStorage => outputStorage(ctx, n, d);
  const bind = storageBinding;

  const run = (spec: KernelSpec, uniform: number[], buffers: GPUBufferBinding[], groups: readonly [number, number, number]): void =>
    runKernel(ctx, spec, uniform, buffers, groups);

  function zeros(n: number, d: DType): GpuStorage {
    const o = out(n, d);
    if (n > 0) {
      run(
        { file: 'fill', subs: { ELEM: d, CT: 'f32' }, f16: d === 'f16', bindings: [U, [1, 'write']] },
        [n, 0, 0, 0],
        [bind(o)],
        grid1d(n, 256, ctx.maxPerDim),
      );
    }
    return o;
  }

  /** Whether a row kernel over [rows, C] runs one thread per row (else one workgroup per row). */
  function seqRows(rows: number, C: number): boolean {
    if (fusedVariants.rows !== 'auto') return fusedVariants.rows === 'seq';
    // Software: barriers serialise the SIMD lanes; only a few very long rows favour the tree.
    // Measured on llvmpipe (2 cores, softmax forward, profiler): [256, 1024] seq 4.6 vs wg 14.7 ms;
    // [64, 512] 0.35 vs 3.5; [8, 8192] 0.94 vs 1.44; [1, 8192] 0.26 vs 0.56; break-even near
    // [4, 50000] and [16, 16384]; [1, 65536] 3.2 vs 0.55.
    if (ctx.software) return C < 16384 * rows;
    return C < 32;
  }

  /** Workgroup size of the one-workgroup-per-row variant: a power of two in [32, 256]. */
  function rowWG(C: number): number {
    let wg = 32;
    while (wg < 256 && wg < C) wg *= 2;
    return wg;
  }

  /** Runs entry `<base>_seq` or `<base>_wg` of a row kernel over rows. */
  function runRows(
    spec: Omit<KernelSpec, 'entry' | 'overrides'>, base: string, rows: number, C: number,
    uniform: number[], buffers: GPUBufferBinding[],
  ): void {
    if (seqRows(rows, C)) {
      run({ ...spec, entry: `${base}_seq`, overrides: { WG: SEQ_WG } }, uniform, buffers, grid1d(rows, SEQ_WG, ctx.maxPerDim));
    } else {
      run({ ...spec, entry: `${base}_wg`, overrides: { WG: rowWG(C) } }, uniform, buffers, gridGroups(rows, ctx.maxPerDim));
    }
  }

  /**
   * dw (and db) of a norm: column sums over rows of dy * xhat (and dy), in row blocks then a
   * fixed-order pass over the blocks (norm_params.wgsl). Returns [C] storages of dtype.
   */
  function normParams(
    kind: 'layer' | 'rms', dy: GPUBufferBinding, x: GPUBufferBinding, mean: GPUBufferBinding | null,
    rstd: GPUBufferBinding, rows: number, C: number, dtype: DType, withB: boolean,
  ): { dw: GpuStorage; db: GpuStorage | null } {
    if (rows === 0 || C === 0) return { dw: zeros(C, dtype), db: withB ? zeros(C, dtype) : null };
    let nBlocks: number;
    if (fusedVariants.normParamRowsPerBlock > 0) nBlocks = Math.ceil(rows / fusedVariants.normParamRowsPerBlock);
    else if (ctx.software) nBlocks = Math.max(1, Math.min(Math.ceil(rows / 256), Math.ceil((rows * C) / (1 << 20))));
    else nBlocks = Math.max(1, Math.min(Math.ceil(rows / 32), Math.ceil(65536 / C)));
    const rpb = Math.ceil(rows / nBlocks);
    nBlocks = Math.ceil(rows / rpb);
    const direct = nBlocks === 1;
    const partType: DType = direct ? dtype : 'f32';
    const pw = out(nBlocks * C, partType);
    const pb = withB ? out(nBlocks * C, partType) : null;
    const subs = { ELEM: dtype, PART: partType, XHAT: kind === 'layer' ? 'xhat_layer' : 'xhat_rms' };
    const f16 = dtype === 'f16';
    const uni = [rows, C, rpb, nBlocks];
    const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read'], [2, 'read']];
    const res = [dy, x];
    if (mean) { bindings.push([3, 'read']); res.push(mean); }
    bindings.push([4, 'read'], [5, 'write']);
    res.push(rstd, bind(pw));
    if (pb) { bindings.push([6, 'write']); res.push(bind(pb)); }
    run(
      { file: 'norm_params', entry: pb ? 'partial_wb' : 'partial_w', subs, f16, overrides: { WG: SEQ_WG }, bindings },
      uni, res, grid1d(nBlocks * C, SEQ_WG, ctx.maxPerDim),
    );
    if (direct) return { dw: pw, db: pb };
    const dw = out(C, dtype);
    const db = pb ? out(C, dtype) : null;
    run(
      {
        file: 'norm_params', entry: pb ? 'finalize_wb' : 'finalize_w', subs, f16, overrides: { WG: SEQ_WG },
        bindings: pb ? [U, [7, 'read'], [8, 'read'], [9, 'write'], [10, 'write']] : [U, [7, 'read'], [9, 'write']],
      },
      uni,
      pb ? [bind(pw), bind(pb), bind(dw), bind(db!)] : [bind(pw), bind(dw)],
      grid1d(C, SEQ_WG, ctx.maxPerDim),
    );
    ctx.pool.release(pw); // reusable by later kernel outputs only (pool.ts)
    if (pb) ctx.pool.release(pb);
    return { dw, db };
  }

  return {
    layerNormForward({ x, w, b, rows, C, eps, dtype }) {
      ctx.check();
      checkFloat(dtype, 'layerNormForward');
      const n = rows * C;
      const xb = need(x, n, dtype, 'layerNorm x');
      const wb = w ? need(w, C, dtype, 'layerNorm w') : null;
      const bb = b ? need(b, C, dtype, 'layerNorm b') : null;
      const y = out(n, dtype), mean = out(rows, 'f32'), rstd = out(rows, 'f32');
      if (n === 0) return { y, mean, rstd };
      const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
      const res = [xb];
      if (wb) { bindings.push([2, 'read']); res.push(wb); }
      if (bb) { bindings.push([3, 'read']); res.push(bb); }
      bindings.push([4, 'write'], [5, 'write'], [6, 'write']);
      res.push(bind(y), bind(mean), bind(rstd));
      runRows(
        { file: 'layer_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: wb ? 'w_at' : 'w_one', B_AT: bb ? 'b_at' : 'b_zero' }, f16: dtype === 'f16', bindings },
        'fwd', rows, C, [rows, C, f32Bits(eps), 0], res,
      );
      return { y, mean, rstd };
    },

    layerNormBackward({ dy, x, w, mean, rstd, rows, C, dtype, needDw, needDb }) {
      ctx.check();
      checkFloat(dtype, 'layerNormBackward');
      const n = rows * C;
      const dyb = need(dy, n, dtype, 'layerNormBackward dy');
      const xb = need(x, n, dtype, 'layerNormBackward x');
      const wb = w ? need(w, C, dtype, 'layerNormBackward w') : null;
      const mb = need(mean, rows, 'f32', 'layerNormBackward mean');
      const rb = need(rstd, rows, 'f32', 'layerNormBackward rstd');
      const dx = out(n, dtype);
      if (n > 0) {
        const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
        const res = [xb];
        if (wb) { bindings.push([2, 'read']); res.push(wb); }
        bindings.push([7, 'read'], [8, 'write'], [9, 'read'], [10, 'read']);
        res.push(dyb, bind(dx), mb, rb);
        runRows(
          { file: 'layer_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: wb ? 'w_at' : 'w_one', B_AT: 'b_zero' }, f16: dtype === 'f16', bindings },
          'bwd', rows, C, [rows, C, 0, 0], res,
        );
      }
      if (!needDw && !needDb) return { dx, dw: null, db: null };
      const p = normParams('layer', dyb, xb, mb, rb, rows, C, dtype, needDb);
      let dw: GpuStorage | null = p.dw;
      if (!needDw) { ctx.pool.release(p.dw); dw = null; }
      return { dx, dw, db: p.db };
    },

    rmsNormForward({ x, w, rows, C, eps, dtype }) {
      ctx.check();
      checkFloat(dtype, 'rmsNormForward');
      const n = rows * C;
      const xb = need(x, n, dtype, 'rmsNorm x');
      const wb = w ? need(w, C, dtype, 'rmsNorm w') : null;
      const y = out(n, dtype), rstd = out(rows, 'f32');
      if (n === 0) return { y, rstd };
      const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
      const res = [xb];
      if (wb) { bindings.push([2, 'read']); res.push(wb); }
      bindings.push([4, 'write'], [6, 'write']);
      res.push(bind(y), bind(rstd));
      runRows(
        { file: 'rms_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: wb ? 'w_at' : 'w_one' }, f16: dtype === 'f16', bindings },
        'fwd', rows, C, [rows, C, f32Bits(eps), 0], res,
      );
      return { y, rstd };
    },

    rmsNormBackward({ dy, x, w, rstd, rows, C, dtype, needDw }) {
      ctx.check();
      checkFloat(dtype, 'rmsNormBackward');
      const n = rows * C;
      const dyb = need(dy, n, dtype, 'rmsNormBackward dy');
      const xb = need(x, n, dtype, 'rmsNormBackward x');
      const wb = w ? need(w, C, dtype, 'rmsNormBackward w') : null;
      const rb = need(rstd, rows, 'f32', 'rmsNormBackward rstd');
      const dx = out(n, dtype);
      if (n > 0) {
        const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
        const res = [xb];
        if (wb) { bindings.push([2, 'read']); res.push(wb); }
        bindings.push([7, 'read'], [8, 'write'], [10, 'read']);
        res.push(dyb, bind(dx), rb);
        runRows(
          { file: 'rms_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: wb ? 'w_at' : 'w_one' }, f16: dtype === 'f16', bindings },
          'bwd', rows, C, [rows, C, 0, 0], res,
        );
      }
      if (!needDw) return { dx, dw: null };
      return { dx, dw: normParams('rms', dyb, xb, null, rb, rows, C, dtype, false).dw };
    },

    softmaxForward(x, rows, C, dtype) {
      ctx.check();
      checkFloat(dtype, 'softmaxForward');
      const n = rows * C;
      const xb = need(x, n, dtype, 'softmax x');
      const y = out(n, dtype);
      if (n === 0) return y;
      runRows(
        { file: 'softmax', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'write']] },
        'fwd', rows, C, [rows, C, 0, 0], [xb, bind(y)],
      );
      return y;
    },

    softmaxBackward(y, dy, rows, C, dtype) {
      ctx.check();
      checkFloat(dtype, 'softmaxBackward');
      const n = rows * C;
      const yb = need(y, n, dtype, 'softmaxBackward y');
      const dyb = need(dy, n, dtype, 'softmaxBackward dy');
      const dx = out(n, dtype);
      if (n === 0) return dx;
      runRows(
        { file: 'softmax', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [3, 'read'], [4, 'read'], [5, 'write']] },
        'bwd', rows, C, [rows, C, 0, 0], [yb, dyb, bind(dx)],
      );
      return dx;
    },

    softmaxCrossEntropyForward({ logits, targets, N, V, ignoreIndex, dtype }) {
      ctx.check();
      checkFloat(dtype, 'softmaxCrossEntropyForward');
      const lb = need(logits, N * V, dtype, 'crossEntropy logits');
      const tb = need(targets, N, 'i32', 'crossEntropy targets');
      const loss = out(N, dtype), lse = out(N, 'f32');
      if (N === 0) return { loss, lse };
      if (V === 0) throw new Error(`${ERR} crossEntropy over 0 classes`);
      runRows(
        { file: 'cross_entropy', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write'], [4, 'write']] },
        'fwd', N, V, [N, V, ignoreIndex | 0, 0], [lb, tb, bind(loss), bind(lse)],
      );
      return { loss, lse };
    },

    softmaxCrossEntropyBackward({ logits, targets, lse, gLoss, N, V, ignoreIndex, dtype }) {
      ctx.check();
      checkFloat(dtype, 'softmaxCrossEntropyBackward');
      const lb = need(logits, N * V, dtype, 'crossEntropy backward logits');
      const tb = need(targets, N, 'i32', 'crossEntropy backward targets');
      const sb = need(lse, N, 'f32', 'crossEntropy backward lse');
      const gb = need(gLoss, N, dtype, 'crossEntropy backward gLoss');
      const d = out(N * V, dtype);
      if (N * V === 0) return d;
      const wg = ctx.software ? SEQ_WG : rowWG(V);
      run(
        {
          file: 'cross_entropy', entry: 'bwd', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: wg },
          bindings: [U, [1, 'read'], [2, 'read'], [5, 'read'], [6, 'read'], [7, 'write']],
        },
        [N, V, ignoreIndex | 0, 0],
        [lb, tb, sb, gb, bind(d)],
        gridGroups(N, ctx.maxPerDim),
      );
      return d;
    },

    adamwStep({ param, grad, m, v, n, dtype, hyper, gradScale }) {
      ctx.check();
      checkFloat(dtype, 'adamwStep');
      const pb = need(param, n, dtype, 'adamwStep param');
      const gb = need(grad, n, dtype, 'adamwStep grad');
      const mb = need(m, n, dtype, 'adamwStep m');
      const vb = need(v, n, dtype, 'adamwStep v');
      const sb = gradScale ? need(gradScale, 1, 'f32', 'adamwStep gradScale') : null;
      const problem = aliasingProblem([param, m, v], gradScale ? [grad, gradScale] : [grad]);
      if (problem) throw new Error(`${ERR} adamwStep: param, grad, m and v must be four different storages (${problem})`);
      if (n === 0) return;
      run(adamwSpec(dtype, !!sb, false), adamwUniform(n, hyper), sb ? [pb, gb, mb, vb, sb] : [pb, gb, mb, vb], grid1d(n, ADAMW_WG, ctx.maxPerDim));
    },

    sumSquares(xs, sizes, dtype) {
      ctx.check();
      checkFloat(dtype, 'sumSquares');
      if (xs.length !== sizes.length) throw new Error(`${ERR} sumSquares: ${xs.length} tensors but ${sizes.length} sizes`);
      const o = out(Math.max(1, xs.length), 'f32');
      const bs = xs.map((x, t) => need(x, sizes[t]!, dtype, `sumSquares tensor ${t}`));
      // SUM_SQUARES_SLOTS tensors per dispatch (one workgroup each); unused slots repeat the first with size 0.
      for (let base = 0; base < xs.length; base += SUM_SQUARES_SLOTS) {
        const count = Math.min(SUM_SQUARES_SLOTS, xs.length - base);
        const n = Array.from({ length: 8 }, (_, i) => (i < count ? sizes[base + i]! : 0));
        const slots = Array.from({ length: SUM_SQUARES_SLOTS }, (_, i) => bs[base + Math.min(i, count - 1)]!);
        run(
          {
            file: 'sum_squares', include: ['row_reduce'], subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: SUM_SQUARES_WG },
            bindings: [U, [1, 'read'], [2, 'read'], [3, 'read'], [4, 'read'], [5, 'read'], [6, 'read'], [7, 'write']],
          },
          [base, count, 0, 0, ...n],
          [...slots, bind(o)],
          [count, 1, 1],
        );
      }
      return o;
    },
  };
}
