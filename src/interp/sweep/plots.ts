/**
 * The sweep's SVG plots, drawn with the shared line chart (src/train/svg-chart.ts):
 *
 * - validation loss against parameter count (log x), one line per layer count, each point
 *   labelled with its configuration id;
 * - every `*.accuracy` metric against the layer count (log2-spaced x at the layer counts), one
 *   line per metric and parameter target (matched sweeps: "at fixed params") or per d_model
 *   (plain grids), so depth can be compared at a fixed size.
 */
import { lineChartSvg, type ChartSeries } from '../../train/svg-chart.js';
import type { ConfigResult } from './layout.js';
import type { ParamCountKind } from './spec.js';

/** Colours of successive series (category10). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3'];

const paramsOf = (r: ConfigResult, count: ParamCountKind) => (count === 'total' ? r.params.total : r.params.nonEmbedding);
const countLabel = (count: ParamCountKind) => (count === 'total' ? 'parameters' : 'non-embedding parameters');

/** Options of {@link lossVsParamsSvg}. */
export interface LossVsParamsOptions {
  /** Parameter count on the x axis (default 'nonEmbedding'). */
  count?: ParamCountKind;
  /** The plotted metric (default 'val.loss'). */
  metric?: string;
}

/** `metric` (default val.loss) against the parameter count, one line per layer count. */
export function lossVsParamsSvg(results: readonly ConfigResult[], o: LossVsParamsOptions = {}): string {
  const count = o.count ?? 'nonEmbedding', metric = o.metric ?? 'val.loss';
  const withMetric = results.filter((r) => Number.isFinite(r.metrics[metric]));
  const layers = [...new Set(withMetric.map((r) => r.model.nLayer))].sort((a, b) => a - b);
  const series: ChartSeries[] = layers.map((L, i) => {
    const rs = withMetric.filter((r) => r.model.nLayer === L).sort((a, b) => paramsOf(a, count) - paramsOf(b, count));
    return {
      label: `${L} layer${L === 1 ? '' : 's'}`,
      color: PALETTE[i % PALETTE.length]!,
      markers: true,
      points: rs.map((r) => [paramsOf(r, count), r.metrics[metric]!] as const),
      pointLabels: rs.map((r) => r.id),
    };
  });
  return lineChartSvg({
    title: `${metric} vs ${countLabel(count)}`,
    x: { label: `${countLabel(count)} (log scale)`, log: true },
    y: { label: metric === 'val.loss' ? 'validation loss (nats/token)' : metric },
    series,
    emptyText: `no finished configuration has ${metric} yet`,
  });
}

/** The metric names ending in `.accuracy` among the results, sorted. */
export function accuracyMetrics(results: readonly ConfigResult[]): string[] {
  return [...new Set(results.flatMap((r) => Object.keys(r.metrics)))].filter((k) => k.endsWith('.accuracy')).sort();
}

/**
 * Every `*.accuracy` metric against the layer count: one line per (metric, parameter target) in a
 * matched sweep, per (metric, d_model) otherwise.
 */
export function accuracyVsLayersSvg(results: readonly ConfigResult[]): string {
  const metrics = accuracyMetrics(results);
  const matched = results.some((r) => r.paramTarget !== undefined);
  const groupOf = (r: ConfigResult) => (matched ? (r.paramTarget ?? NaN) : r.model.dModel);
  const groups = [...new Set(results.map(groupOf))].filter(Number.isFinite).sort((a, b) => a - b);
  const groupLabel = (g: number) => (matched ? `${g.toLocaleString('en-US')} params` : `d ${g}`);
  const series: ChartSeries[] = [];
  metrics.forEach((metric, mi) => {
    groups.forEach((g, gi) => {
      const rs = results.filter((r) => groupOf(r) === g && Number.isFinite(r.metrics[metric])).sort((a, b) => a.model.nLayer - b.model.nLayer);
      if (rs.length === 0) return;
      series.push({
        label: `${metric}, ${groupLabel(g)}`,
        color: PALETTE[gi % PALETTE.length]!,
        dash: DASHES[mi % DASHES.length],
        markers: true,
        points: rs.map((r) => [r.model.nLayer, r.metrics[metric]!] as const),
      });
    });
  });
  const layerTicks = [...new Set(results.map((r) => r.model.nLayer))].sort((a, b) => a - b);
  return lineChartSvg({
    title: matched ? 'accuracy vs layers at fixed parameter count' : 'accuracy vs layers (one line per d_model)',
    x: { label: 'layers (log scale)', log: true, ticks: layerTicks },
    y: { label: 'accuracy' },
    series,
    emptyText: 'no *.accuracy metrics yet',
  });
}
