/**
 * Ops on the fused kernels (src/backend/fused.ts): LayerNorm, RMSNorm, last-axis softmax and
 * per-row softmax cross-entropy, each one forward dispatch and a backward rule that calls the
 * fused backward kernel. The per-row statistics the backward needs (mean, rstd, lse: f32 [rows])
 * live in small tensors held by the rule; nothing of size [rows, C] is kept beyond the op's
 * input and output. src/ops/nn.ts routes its public functions here.
 */
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { fmt, sameShape } from '../shape.js';
import { backendOf, requireDtype, requireFloat, requireSameDtype, wrap } from './common.js';

/** [rows, C] view of x over its last axis. */
function rowsOf(op: string, x: Tensor): { rows: number; C: number } {
  if (x.rank === 0) throw new Error(`storygrad: ${op} needs a tensor with at least one dim, got ${x.describe()}`);
  const C = x.shape[x.rank - 1]!;
  let rows = 1;
  for (let i = 0; i < x.rank - 1; i++) rows *= x.shape[i]!;
  return { rows, C };
}

function checkParam(op: string, x: Tensor, p: Tensor | null | undefined, what: string): void {
  if (!p) return;
  const C = x.shape[x.rank - 1];
  if (p.rank !== 1 || p.shape[0] !== C) {
    throw new Error(`storygrad: ${op}: ${what} must be [${C}] for input ${x.describe()}, got ${p.describe()}`);
  }
  requireSameDtype(op, x, p);
}

/** Frees the saved statistics when no backward rule was attached (inference, noGrad). */
function dropUnlessRecorded(out: Tensor, saved: Tensor[]): void {
  if (!out.node) for (const t of saved) t.dispose();
}

/** LayerNorm over the last dim on the fused kernels: (x - mean) * rstd * weight + bias. */
export function layerNormFused(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  requireFloat('layerNorm', x);
  const { rows, C } = rowsOf('layerNorm', x);
  checkParam('layerNorm', x, weight, 'weight');
  checkParam('layerNorm', x, bias, 'bias');
  const w = weight ?? null, b = bias ?? null;
  const be = backendOf('layerNorm', x, ...(w ? [w] : []), ...(b ? [b] : []));
  const r = be.kernels.layerNormForward({ x: x.storage, w: w?.storage ?? null, b: b?.storage ?? null, rows, C, eps, dtype: x.dtype });
  const y = wrap(be, r.y, x.shape, x.dtype);
  const mean = wrap(be, r.mean, [rows], 'f32'); // [rows]
  const rstd = wrap(be, r.rstd, [rows], 'f32'); // [rows]
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  record(y, 'layerNorm', inputs, (g) => {
    const d = be.kernels.layerNormBackward({
      dy: g.storage, x: x.storage, w: w?.storage ?? null, mean: mean.storage, rstd: rstd.storage,
      rows, C, dtype: x.dtype, needDw: !!w?.requiresGrad, needDb: !!b?.requiresGrad,
    });
    const grads: (Tensor | null)[] = [wrap(be, d.dx, x.shape, x.dtype)];
    if (w) grads.push(d.dw ? wrap(be, d.dw, w.shape, w.dtype) : null);
    if (b) grads.push(d.db ? wrap(be, d.db, b.shape, b.dtype) : null);
    return grads;
  });
  dropUnlessRecorded(y, [mean, rstd]);
  return y;
}

/** RMSNorm over the last dim on the fused kernels: x * rstd * weight. */
export function rmsNormFused(x: Tensor, weight?: Tensor | null, eps = 1e-5): Tensor {
  requireFloat('rmsNorm', x);
  const { rows, C } = rowsOf('rmsNorm', x);
  checkParam('rmsNorm', x, weight, 'weight');
  const w = weight ?? null;
  const be = backendOf('rmsNorm', x, ...(w ? [w] : []));
  const r = be.kernels.rmsNormForward({ x: x.storage, w: w?.storage ?? null, rows, C, eps, dtype: x.dtype });
  const y = wrap(be, r.y, x.shape, x.dtype);
  const rstd = wrap(be, r.rstd, [rows], 'f32'); // [rows]
  record(y, 'rmsNorm', w ? [x, w] : [x], (g) => {
    const d = be.kernels.rmsNormBackward({
      dy: g.storage, x: x.storage, w: w?.storage ?? null, rstd: rstd.storage, rows, C, dtype: x.dtype, needDw: !!w?.requiresGrad,
    });
    const dx = wrap(be, d.dx, x.shape, x.dtype);
    return w ? [dx, d.dw ? wrap(be, d.dw, w.shape, w.dtype) : null] : [dx];
  });
  dropUnlessRecorded(y, [rstd]);
  return y;
}

