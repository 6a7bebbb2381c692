/** Learning-rate schedule: linear warmup, then cosine decay to a floor. */

/** Options of {@link learningRateAt}. */
export interface ScheduleOptions {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Steps of linear warmup from lr/warmupSteps to lr (0 = none). */
  warmupSteps: number;
  /** Total steps; the cosine reaches minLr here. */
  totalSteps: number;
  /** Final learning rate (default lr / 10). */
  minLr?: number;
}

/**
 * Learning rate for 0-based `step`: (step+1)/warmup * lr during warmup, then
 * minLr + (lr - minLr) * (1 + cos(pi * progress)) / 2 with progress going 0 -> 1 over the rest.
 */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  const minLr = o.minLr ?? o.lr / 10;
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const decaySteps = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - o.warmupSteps) / decaySteps));
  return minLr + (o.lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
