/**
 * Fused scaled-dot-product attention with autograd: the forward is one `attentionForward` kernel
 * (online softmax, never materializing the [Tq, Tk] scores; saves the row log-sum-exp), the
 * backward one `attentionBackward` call that recomputes the probabilities (kernels/attention_*.wgsl,
 * CPU reference in src/backend/cpu/attention.ts). Grouped-query heads are read in place: k and v
 * may have fewer heads than q, and their gradients are summed over each group.
 */
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { AttentionArgs, AttentionLayout } from '../backend/backend.js';
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
  /**
   * 'bhtd' (default): q [..., H, Tq, D], k and v [..., Hkv, Tk, D]. 'bthd': q [..., Tq, H, D],
   * k and v [..., Tk, Hkv, D] — a projection [B, T, H * D] reshaped, no permute copies; the
   * output is then [..., Tq, H, D].
   */
  layout?: AttentionLayout;
}

/** The kernel sizes of a (q, k, v) triple. */
export interface AttentionGeometry {
  B: number; H: number; Hkv: number; Tq: number; Tk: number; D: number;
}

/**
 * Sizes of the fused kernels for q [..., H, Tq, D], k and v [..., Hkv, Tk, D] (the leading dims
 * equal, folded into B; rank-2 inputs are one head), or with layout 'bthd' q [..., Tq, H, D], k and
 * v [..., Tk, Hkv, D] (rank 3 at least). Returns a reason string when the triple does not fit the
 * fused kernels (other shapes go through the materialized path).
 */
export function attentionGeometry(q: Tensor, k: Tensor, v: Tensor, layout: AttentionLayout = 'bhtd'): AttentionGeometry | string {
  if (layout === 'bhtd') return geometryOf(q.shape, k.shape, v.shape);
  if (layout !== 'bthd') return `unknown layout '${String(layout)}' (expected 'bhtd' or 'bthd')`;
  if (q.rank < 3) return `layout 'bthd' needs q [..., Tq, H, D], got ${fmt(q.shape)}`;
  // The same checks on the shapes with (T, heads) swapped back; messages name the given shapes.
  const g = geometryOf(headsFirst(q.shape), headsFirst(k.shape), headsFirst(v.shape));
  return typeof g === 'string' ? `${g} (layout 'bthd': q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)})` : g;
}

/** [..., T, H, D] -> [..., H, T, D] (shapes only; rank < 3 unchanged). */
function headsFirst(shape: readonly number[]): number[] {
  const s = shape.slice();
  const r = s.length;
  if (r >= 3) [s[r - 3], s[r - 2]] = [s[r - 2]!, s[r - 3]!];
  return s;
}

function geometryOf(qs: readonly number[], ks: readonly number[], vs: readonly number[]): AttentionGeometry | string {
  const r = qs.length;
  if (r < 2) return `q must have at least 2 dims [Tq, D], got ${fmt(qs)}`;
  if (ks.length !== r || vs.length !== r) return `q, k and v must have the same rank, got q ${fmt(qs)}, k ${fmt(ks)}, v ${fmt(vs)}`;
  if (vs.some((d, i) => d !== ks[i])) return `v must have the shape of k (head size of v equal to that of q), got k ${fmt(ks)}, v ${fmt(vs)}`;
  const D = qs[r - 1]!, Tq = qs[r - 2]!, Tk = ks[r - 2]!;
  if (ks[r - 1] !== D) return `k's head size ${ks[r - 1]} differs from q's ${D} (q ${fmt(qs)}, k ${fmt(ks)})`;
  if (r === 2) return { B: 1, H: 1, Hkv: 1, Tq, Tk, D };
  const H = qs[r - 3]!, Hkv = ks[r - 3]!;
  const lead = qs.slice(0, r - 3);
  if (lead.some((d, i) => d !== ks[i])) {
    return `the batch dims of q ${fmt(qs)} and k ${fmt(ks)} differ (the fused path does not broadcast)`;
  }
  if (Hkv < 1 || H % Hkv !== 0) return `q's ${H} heads are not a multiple of k/v's ${Hkv} heads (q ${fmt(qs)}, k ${fmt(ks)})`;
  return { B: sizeOf(lead), H, Hkv, Tq, Tk, D };
}

/**
 * softmax(q kᵀ * scale, causal mask) v, fused: q [..., H, Tq, D], k and v [..., Hkv, Tk, D] with
 * H a multiple of Hkv (query head h reads kv head floor(h / (H / Hkv))) -> [..., H, Tq, D]; with
 * `layout: 'bthd'` q [..., Tq, H, D], k and v [..., Tk, Hkv, D] -> [..., Tq, H, D].
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
  const layout = opts.layout ?? 'bhtd';
  const geo = attentionGeometry(q, k, v, layout);
  if (typeof geo === 'string') throw new Error(`storygrad: ${op}: ${geo}`);
  const scale = opts.scale ?? 1 / Math.sqrt(geo.D);
  const args: AttentionArgs<unknown> = { q: q.storage, k: k.storage, v: v.storage, dtype: q.dtype, ...geo, scale, causal: !!opts.causal, layout };
  checkAttentionArgs('storygrad:', op, args);
  const res = be.kernels.attentionForward(args);
  const out = wrap(be, res.out, q.shape, q.dtype); // laid out as q
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