/**
 * The SwiGLU gate on the fused kernels: silu(gate) * lin, elementwise over tensors of one shape
 * and dtype ([B, T, dMlp] in the llama MLP); one kernel forward, one for both gradients.
 */
export function swigluFused(gate: Tensor, lin: Tensor): Tensor {
  requireFloat('swiglu', gate);
  requireSameDtype('swiglu', gate, lin);
  if (!sameShape(gate.shape, lin.shape)) {
    throw new Error(`storygrad: swiglu: gate ${gate.describe()} and linear branch ${lin.describe()} must have one shape`);
  }
  const be = backendOf('swiglu', gate, lin);
  const n = gate.size;
  const h = wrap(be, be.kernels.swigluForward(gate.storage, lin.storage, n, gate.dtype), gate.shape, gate.dtype);
  return record(h, 'swiglu', [gate, lin], (g) => {
    const d = be.kernels.swigluBackward(gate.storage, lin.storage, g.storage, n, gate.dtype);
    return [wrap(be, d.dg, gate.shape, gate.dtype), wrap(be, d.dl, lin.shape, lin.dtype)];
  });
}

/**
 * Rotary position embedding on the fused kernel: x [B, T, H, D] (contiguous), adjacent pairs of
 * each head rotated by the angles of the cos/sin tables [T, D / 2] (any shape of T * D / 2
 * elements, in x's dtype, no gradient). The backward rotates the gradient back.
 */
export function ropeFused(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  requireFloat('rope', x);
  if (x.rank !== 4) throw new Error(`storygrad: rope: x must be [B, T, heads, dHead], got ${x.describe()}`);
  const [B, T, H, D] = x.shape as [number, number, number, number];
  if (D % 2 !== 0) throw new Error(`storygrad: rope: head size ${D} is odd`);
  for (const t of [cos, sin]) {
    if (t.size !== (T * D) / 2 || t.dtype !== x.dtype) {
      throw new Error(`storygrad: rope: tables must hold T * dHead / 2 = ${(T * D) / 2} ${x.dtype} values, got ${t.describe()}`);
    }
  }
  const be = x.backend;
  const args = { cos: cos.storage, sin: sin.storage, rows: B * T, T, heads: H, dHead: D, dtype: x.dtype };
  const y = wrap(be, be.kernels.rope({ ...args, x: x.storage, inverse: false }), x.shape, x.dtype);
  return record(y, 'rope', [x], (g) => [wrap(be, be.kernels.rope({ ...args, x: g.storage, inverse: true }), x.shape, x.dtype)]);
}

/** Softmax over the last dim on the fused kernels; the backward uses the output only. */
export function softmaxLastFused(x: Tensor): Tensor {
  requireFloat('softmax', x);
  const { rows, C } = rowsOf('softmax', x);
  const be = x.backend;
  const y = wrap(be, be.kernels.softmaxForward(x.storage, rows, C, x.dtype), x.shape, x.dtype);
  return record(y, 'softmax', [x], (g) => [wrap(be, be.kernels.softmaxBackward(y.storage, g.storage, rows, C, x.dtype), x.shape, x.dtype)]);
}

/** Checks of the fused cross-entropy ops: logits [..., V] float, targets i32 [...]. */
function crossEntropyShape(logits: Tensor, targets: Tensor): { N: number; V: number; lead: number[] } {
  requireFloat('crossEntropy', logits);
  requireDtype('crossEntropy', targets, 'i32', 'targets');
  const { rows: N, C: V } = rowsOf('crossEntropy', logits);
  const lead = logits.shape.slice(0, -1);
  if (lead.length !== targets.rank || lead.some((v, i) => v !== targets.shape[i])) {
    throw new Error(`storygrad: crossEntropy: targets ${fmt(targets.shape)} must have shape ${fmt(lead)} for logits ${logits.describe()}`);
  }
  if (V === 0) throw new Error(`storygrad: crossEntropy: logits ${logits.describe()} have no classes`);
  return { N, V, lead };
}

/**
 * Per-position cross-entropy of logits [..., V] against i32 targets [...] on the fused kernels:
 * logsumexp(logits) - logits[target], 0 where the target equals ignoreIndex or lies outside
 * [0, V). Gradient w.r.t. the logits only. Returns [...] in the logits' dtype.
 */
