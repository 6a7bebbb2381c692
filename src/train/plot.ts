/**
 * Loss curves as a standalone SVG: training loss (raw, faint, and an exponential moving average)
 * and validation loss (points joined by a line) against the step, with labelled axes.
 */
import type { MetricsRecord } from './metrics.js';
import { lineChartSvg } from './svg-chart.js';

export { niceTicks } from './svg-chart.js';

/** Options of {@link lossCurveSvg}. */
export interface LossPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** EMA smoothing of the training curve, 0..1 (default 0.9). */
  smoothing?: number;
}

/** Renders the records' loss / valLoss against step as an SVG document. */
export function lossCurveSvg(records: readonly MetricsRecord[], opts: LossPlotOptions = {}): string {
  const train = records.filter((r) => Number.isFinite(r.loss)).map((r) => [r.step, r.loss!] as const);
  const val = records.filter((r) => Number.isFinite(r.valLoss)).map((r) => [r.step, r.valLoss!] as const);
  const a = opts.smoothing ?? 0.9;
  let ema = train[0]?.[1] ?? 0;
  const smooth = train.map(([x, y], i) => [x, (ema = i === 0 ? y : a * ema + (1 - a) * y)] as const);
  return lineChartSvg({
    title: opts.title ?? 'loss',
    width: opts.width,
    height: opts.height,
    legend: 'inside',
    x: { label: 'step' },
    y: { label: 'loss (nats/token)' },
    series: [
      { points: train, color: '#1f77b4', width: 1, opacity: 0.25 },
      { points: smooth, color: '#1f77b4', label: train.length ? 'train (EMA)' : undefined },
      { points: val, color: '#d62728', markers: true, label: val.length ? 'validation' : undefined },
    ],
  });
}
