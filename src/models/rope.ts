/**
 * Rotary position embedding as in llama2.c: within each head, adjacent pairs (x[2i], x[2i+1]) are
 * rotated by angle pos * theta^(-2i/dHead). Tables are computed on the host per (T, offset), in
 * the dtype of the activations they rotate (an f16 model gets f16 tables).
 */
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { concat, reshape, slice } from '../ops/movement.js';
import { withBackend } from '../runtime.js';
import { ropeFused } from '../ops/fused.js';

/**
 * cos and sin tables [T, 1, dHead/2, 1] for positions offset..offset+T-1 (the 1 broadcasts over
 * heads), on `like`'s backend and in its dtype (angles computed in float64).
 */
export function ropeTables(like: Tensor, T: number, dHead: number, theta: number, offset = 0): [Tensor, Tensor] {
  const half = dHead / 2;
  const cos = new Float32Array(T * half), sin = new Float32Array(T * half);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const freq = 1 / Math.pow(theta, (2 * i) / dHead);
      const a = (offset + t) * freq;
      cos[t * half + i] = Math.cos(a);
      sin[t * half + i] = Math.sin(a);
    }
  }
  return withBackend(like.backend, () => [
    tensor(cos, { shape: [T, 1, half, 1], dtype: like.dtype }),
    tensor(sin, { shape: [T, 1, half, 1], dtype: like.dtype }),
  ]);
}

/** Rotates x [B, T, heads, dHead] with tables from `ropeTables`: one fused kernel forward and backward. */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return ropeFused(x, cos, sin);
}

/** The same rotation composed from elementwise ops (the reference the fused kernel is tested against). */
export function applyRopeComposed(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const shape = x.shape.slice();
  const dHead = shape[shape.length - 1]!;
  const pairs = reshape(x, [...shape.slice(0, -1), dHead / 2, 2]); // [..., T, heads, dHead/2, 2]
  const x0 = slice(pairs, -1, 0, 1), x1 = slice(pairs, -1, 1, 2);
  const r0 = sub(mul(x0, cos), mul(x1, sin));
  const r1 = add(mul(x0, sin), mul(x1, cos));
  return reshape(concat([r0, r1], -1), shape);
}
