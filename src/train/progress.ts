/** The progress line of a training run: step, loss, tokens/s and ETA, redrawn in place on a TTY. */

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** What one progress line shows. */
export interface ProgressState {
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSec: number;
  /** Seconds left at the current rate. */
  etaSeconds: number;
  valLoss?: number;
  lr?: number;
}

/** `step 120/1000  loss 2.3456  val 2.4001  lr 3.0e-4  1,234 tok/s  ETA 1m23s`. */
export function formatProgress(p: ProgressState): string {
  const width = String(p.totalSteps).length;
  const parts = [
    `step ${String(p.step).padStart(width)}/${p.totalSteps}`,
    `loss ${p.loss.toFixed(4)}`,
  ];
  if (p.valLoss !== undefined) parts.push(`val ${p.valLoss.toFixed(4)}`);
  if (p.lr !== undefined) parts.push(`lr ${p.lr.toExponential(1)}`);
  parts.push(`${Math.round(p.tokensPerSec).toLocaleString('en-US')} tok/s`, `ETA ${formatDuration(p.etaSeconds)}`);
  return parts.join('  ');
}
