/**
 * Training and evaluation batches from a shard's ids, as plain Int32Arrays (no tensors, no
 * backend: the trainer wraps them).
 *
 * Training: {@link BatchSampler.batch}(step) takes B random windows of T+1 consecutive ids; row b
 * gives inputs = ids[s .. s+T) and targets = ids[s+1 .. s+T+1). The window start depends only on
 * (seed, step, row), through the counter-based generator of backend/rng.ts:
 *
 *   k     = randomBits(seed, step)              (a bijection of step for a fixed seed)
 *   r     = randomBits(k, 2b) * 2^21 + (randomBits(k, 2b+1) >>> 11)     53 random bits
 *   s     = r mod (n - T)                       every start in [0, n-T-1], bias < (n-T) / 2^53
 *
 * so a run resumed at step s sees exactly the batches it would have seen, whatever happened
 * before. Evaluation: {@link BatchSampler.evalBatches} walks non-overlapping windows in order
 * (window w starts at w*T), B per batch, the same every time.
 */
import { randomBits } from '../backend/rng.js';

/** One batch: row-major [batchSize, seqLen] ids. */
export interface Batch {
  /** `[batchSize * seqLen]`: ids at positions s .. s+T-1 of each window. */
  inputs: Int32Array;
  /** `[batchSize * seqLen]`: the next ids, positions s+1 .. s+T. */
  targets: Int32Array;
  /** Rows in this batch (the last evaluation batch may be short). */
  batchSize: number;
  seqLen: number;
}

/** Options of {@link BatchSampler}. */
export interface BatchSamplerOptions {
  /** Rows per batch (B). */
  batchSize: number;
  /** Ids per row (T); windows are T+1 ids long. */
  seqLen: number;
  /** Seed of the window positions (taken mod 2^32). Default 0. */
  seed?: number;
}

const TWO_21 = 2 ** 21;

/** Random training windows and sequential evaluation windows over one array of ids. */
export class BatchSampler {
  /** Rows per batch (B). */
  readonly batchSize: number;
  /** Ids per row (T). */
  readonly seqLen: number;
  /** Seed (mod 2^32). */
  readonly seed: number;

  /**
   * `tokens` is kept by reference (not copied). Throws when it has fewer than seqLen + 1 ids,
   * the least one window needs.
   */
  constructor(readonly tokens: ArrayLike<number>, options: BatchSamplerOptions) {
    const { batchSize, seqLen, seed = 0 } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isSafeInteger(seqLen) || seqLen < 1) throw new RangeError(`seqLen must be a positive integer, got ${seqLen}`);
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    if (tokens.length < seqLen + 1) {
      throw new RangeError(
        `the shard has ${tokens.length} tokens, fewer than seqLen + 1 = ${seqLen + 1} needed for one window of inputs and targets; ` +
          'use a larger text or a smaller seqLen',
      );
    }
    this.batchSize = batchSize;
    this.seqLen = seqLen;
    this.seed = seed >>> 0;
  }

  /** Number of distinct window starts (n - T). */
  get windowCount(): number {
    return this.tokens.length - this.seqLen;
  }

  /** Start of row `row`'s window at training step `step` (deterministic in seed, step, row). */
  windowStart(step: number, row: number): number {
    const k = randomBits(this.seed, step);
    const hi = randomBits(k, 2 * row);
    const lo = randomBits(k, 2 * row + 1);
    return (hi * TWO_21 + (lo >>> 11)) % this.windowCount;
  }

  private fill(starts: (row: number) => number, rows: number, out?: Batch): Batch {
    const T = this.seqLen;
    const n = rows * T;
    const inputs = out && out.inputs.length === n ? out.inputs : new Int32Array(n);
    const targets = out && out.targets.length === n ? out.targets : new Int32Array(n);
    const ids = this.tokens;
    for (let b = 0; b < rows; b++) {
      const s = starts(b);
      const o = b * T;
      for (let t = 0; t < T; t++) {
        inputs[o + t] = ids[s + t]!;
        targets[o + t] = ids[s + t + 1]!;
      }
    }
    return { inputs, targets, batchSize: rows, seqLen: T };
  }

  /**
   * The training batch of `step` (an integer in [0, 2^32)): B random windows. Pass the previous
   * batch as `out` to reuse its arrays.
   */
  batch(step: number, out?: Batch): Batch {
    if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32) throw new RangeError(`step must be an integer in [0, 2^32), got ${step}`);
    return this.fill((b) => this.windowStart(step, b), this.batchSize, out);
  }

  /** Number of non-overlapping windows, floor((n - 1) / T). */
  get evalWindowCount(): number {
    return Math.floor((this.tokens.length - 1) / this.seqLen);
  }

  /** Number of batches {@link evalBatches} yields for `maxBatches`. */
  evalBatchCount(maxBatches = Infinity): number {
    return Math.min(Math.ceil(this.evalWindowCount / this.batchSize), maxBatches);
  }

  /**
   * Sequential evaluation batches: window w covers ids [w*T, w*T + T], B windows per batch, the
   * last batch possibly shorter; at most `maxBatches` batches. Deterministic (no seed involved).
   */
  *evalBatches(maxBatches = Infinity): Generator<Batch> {
    if (!(maxBatches >= 0)) throw new RangeError(`maxBatches must be >= 0, got ${maxBatches}`);
    const W = this.evalWindowCount, B = this.batchSize, T = this.seqLen;
    const count = this.evalBatchCount(maxBatches);
    for (let i = 0; i < count; i++) {
      const first = i * B;
      yield this.fill((b) => (first + b) * T, Math.min(B, W - first));
    }
  }
}