export function softmaxCrossEntropyFused(logits: Tensor, targets: Tensor, ignoreIndex: number): Tensor {
  const { N, V, lead } = crossEntropyShape(logits, targets);
  const be = backendOf('crossEntropy', logits, targets);
  const dtype = logits.dtype;
  ignoreIndex |= 0; // an i32 like the targets (the composed version's i32 constant truncates too)
  const r = be.kernels.softmaxCrossEntropyForward({ logits: logits.storage, targets: targets.storage, N, V, ignoreIndex, dtype });
  const loss = wrap(be, r.loss, lead, dtype);
  const lse = wrap(be, r.lse, [N], 'f32'); // [N]
  record(loss, 'crossEntropy', [logits, targets], (g) => [
    wrap(be, be.kernels.softmaxCrossEntropyBackward({
      logits: logits.storage, targets: targets.storage, lse: lse.storage, gLoss: g.storage, N, V, ignoreIndex, dtype,
    }), logits.shape, dtype),
    null,
  ]);
  dropUnlessRecorded(loss, [lse]);
  return loss;
}

/**
 * The mean cross-entropy over the positions whose target is not ignoreIndex (a scalar in the
 * logits' dtype; targets outside [0, V) contribute 0 and count): the per-position forward, then
 * the `lossMean` kernel (sum and count in one pass). The backward is one dispatch: every row's
 * gradient is the scalar's times 1 / count, read on the device.
 */
export function softmaxCrossEntropyMeanFused(logits: Tensor, targets: Tensor, ignoreIndex: number): Tensor {
  const { N, V } = crossEntropyShape(logits, targets);
  const be = backendOf('crossEntropy', logits, targets);
  const dtype = logits.dtype;
  ignoreIndex |= 0;
  const r = be.kernels.softmaxCrossEntropyForward({ logits: logits.storage, targets: targets.storage, N, V, ignoreIndex, dtype });
  const perRow = wrap(be, r.loss, [N], dtype); // [N]
  const lse = wrap(be, r.lse, [N], 'f32'); // [N]
  const m = be.kernels.lossMean({ loss: perRow.storage, targets: targets.storage, N, ignoreIndex, dtype });
  perRow.dispose();
  const loss = wrap(be, m.mean, [], dtype);
  const invCount = wrap(be, m.invCount, [1], 'f32'); // [1]
  record(loss, 'crossEntropy', [logits, targets], (g) => [
    wrap(be, be.kernels.softmaxCrossEntropyBackward({
      logits: logits.storage, targets: targets.storage, lse: lse.storage, gLoss: g.storage, N, V, ignoreIndex, dtype, gMean: invCount.storage,
    }), logits.shape, dtype),
    null,
  ]);
  dropUnlessRecorded(loss, [lse, invCount]);
  return loss;
}

/**
 * Squared L2 norms of tensors on one backend: f32 [ts.length], element t = sum of ts[t]² (the
 * `sumSquares` kernel: a few dispatches for any number of tensors of one dtype). Not
 * differentiable (gradient clipping runs outside autograd).
 */
export function sumSquaresFused(ts: readonly Tensor[]): Tensor {
  if (ts.length === 0) throw new Error('storygrad: sumSquares needs at least one tensor');
  for (const t of ts) requireFloat('sumSquares', t);
  const be = backendOf('sumSquares', ...ts);
  const dtypes = [...new Set(ts.map((t) => t.dtype))];
  if (dtypes.length > 1) throw new Error(`storygrad: sumSquares: tensors of one dtype expected, got ${dtypes.join(', ')}`);
  return wrap(be, be.kernels.sumSquares(ts.map((t) => t.storage), ts.map((t) => t.size), dtypes[0]!), [ts.length], 'f32');
}

/**
 * The factor of a global-norm gradient clip from squared norms `sq` (an f32 vector of squared
 * norms or partial sums of them, e.g. `sumSquaresFused` output), in one dispatch: norm =
 * sqrt(sum(sq)) and scale = min(1, maxNorm / (norm + 1e-6)), both f32 scalars. Not differentiable.
 */
export function clipScaleFused(sq: Tensor, maxNorm: number): { norm: Tensor; scale: Tensor } {
  requireDtype('clipScale', sq, 'f32', 'squared norms');
  if (sq.rank !== 1) throw new Error(`storygrad: clipScale: squared norms must be a vector, got ${sq.describe()}`);
  if (!(maxNorm >= 0)) throw new Error(`storygrad: clipScale: maxNorm must be a number >= 0, got ${maxNorm}`);
  const be = sq.backend;
  const r = be.kernels.clipScale(sq.storage, sq.size, maxNorm);
  return { norm: wrap(be, r.norm, [], 'f32'), scale: wrap(be, r.scale, [], 'f32') };
}
