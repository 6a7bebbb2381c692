/**
 * Counter-based random bits shared by every backend. The WGSL in `kernels/rand.wgsl` computes the
 * same function with u32 arithmetic, so CPU and WebGPU produce identical uniforms for a seed.
 *
 *   key   = mix32(seed ^ 0x9e3779b9)
 *   bits  = mix32(mix32(counter + key) ^ key)            (all arithmetic mod 2^32)
 *   uniform(i) = (bits(offset + i) >>> 8) * 2^-24                     in [0, 1)
 *   normal(i)  = sqrt(-2 ln u1) * cos(2 pi u2) with
 *                u1 = ((bits(2(offset+i)) >>> 8) + 1) * 2^-24          in (0, 1]
 *                u2 = (bits(2(offset+i) + 1) >>> 8) * 2^-24
 * mix32 is the "lowbias32" integer finalizer (xor-shift / multiply).
 */

/** 32-bit integer mixer (xor-shift-multiply finalizer). */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Random 32 bits for (seed, counter); both taken mod 2^32. */
export function randomBits(seed: number, counter: number): number {
  const key = mix32((seed ^ 0x9e3779b9) >>> 0);
  return mix32((mix32((counter + key) >>> 0) ^ key) >>> 0);
}

const INV_2_24 = 1 / 16777216;

/** Uniform float in [0, 1) for element i of a stream. */
export function uniformAt(seed: number, offset: number, i: number): number {
  return (randomBits(seed, (offset + i) >>> 0) >>> 8) * INV_2_24;
}

/** Standard normal for element i of a stream (Box-Muller, cosine branch). */
export function normalAt(seed: number, offset: number, i: number): number {
  const c = (2 * ((offset + i) >>> 0)) >>> 0;
  const u1 = ((randomBits(seed, c) >>> 8) + 1) * INV_2_24;
  const u2 = (randomBits(seed, (c + 1) >>> 0) >>> 8) * INV_2_24;
  return Math.fround(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
}
