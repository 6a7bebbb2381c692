/**
 * Host-side half precision conversion for f16 storages: uploads turn Float32Array values into
 * IEEE binary16 bits (round to nearest even), reads turn bits back into Float32Array.
 */

const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/** One float -> binary16 bits, round to nearest even; overflow gives Infinity, NaN stays NaN. */
export function toHalfBits(value: number): number {
  f32Box[0] = value;
  const bits = u32Box[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 112; // re-biased exponent (127 - 15)
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the full significand, round to nearest even.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    const q = full >>> shift;
    const rest = full - (q << shift);
    const halfway = 1 << (shift - 1);
    return sign | (q + (rest > halfway || (rest === halfway && (q & 1) === 1) ? 1 : 0));
  }
  const q = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | (q + (rest > 0x1000 || (rest === 0x1000 && (q & 1) === 1) ? 1 : 0));
}

/** binary16 bits -> float. */
export function fromHalfBits(h: number): number {
  const sign = (h & 0x8000) !== 0 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Float32Array -> packed half bits (length rounded up to an even count so bytes are a multiple of 4). */
export function packHalf(data: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(data.length + (data.length & 1));
  for (let i = 0; i < data.length; i++) out[i] = toHalfBits(data[i]!);
  return out;
}

/** Packed half bits -> Float32Array of n values. */
export function unpackHalf(bits: Uint16Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = fromHalfBits(bits[i]!);
  return out;
}

/** Rounds a number to the nearest half-precision value. */
export function roundHalf(value: number): number {
  return fromHalfBits(toHalfBits(value));
}
