/**
 * Scaled dot-product attention composed from primitive ops (the materialized path: scores ->
 * softmax -> weighted sum). The fused flash-style kernels replace it on WebGPU later.
 */
import type { Tensor } from '../tensor.js';
import { add, mul, where } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { softmax } from '../ops/nn.js';
import { arange } from '../ops/creation.js';
import { reshape } from '../ops/movement.js';
import { ge } from '../ops/elementwise.js';
import { withBackend } from '../runtime.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /** Mask future positions (query i attends to keys <= i + (Tk - Tq)). */
  causal?: boolean;
  /** Score scale (default 1/sqrt(head dim)). */
  scale?: number;
  /** Additive mask broadcastable to [..., Tq, Tk]. */
  mask?: Tensor;
}

/**
 * softmax(q kᵀ * scale + mask) v. q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] -> [..., Tq, Dv].
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const D = q.shape[q.rank - 1]!;
  const Tq = q.shape[q.rank - 2]!, Tk = k.shape[k.rank - 2]!;
  let scores = mul(matmul(q, k, { transposeB: true }), opts.scale ?? 1 / Math.sqrt(D)); // [..., Tq, Tk]
  if (opts.mask) scores = add(scores, opts.mask);
  if (opts.causal) {
    const allowed = withBackend(q.backend, () => {
      const qi = reshape(arange(Tk - Tq, Tk, 1, { dtype: 'f32' }), [Tq, 1]);
      const ki = reshape(arange(0, Tk, 1, { dtype: 'f32' }), [1, Tk]);
      return ge(qi, ki); // [Tq, Tk] 1 where key <= query
    });
    scores = where(allowed, scores, -Infinity);
  }
  return matmul(softmax(scores, -1), v);
}
