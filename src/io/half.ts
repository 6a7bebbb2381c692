/**
 * IEEE binary16 (F16) and bfloat16 (BF16) conversions to and from float32 bit patterns, with
 * round-to-nearest-even on the way down. Pure integer arithmetic, no host-endianness assumptions.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decodes one binary16 bit pattern to a number (exact: every f16 is representable in f32). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

let f16Table: Float32Array | undefined;
/** A 65,536-entry lookup table from binary16 bits to float32, built on first use. */
function table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  return f16Table;
}

/** Converts a number to binary16 bits (via float32, then round-to-nearest-even; NaN stays NaN). */
export function numberToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to (signed) zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1))) half++;
    return sign | half; // a carry out of the mantissa lands in the exponent: correct
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // may carry into infinity: correct
  return half;
}

/** Decodes one bfloat16 bit pattern to a number. */
export function bf16BitsToNumber(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Converts a number to bfloat16 bits (via float32, round-to-nearest-even; NaN stays NaN). */
export function numberToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Decodes an array of binary16 bit patterns to float32. */
export function f16ToFloat32(src: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]!]!;
  return out;
}

/** Decodes an array of bfloat16 bit patterns to float32. */
export function bf16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const o = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) o[i] = src[i]! << 16;
  return out;
}

/** Encodes float32 values as binary16 bit patterns (round-to-nearest-even). */
export function float32ToF16(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = numberToF16Bits(src[i]!);
  return out;
}

/** Encodes float32 values as bfloat16 bit patterns (round-to-nearest-even). */
export function float32ToBf16(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = numberToBf16Bits(src[i]!);
  return out;
}

/** Rounds a number to the nearest binary16 value (round-to-nearest-even). */
export function roundToHalf(x: number): number {
  return f16BitsToNumber(numberToF16Bits(x));
}
