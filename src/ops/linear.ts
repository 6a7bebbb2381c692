/**
 * Linear layers on the fused matmul (`matmulFused`, src/backend/backend.ts): the bias add, the
 * GELU and the GELU backward happen in the matmul's stores, and the bias gradient comes out of the
 * weight-gradient matmul (row sums of dYᵀ), so a linear layer costs its matmuls and nothing else.
 *   linearFused(x, W, b)        x Wᵀ + b                         forward 1 dispatch, backward 2
 *   geluMlpFused(x, Wi, bi, Wo, bo)  gelu(x Wiᵀ + bi) Woᵀ + bo   forward 2 dispatches, backward 4
 *   linearGroupFused(x, [W0, W1, W2])  x W_sᵀ for each s (no bias)  forward 1 dispatch, backward 2
 *                                      (where the backend fuses groups; see its linearGroup kernel)
 * The GELU MLP is one op so that its backward can apply the GELU's derivative inside the matmul
 * that produces the gradient of the GELU's output. Weights are [out, in] (PyTorch layout); inputs
 * x [..., in] are read as [rows, in] matrices (storage is contiguous). src/ops/nn.ts routes
 * `linear` and `geluMlp` here when the operands fit, and to the composed ops otherwise.
 */
import { record, recordGroup } from '../autograd/node.js';
import { LINEAR_GROUP_MAX, type Backend, type MatmulFusedArgs } from '../backend/backend.js';
import { zerosLike } from './creation.js';
import type { Tensor } from '../tensor.js';
import { backendOf, requireFloat, requireSameDtype, wrap } from './common.js';

/** Whether (x, weight, bias) take the fused path: 2-D weight [out, in], bias [out] or none, x [..., in]. */
export function linearFusable(x: Tensor, weight: Tensor, bias?: Tensor | null): boolean {
  if (x.rank < 1 || weight.rank !== 2 || x.shape[x.rank - 1] !== weight.shape[1]) return false;
  if (x.dtype === 'i32' || weight.dtype !== x.dtype || x.backend !== weight.backend) return false;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0] || bias.dtype !== x.dtype || bias.backend !== x.backend)) return false;
  return true;
}

/** Whether the GELU MLP takes the fused path: both layers linearFusable, wOut's input size that of wIn's output. */
export function geluMlpFusable(x: Tensor, wIn: Tensor, bIn: Tensor | null, wOut: Tensor, bOut: Tensor | null): boolean {
  if (!linearFusable(x, wIn, bIn) || wOut.rank !== 2 || wOut.shape[1] !== wIn.shape[0]) return false;
  if (wOut.dtype !== x.dtype || wOut.backend !== x.backend) return false;
  return !bOut || (bOut.rank === 1 && bOut.shape[0] === wOut.shape[0] && bOut.dtype === x.dtype && bOut.backend === x.backend);
}

/** Sizes of x [..., K] as a [rows, K] matrix. */
function rowsOf(x: Tensor): { rows: number; K: number } {
  let rows = 1;
  for (let i = 0; i < x.rank - 1; i++) rows *= x.shape[i]!;
  return { rows, K: x.shape[x.rank - 1]! };
}

/** The fused matmul args of a [M, K] x [K, N]-style product (batch 1). */
function mm(x: Tensor['storage'], transA: boolean, w: Tensor['storage'], transB: boolean, M: number, N: number, K: number, dtype: Tensor['dtype']): MatmulFusedArgs<unknown> {
  return { a: x, b: w, dtype, batch: 1, M, N, K, transA, transB, aBatchStride: 0, bBatchStride: 0 };
}

/**
 * Gradients of one linear layer y = x Wᵀ + b from dY [rows, out] (a storage): dX [rows, in] =
 * dY W, dW [out, in] = dYᵀ x and db [out] = dYᵀ·1 in the same matmul. Entries are null where no
 * gradient is needed.
 */
function linearGrads(be: Backend<any>, dY: unknown, x: Tensor, w: Tensor, b: Tensor | null, rows: number): { dx: unknown; dw: unknown; db: unknown } {
  const [N, K] = w.shape as [number, number]; // out, in
  const dtype = x.dtype;
  const dx = x.requiresGrad ? be.kernels.matmul(mm(dY, false, w.storage, false, rows, K, N, dtype)) : null;
  let dw: unknown = null, db: unknown = null;
  if (w.requiresGrad) {
    const r = be.kernels.matmulFused({ ...mm(dY, true, x.storage, false, N, K, rows, dtype), rowSums: !!b?.requiresGrad });
    dw = r.out;
    db = r.rowSums;
  } else if (b?.requiresGrad) {
    db = be.kernels.reduce('sum', dY, 1, rows, N, dtype);
  }
  return { dx, dw, db };
}

/** x Wᵀ + b on one fused matmul; see the file header. Requires linearFusable(x, weight, bias). */
export function linearFused(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'linear';
  requireFloat(op, x);
  requireSameDtype(op, x, weight);
  const b = bias ?? null;
  const be = backendOf(op, x, weight, ...(b ? [b] : []));
  const { rows, K } = rowsOf(x);
  const N = weight.shape[0]!;
  const r = be.kernels.matmulFused({ ...mm(x.storage, false, weight.storage, true, rows, N, K, x.dtype), bias: b?.storage ?? null });
  const y = wrap(be, r.out, [...x.shape.slice(0, -1), N], x.dtype);
  return record(y, op, b ? [x, weight, b] : [x, weight], (g) => {
    const d = linearGrads(be, g.storage, x, weight, b, rows);
    const grads: (Tensor | null)[] = [
      d.dx ? wrap(be, d.dx, x.shape, x.dtype) : null,
      d.dw ? wrap(be, d.dw, weight.shape, x.dtype) : null,
    ];
    if (b) grads.push(d.db ? wrap(be, d.db, b.shape, x.dtype) : null);
    return grads;
  });
}

