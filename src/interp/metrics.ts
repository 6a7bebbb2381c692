/**
 * Metrics on logits for activation patching and other comparisons: a metric maps the logits
 * [B, T, V] of a run to one number. `logitDiffMetric` is the usual one: the logit of the answer
 * minus the logit of a distractor at one position, averaged over the batch.
 */
import type { Tensor } from '../tensor.js';
import { resolvePosition } from './bounds.js';

/** A metric of a run's logits [B, T, V] (it must not dispose them). */
export type LogitMetric = (logits: Tensor) => number | Promise<number>;

/** Options of `logitDiffMetric`. */
export interface LogitDiffOptions {
  /** The position read (negative counts from the end; default −1). */
  position?: number;
}

/**
 * logit(answer) − logit(distractor) at `position`, averaged over batch rows; `answer` and
 * `distractor` are one id for every row or one id per row.
 */
export function logitDiffMetric(answer: number | readonly number[], distractor: number | readonly number[], opts: LogitDiffOptions = {}): LogitMetric {
  return async (logits) => {
    if (logits.rank !== 3) throw new Error(`storygrad: logitDiffMetric: logits must be [B, T, V], got ${logits.describe()}`);
    const [B, T, V] = logits.shape as [number, number, number];
    const pos = resolvePosition(opts.position ?? -1, T, 'metric position');
    const ids = (x: number | readonly number[], what: string) => {
      const list = typeof x === 'number' ? Array.from({ length: B }, () => x) : [...x];
      if (list.length !== B) throw new Error(`storygrad: logitDiffMetric: ${list.length} ${what} ids for ${B} batch rows`);
      for (const id of list) {
        if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`storygrad: logitDiffMetric: ${what} ${id} is outside the vocabulary of ${V} tokens`);
      }
      return list;
    };
    const a = ids(answer, 'answer'), d = ids(distractor, 'distractor');
    const host = await logits.data();
    let s = 0;
    for (let b = 0; b < B; b++) s += host[(b * T + pos) * V + a[b]!]! - host[(b * T + pos) * V + d[b]!]!;
    return s / B;
  };
}
