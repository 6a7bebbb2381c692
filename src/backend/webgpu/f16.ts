/**
 * Host-side packing for f16 storages: uploads turn values into binary16 bits (round to nearest
 * even, via io/half.ts), padded to an even count so byte sizes are a multiple of 4.
 */
import { f16ToFloat32, float32ToF16 } from '../../io/half.js';

export { roundToHalf as roundHalf } from '../../io/half.js';

/** Float32Array -> packed half bits (length rounded up to an even count). */
export function packHalf(data: ArrayLike<number>): Uint16Array {
  if (data.length % 2 === 0) return float32ToF16(data);
  const out = new Uint16Array(data.length + 1);
  out.set(float32ToF16(data));
  return out;
}

/** Packed half bits -> Float32Array of n values. */
export function unpackHalf(bits: Uint16Array, n: number): Float32Array {
  return f16ToFloat32(bits.subarray(0, n));
}
