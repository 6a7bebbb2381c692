/**
 * Fused scaled-dot-product attention with autograd: the forward is one `attentionForward` kernel
 * (online softmax, never materializing the [Tq, Tk] scores; saves the row log-sum-exp), the
 * backward one `attentionBackward` call that recomputes the probabilities (kernels/attention_*.wgsl,
 * CPU reference in src/backend/cpu/attention.ts). Grouped-query heads are read in place: k and v
 * may have fewer heads than q, and their gradients are summed over each group.
 */
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { AttentionArgs } from '../backend/backend.js';
import { checkAttentionArgs } from '../backend/attention-args.js';
import type { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';
import { backendOf, requireFloat, requireSameDtype, wrap } from './common.js';

/** Options of `flashAttention`. */
export interface FlashAttentionOptions {
  /** Mask future positions: query i sees keys j <= i + (Tk - Tq). */
  causal?: boolean;
  /** Score scale (default 1 / sqrt(head size)). */
  scale?: number;
}

/** The kernel sizes of a (q, k, v) triple. */
export interface AttentionGeometry {
  B: number; H: number; Hkv: number; Tq: number; Tk: number; D: number;
}

/**
 * Sizes of the fused kernels for q [..., H, Tq, D], k and v [..., Hkv, Tk, D] (the leading dims
 * equal, folded into B; rank-2 inputs are one head). Returns a reason string when the triple does
 * not fit the fused kernels (other shapes go through the materialized path).
 */
export function attentionGeometry(q: Tensor, k: Tensor, v: Tensor): AttentionGeometry | string {
  const r = q.rank;
  if (r < 2) return `q must have at least 2 dims [Tq, D], got ${fmt(q.shape)}`;
  if (k.rank !== r || v.rank !== r) return `q, k and v must have the same rank, got q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`;
  if (v.shape.some((d, i) => d !== k.shape[i])) return `v must have the shape of k (head size of v equal to that of q), got k ${fmt(k.shape)}, v ${fmt(v.shape)}`;
  const D = q.shape[r - 1]!, Tq = q.shape[r - 2]!, Tk = k.shape[r - 2]!;
  if (k.shape[r - 1] !== D) return `k's head size ${k.shape[r - 1]} differs from q's ${D} (q ${fmt(q.shape)}, k ${fmt(k.shape)})`;
  if (r === 2) return { B: 1, H: 1, Hkv: 1, Tq, Tk, D };
  const H = q.shape[r - 3]!, Hkv = k.shape[r - 3]!;
  const lead = q.shape.slice(0, r - 3);
  if (lead.some((d, i) => d !== k.shape[i])) {
    return `the batch dims of q ${fmt(q.shape)} and k ${fmt(k.shape)} differ (the fused path does not broadcast)`;
  }
  if (Hkv < 1 || H % Hkv !== 0) return `q's ${H} heads are not a multiple of k/v's ${Hkv} heads (q ${fmt(q.shape)}, k ${fmt(k.shape)})`;
  return { B: sizeOf(lead), H, Hkv, Tq, Tk, D };
}

/**
 * softmax(q kᵀ * scale, causal mask) v, fused: q [..., H, Tq, D], k and v [..., Hkv, Tk, D] with
 * H a multiple of Hkv (query head h reads kv head floor(h / (H / Hkv))) -> [..., H, Tq, D].
 * Head size D up to 128. With `causal` and Tq > Tk, a query that sees no key gives a zero row
 * (the materialized path gives NaN there). Differentiable in q, k and v; the backward needs the
 * saved log-sum-exp, which lives in the current `tidy` scope like any intermediate.
 */
export function flashAttention(q: Tensor, k: Tensor, v: Tensor, opts: FlashAttentionOptions = {}): Tensor {
  const op = 'flashAttention';
  requireFloat(op, q);
  requireSameDtype(op, q, k);
  requireSameDtype(op, q, v);
  const be = backendOf(op, q, k, v);
  const geo = attentionGeometry(q, k, v);
  if (typeof geo === 'string') throw new Error(`storygrad: ${op}: ${geo}`);
  const scale = opts.scale ?? 1 / Math.sqrt(geo.D);
  const args: AttentionArgs<unknown> = { q: q.storage, k: k.storage, v: v.storage, dtype: q.dtype, ...geo, scale, causal: !!opts.causal };
  checkAttentionArgs('storygrad:', op, args);
  const res = be.kernels.attentionForward(args);
  const out = wrap(be, res.out, q.shape, q.dtype); // [..., H, Tq, D]
  if (!(isGradEnabled() && (q.requiresGrad || k.requiresGrad || v.requiresGrad))) {
    be.free(res.lse);
    return out;
  }
  const lse = wrap(be, res.lse, [geo.B, geo.H, geo.Tq], 'f32');
  return record(out, op, [q, k, v], (g) => {
    if (lse.isDisposed) {
      throw new Error(`storygrad: ${op} backward: the saved log-sum-exp was disposed (by tidy() or dispose()); call backward() inside the tidy scope that ran the forward pass`);
    }
    const r = be.kernels.attentionBackward({
      ...args, q: q.storage, k: k.storage, v: v.storage, out: out.storage, lse: lse.storage, dOut: g.storage,
    });
    return [wrap(be, r.dq, q.shape, q.dtype), wrap(be, r.dk, k.shape, k.dtype), wrap(be, r.dv, v.shape, v.dtype)];
  });
}