/**
 * gelu(x W_inᵀ + b_in) W_outᵀ + b_out (the GPT-2 MLP) on two fused matmuls; the backward folds the
 * GELU derivative into the matmul that computes the gradient of the GELU's output. Requires
 * linearFusable for both layers.
 */
export function geluMlpFused(x: Tensor, wIn: Tensor, bIn: Tensor | null, wOut: Tensor, bOut: Tensor | null): Tensor {
  const op = 'geluMlp';
  requireFloat(op, x);
  const be = backendOf(op, x, wIn, wOut, ...(bIn ? [bIn] : []), ...(bOut ? [bOut] : []));
  const { rows, K } = rowsOf(x);
  const H = wIn.shape[0]!, N = wOut.shape[0]!;
  const dtype = x.dtype;
  const h = be.kernels.matmulFused({ ...mm(x.storage, false, wIn.storage, true, rows, H, K, dtype), bias: bIn?.storage ?? null, activation: 'gelu' });
  const pre = wrap(be, h.pre, [rows, H], dtype); // [rows, H], the GELU's input
  const post = wrap(be, h.out, [rows, H], dtype); // [rows, H]
  const r = be.kernels.matmulFused({ ...mm(post.storage, false, wOut.storage, true, rows, N, H, dtype), bias: bOut?.storage ?? null });
  const y = wrap(be, r.out, [...x.shape.slice(0, -1), N], dtype);
  const inputs = [x, wIn, ...(bIn ? [bIn] : []), wOut, ...(bOut ? [bOut] : [])];
  record(y, op, inputs, (g) => {
    const w = (s: unknown, t: Tensor) => (s ? wrap(be, s, t.shape, dtype) : null);
    const outer = linearGrads(be, g.storage, post, wOut, bOut, rows); // post needs no gradient: dW_out, db_out only
    let inner: { dx: unknown; dw: unknown; db: unknown } = { dx: null, dw: null, db: null };
    if (x.requiresGrad || wIn.requiresGrad || bIn?.requiresGrad) {
      // dPre = (dY W_out) * gelu'(pre) in one matmul, then the inner layer's gradients from it.
      const dPre = be.kernels.matmulFused({ ...mm(g.storage, false, wOut.storage, false, rows, H, N, dtype), geluGradOf: pre.storage }).out;
      inner = linearGrads(be, dPre, x, wIn, bIn, rows);
      be.free(dPre);
    }
    return [
      w(inner.dx, x), w(inner.dw, wIn), ...(bIn ? [w(inner.db, bIn)] : []),
      w(outer.dw, wOut), ...(bOut ? [w(outer.db, bOut)] : []),
    ];
  });
  if (!y.node) { pre.dispose(); post.dispose(); }
  return y;
}

/**
 * Whether `weights` take the fused group path on x: 2 to LINEAR_GROUP_MAX weights, each
 * linearFusable on x without bias.
 */
export function linearGroupFusable(x: Tensor, weights: readonly Tensor[]): boolean {
  return weights.length >= 2 && weights.length <= LINEAR_GROUP_MAX && weights.every((w) => linearFusable(x, w, null));
}

/**
 * The bias-free linear layers x W_sᵀ of one input, one output per weight, as one op: the forward
 * is one `linearGroup` kernel call and the backward one `linearGroupBackward` call, which gives
 * the input gradient summed over the weights (no adds) and every weight gradient. Requires
 * linearGroupFusable(x, weights).
 */
export function linearGroupFused(x: Tensor, weights: readonly Tensor[]): Tensor[] {
  const op = 'linearGroup';
  requireFloat(op, x);
  for (const w of weights) requireSameDtype(op, x, w);
  const be = backendOf(op, x, ...weights);
  const { rows, K } = rowsOf(x);
  const N = weights.map((w) => w.shape[0]!);
  const dtype = x.dtype;
  const group = { rows, K, N, dtype, weights: weights.map((w) => w.storage) };
  const ys = be.kernels.linearGroup({ ...group, x: x.storage });
  const outs = ys.map((y, s) => wrap(be, y, [...x.shape.slice(0, -1), N[s]!], dtype)); // [..., N_s]
  return recordGroup(outs, op, [x, ...weights], (gs) => {
    // An output without a gradient (not used by the differentiated value) contributes zeros to dX
    // and, as with one linear per weight, gives its weight no gradient.
    const filled = gs.map((g, s) => g ?? zerosLike(outs[s]!));
    const r = be.kernels.linearGroupBackward({
      ...group, x: x.storage, grads: filled.map((g) => g.storage), needX: x.requiresGrad, needW: weights.map((w, s) => w.requiresGrad && gs[s] !== null),
    });
    filled.forEach((g, s) => { if (!gs[s]) g.dispose(); });
    return [r.dx ? wrap(be, r.dx, x.shape, dtype) : null, ...r.dw.map((d, s) => (d ? wrap(be, d, weights[s]!.shape, dtype) : null))];
  });
}
