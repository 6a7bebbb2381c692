/**
 * Scaled dot-product attention. Two paths with the same result:
 *  - fused (`flashAttention`, src/ops/attention.ts): online-softmax kernels that never materialize
 *    the [Tq, Tk] scores; used when there is no additive mask, no hooks and `materialize` is unset;
 *  - materialized (scores -> softmax -> weighted sum, composed from primitive ops): used with an
 *    additive mask, with `materialize: true` or `hooks` (hooks on the scores / pattern), and for
 *    shapes the fused kernels do not take (broadcast batch dims, head size of v != that of q,
 *    head size > 128).
 * Both accept grouped-query k / v with fewer heads than q, and both layouts ('bhtd': heads before
 * positions; 'bthd': positions before heads, e.g. a [B, T, H * D] projection reshaped — the fused
 * kernels read it in place, the materialized path permutes).
 */
import type { Tensor } from '../tensor.js';
import { add, mul, where } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { softmax } from '../ops/nn.js';
import { arange } from '../ops/creation.js';
import { expand, permute, reshape, unsqueeze } from '../ops/movement.js';
import { ge } from '../ops/elementwise.js';
import { attentionGeometry, flashAttention } from '../ops/attention.js';
import { ATTENTION_MAX_HEAD_DIM } from '../backend/attention-args.js';
import { isFloat, type AttentionLayout } from '../backend/backend.js';
import { withBackend } from '../runtime.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /** Mask future positions (query i attends to keys <= i + (Tk - Tq)). */
  causal?: boolean;
  /** Score scale (default 1/sqrt(head dim)). */
  scale?: number;
  /** Additive mask broadcastable to [..., Tq, Tk] (forces the materialized path). */
  mask?: Tensor;
  /**
   * Compute scores -> softmax -> weighted sum as separate ops instead of the fused kernels (for
   * hooks that need the attention pattern). Default false.
   */
  materialize?: boolean;
  /**
   * 'bhtd' (default): q [..., H, Tq, D], k and v [..., Hkv, Tk, D], output [..., H, Tq, Dv].
   * 'bthd': q [..., Tq, H, D], k and v [..., Tk, Hkv, D], output [..., Tq, H, Dv] (rank >= 3).
   */
  layout?: AttentionLayout;
  /**
   * Callbacks on the materialized path (setting either forces it): `scores` sees the scaled,
   * masked scores [..., Tq, Tk] (masked entries -Infinity) and `pattern` the softmax weights; each
   * may return a replacement of the same shape. Models pass their `hook_attn_scores` /
   * `hook_pattern` hook points here.
   */
  hooks?: AttentionHooks;
}

/** See {@link AttentionOptions.hooks}. */
export interface AttentionHooks {
  scores?: (scores: Tensor) => Tensor;
  pattern?: (pattern: Tensor) => Tensor;
}

/**
 * softmax(q kᵀ * scale + mask) v. q [..., H, Tq, D], k [..., Hkv, Tk, D], v [..., Hkv, Tk, Dv]
 * -> [..., H, Tq, Dv], where H is a multiple of Hkv (grouped-query attention: query head h uses
 * kv head floor(h / (H / Hkv))); rank-2 and broadcast inputs work too (materialized path).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const layout = opts.layout ?? 'bhtd';
  if (!opts.mask && !opts.materialize && !opts.hooks && fusable(q, k, v, layout)) {
    return flashAttention(q, k, v, { causal: !!opts.causal, scale: opts.scale, layout });
  }
  if (layout === 'bhtd') return materializedAttention(q, k, v, opts);
  if (layout !== 'bthd') throw new Error(`storygrad: scaledDotProductAttention: unknown layout '${String(layout)}' (expected 'bhtd' or 'bthd')`);
  for (const [n, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.rank < 3) throw new Error(`storygrad: scaledDotProductAttention: layout 'bthd' needs ${n} [..., T, heads, D], got ${t.describe()}`);
  }
  const swap = (t: Tensor) => permute(t, [...t.shape.keys()].map((i, _, a) => (i === a.length - 3 ? i + 1 : i === a.length - 2 ? i - 1 : i)));
  return swap(materializedAttention(swap(q), swap(k), swap(v), opts)); // [..., Tq, H, Dv]
}

/** Whether the fused kernels take these operands. */
function fusable(q: Tensor, k: Tensor, v: Tensor, layout: AttentionLayout): boolean {
  if (!isFloat(q.dtype) || k.dtype !== q.dtype || v.dtype !== q.dtype) return false;
  if (q.backend !== k.backend || q.backend !== v.backend) return false;
  const g = attentionGeometry(q, k, v, layout);
  return typeof g !== 'string' && g.D <= ATTENTION_MAX_HEAD_DIM;
}

/** The materialized path: scores [..., Tq, Tk] -> softmax -> weighted sum. */
function materializedAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const D = q.shape[q.rank - 1]!;
  const Tq = q.shape[q.rank - 2]!, Tk = k.shape[k.rank - 2]!;
  k = shareKvHeads(q, k);
  v = shareKvHeads(q, v);
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
  if (opts.hooks?.scores) scores = opts.hooks.scores(scores);
  let pattern = softmax(scores, -1); // [..., Tq, Tk]
  if (opts.hooks?.pattern) pattern = opts.hooks.pattern(pattern);
  return matmul(pattern, v);
}

/**
 * Grouped-query kv heads for the materialized path: t [..., Hkv, T, d] -> [..., H, T, d] repeating
 * each kv head H / Hkv times, when q has H heads; otherwise t unchanged (broadcasting applies).
 */
function shareKvHeads(q: Tensor, t: Tensor): Tensor {
  const r = q.rank;
  if (r < 3 || t.rank !== r) return t;
  const H = q.shape[r - 3]!, Hkv = t.shape[r - 3]!;
  if (Hkv === H || Hkv === 1 || H % Hkv !== 0) return t;
  const lead = t.shape.slice(0, r - 3);
  const [T, d] = [t.shape[r - 2]!, t.shape[r - 1]!];
  const g = H / Hkv;
  return reshape(expand(unsqueeze(t, r - 2), [...lead, Hkv, g, T, d]), [...lead, H, T, d]); // [..., H, T, d]
}
