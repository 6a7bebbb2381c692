/**
 * Argument checks shared by every backend's fused attention kernels (`attentionForward` /
 * `attentionBackward` in ./backend.ts), so both backends reject bad shapes with the same message.
 */
import type { AttentionArgs } from './backend.js';

/** Largest head size the fused attention kernels accept (private arrays hold one head row). */
export const ATTENTION_MAX_HEAD_DIM = 128;

/** Throws a clear error unless the sizes describe a valid fused attention call. */
export function checkAttentionArgs(prefix: string, op: string, a: AttentionArgs<unknown>): void {
  const { B, H, Hkv, Tq, Tk, D, scale } = a;
  const named: [string, number][] = [['B', B], ['H', H], ['Hkv', Hkv], ['Tq', Tq], ['Tk', Tk], ['D', D]];
  for (const [name, v] of named) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${prefix} ${op}: ${name} must be a non-negative integer, got ${v}`);
  }
  if (H < 1 || Hkv < 1) throw new Error(`${prefix} ${op}: H and Hkv must be at least 1, got H ${H}, Hkv ${Hkv}`);
  if (H % Hkv !== 0) {
    throw new Error(`${prefix} ${op}: the number of query heads (${H}) must be a multiple of the number of kv heads (${Hkv})`);
  }
  if (D < 1 || D > ATTENTION_MAX_HEAD_DIM) {
    throw new Error(`${prefix} ${op}: head size D = ${D} is not supported by the fused kernels (1 to ${ATTENTION_MAX_HEAD_DIM}); use the materialized path (scaledDotProductAttention with { materialize: true })`);
  }
  if (!Number.isFinite(scale)) throw new Error(`${prefix} ${op}: scale must be a finite number, got ${scale}`);
  if (a.dtype === 'i32') throw new Error(`${prefix} ${op} is defined for f32 and f16 only`);
  const layout = a.layout ?? 'bhtd';
  if (layout !== 'bhtd' && layout !== 'bthd') throw new Error(`${prefix} ${op}: unknown layout '${String(layout)}' (expected 'bhtd' or 'bthd')`);
}

/** Element strides (batch, head, position) of a [B, heads, T, D] operand in a layout; the head dim has stride 1. */
export interface AttentionStrides {
  batch: number;
  head: number;
  pos: number;
}

/** Strides of the query-side (q, out, dOut, dq) and key-side (k, v, dk, dv) operands of `a`. */
export function attentionStrides(a: AttentionArgs<unknown>): { q: AttentionStrides; kv: AttentionStrides } {
  const { H, Hkv, Tq, Tk, D } = a;
  if ((a.layout ?? 'bhtd') === 'bthd') {
    return { q: { batch: Tq * H * D, head: D, pos: H * D }, kv: { batch: Tk * Hkv * D, head: D, pos: Hkv * D } };
  }
  return { q: { batch: H * Tq * D, head: Tq * D, pos: D }, kv: { batch: Hkv * Tk * D, head: Tk * D, pos: D } };
}
