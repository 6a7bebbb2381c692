/**
 * Scalar constants (the `0.9` in `mul(m, 0.9)`): each distinct (value, dtype) is filled on a
 * backend once and shared by every tensor that uses it, through the storage reference count, so
 * a training step does not spend one dispatch per literal. A small LRU per backend bounds what is
 * held; an evicted constant is freed once the last tensor using it is disposed.
 */
import type { Backend, DType } from '../backend/backend.js';
import { StorageRef } from '../memory/storage-ref.js';
import { Tensor } from '../tensor.js';

const MAX_CONSTANTS = 256;
const cache = new WeakMap<Backend<any>, Map<string, StorageRef>>();
const bits = new Float64Array(1);
const bitsView = new BigUint64Array(bits.buffer);

function keyOf(value: number, dtype: DType): string {
  bits[0] = value; // distinguishes -0 and every NaN payload from 0 / other values
  return `${dtype}:${bitsView[0]!.toString(16)}`;
}

/** A scalar (shape []) tensor holding `value`, sharing a cached storage on backend b. */
export function constantScalar(b: Backend<any>, value: number, dtype: DType): Tensor {
  let byKey = cache.get(b);
  if (!byKey) cache.set(b, (byKey = new Map()));
  const key = keyOf(value, dtype);
  let ref = byKey.get(key);
  if (ref) {
    byKey.delete(key); // re-insert: Map order is the LRU order
  } else {
    ref = new StorageRef(b, b.kernels.fill(1, value, dtype), 1, dtype);
    if (byKey.size >= MAX_CONSTANTS) {
      const oldest = byKey.keys().next().value as string;
      byKey.get(oldest)!.release();
      byKey.delete(oldest);
    }
  }
  byKey.set(key, ref);
  return new Tensor(ref.retain(), [], dtype);
}

/** Releases the cached constants of backend b (bytes in use drop by what they held). */
export function clearConstants(b: Backend<any>): void {
  const byKey = cache.get(b);
  if (!byKey) return;
  for (const ref of byKey.values()) ref.release();
  cache.delete(b);
}
