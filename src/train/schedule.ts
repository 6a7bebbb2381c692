/** Learning-rate schedule: linear warmup, an optional hold at the peak, then cosine decay to a floor. */

/** Options of {@link learningRateAt}. */
export interface ScheduleOptions {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Steps of linear warmup from lr/warmupSteps to lr (0 = none). */
  warmupSteps: number;
  /** Steps held at the peak after warmup before the cosine starts (default 0). */
  stableSteps?: number;
  /**
   * Peak of the first warmup and of the hold (default lr): a curriculum's first stage can train at
   * another rate than the rest; the cosine (after `rewarmup`, if set) starts from lr.
   */
  stableLr?: number;
  /**
   * Warm up again (over warmupSteps, from lr/warmupSteps) when the stable steps end, before the
   * cosine: for a curriculum whose data changes there (default false).
   */
  rewarmup?: boolean;
  /** Total steps; the cosine reaches minLr here. */
  totalSteps: number;
  /** Final learning rate (default lr / 10). */
  minLr?: number;
}

/**
 * Learning rate for 0-based `step`: (step+1)/warmup * stableLr during warmup, stableLr for the
 * next `stableSteps` (stableLr defaults to lr), with `rewarmup` a second warmup to lr, then
 * minLr + (lr - minLr) * (1 + cos(pi * progress)) / 2 with progress going
 * 0 -> 1 over the rest.
 */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  const minLr = o.minLr ?? o.lr / 10;
  const first = o.stableLr ?? o.lr;
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (first * (step + 1)) / o.warmupSteps;
  let start = o.warmupSteps + (o.stableSteps ?? 0);
  if (step < start && o.stableLr !== undefined) return o.stableLr;
  if (o.rewarmup && o.warmupSteps > 0) {
    if (step >= start && step < start + o.warmupSteps) return (o.lr * (step - start + 1)) / o.warmupSteps;
    start += o.warmupSteps;
  }
  const decaySteps = Math.max(1, o.totalSteps - start);
  const progress = Math.min(1, Math.max(0, (step - start) / decaySteps));
  return minLr + (o.lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
