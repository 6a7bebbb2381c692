/**
 * The corpus generator's random numbers: a 32-bit counter stepped by the golden-ratio constant
 * and passed through the `mix32` finalizer (the same integer mixer the tensor RNG uses). Only
 * integer arithmetic (`Math.imul`, `>>>`) decides a draw, so a seed gives the same stories on
 * every platform and runtime; `Math.random` is never used.
 */
import { mix32 } from '../../backend/rng.js';

const GOLDEN = 0x9e3779b9;
const TWO_32 = 4294967296;

/**
 * Folds any safe integer (negative or above 2^32 included) into a 32-bit key. Throws a
 * RangeError for anything else (fractions, NaN, infinities, unsafe integers).
 */
export function seedKey(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`a corpus seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  return mix32((lo ^ mix32((hi + 0x632be5ab) >>> 0)) >>> 0);
}

/**
 * The seed of story `index` in the stream of stories seeded by `seed` (what
 * {@link generateStories} and {@link storyStream} pass to {@link generateStory}).
 */
export function storySeed(seed: number, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a story index must be a non-negative safe integer, got ${index}`);
  const k = seedKey(seed);
  return mix32((k ^ mix32((seedKey(index) + GOLDEN) >>> 0)) >>> 0);
}

/** A deterministic stream of random draws for one story. */
export class Rng {
  private state: number;

  /** Starts the stream of `seed` (any safe integer). */
  constructor(seed: number) {
    this.state = seedKey(seed);
  }

  /** The next 32 random bits as an unsigned integer. */
  next(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    return mix32(this.state);
  }

  /** A uniform integer in [0, n); n must be a positive integer below 2^21 (exact in a double). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 1 << 21) throw new RangeError(`Rng.int needs 1 <= n <= 2^21, got ${n}`);
    return Math.floor((this.next() * n) / TWO_32);
  }

  /** True with probability `p` (resolution 2^-32). */
  chance(p: number): boolean {
    return this.next() < p * TWO_32;
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** One element of a non-empty list, `items[i]` with weight `weights[i]` (non-negative integers). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.int(total);
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x < 0) return items[i]!;
    }
    throw new RangeError('Rng.weighted: weights do not match the items');
  }

  /** Calls one of the functions, uniformly (variants that draw or build lazily). */
  oneOf<T>(...variants: (() => T)[]): T {
    return this.pick(variants)();
  }

  /** `k` distinct elements in random order (k <= items.length). */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new RangeError(`Rng.sample: ${k} from ${items.length}`);
    const pool = items.slice();
    for (let i = 0; i < k; i++) {
      const j = i + this.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, k);
  }
}
