/**
 * A small standalone SVG line chart: labelled axes (linear or log10), round ticks, grid lines,
 * series drawn as paths with optional point markers and point labels, and a legend. The loss
 * curve of a run (plot.ts) and the sweep plots (interp/sweep/plots.ts) are drawn with it.
 */

/** One line of a chart: points joined in order. */
export interface ChartSeries {
  /** Legend entry (none: the series is not listed). */
  label?: string;
  /** [x, y] points, drawn in the given order; non-finite points are skipped. */
  points: readonly (readonly [number, number])[];
  /** CSS colour. */
  color: string;
  /** Line width (default 2; 0 draws markers only). */
  width?: number;
  /** Line opacity (default 1). */
  opacity?: number;
  /** SVG stroke-dasharray, e.g. '6 3'. */
  dash?: string;
  /** Draw a circle at every point. */
  markers?: boolean;
  /** Text written next to each point (same order as `points`). */
  pointLabels?: readonly string[];
}

/** One axis of a chart. */
export interface ChartAxis {
  label: string;
  /** Log10 scale (values must be positive; others are dropped). */
  log?: boolean;
  /** Tick values (default: round values covering the data). */
  ticks?: readonly number[];
  /** Tick text (default: {@link formatTick}). */
  format?: (v: number) => string;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  title: string;
  x: ChartAxis;
  y: ChartAxis;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Text shown instead of axes when no series has a point (default 'no data yet'). */
  emptyText?: string;
  /**
   * Legend placement: 'right' (default) widens the chart by a column for it, so it never covers
   * data; 'inside' draws it in the plot's top-right corner.
   */
  legend?: 'right' | 'inside';
}

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Ticks of a log axis covering [lo, hi] (lo > 0): powers of ten, or 1-2-5 steps, or every
 * digit, whichever first gives at least three ticks inside; the ends when none does.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  let out: number[] = [];
  for (const mults of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mults) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    if (out.length >= 3) return out;
  }
  return out.length >= 2 ? out : [lo, hi].filter((v, i, a) => a.indexOf(v) === i);
}

/** Compact tick text: 0.25, 12, 1.5k, 200k, 3.2M, 1.2e+12. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string) => s.replace(/\.0+$|(\.\d*?)0+$/, '$1');
  if (a >= 1e10) return v.toExponential(1);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  return String(Number(v.toPrecision(4)));
}

/** A chart with only a title and a message (no data). */
function emptyChart(W: number, H: number, text: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">${escapeXml(text)}</text></svg>\n`;
}

/** Renders `opts.series` as an SVG document (a string ending in a newline). */
export function lineChartSvg(opts: LineChartOptions): string {
  const H = opts.height ?? 400;
  const legendRight = (opts.legend ?? 'right') === 'right';
  const legendChars = Math.max(0, ...opts.series.map((s) => s.label?.length ?? 0));
  // About 7 px per character of 12 px sans-serif, plus the key line.
  const legendWidth = legendRight && legendChars > 0 ? 40 + Math.ceil(7 * legendChars) : 0;
  const W = (opts.width ?? 640) + legendWidth;
  const ok = (v: number, log?: boolean) => Number.isFinite(v) && (!log || v > 0);
  const series = opts.series.map((s) => {
    const keep = s.points.map((p, i) => [p, i] as const).filter(([[x, y]]) => ok(x, opts.x.log) && ok(y, opts.y.log));
    return { ...s, points: keep.map(([p]) => p), pointLabels: s.pointLabels ? keep.map(([, i]) => s.pointLabels![i] ?? '') : undefined };
  });
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyChart(W, H, `${opts.title}: ${opts.emptyText ?? 'no data yet'}`);

  const legend = series.filter((s) => s.label);
  const m = { l: 64, r: 20 + legendWidth, t: 36, b: 44 };
  const tx = (v: number) => (opts.x.log ? Math.log10(v) : v);
  const ty = (v: number) => (opts.y.log ? Math.log10(v) : v);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  // Widen degenerate ranges (one point, a flat line).
  if (!(tx(x1) - tx(x0) > 1e-9)) [x0, x1] = opts.x.log ? [x0 / 2, x1 * 2] : [x0 - 1, x1 + 1];
  if (!(ty(y1) - ty(y0) > 1e-9)) [y0, y1] = opts.y.log ? [y0 / 2, y1 * 2] : [y0 - 0.5, y1 + 0.5];
  // A margin of 5% of the range around the data (point markers and labels need room).
  const pad = (a: number, b: number, log?: boolean): [number, number] => {
    if (log) { const f = (b / a) ** 0.05; return [a / f, b * f]; }
    const d = (b - a) * 0.05;
    return [a - d, b + d];
  };
  [x0, x1] = opts.x.log || series.some((s) => s.markers || s.pointLabels) ? pad(x0, x1, opts.x.log) : [x0, x1];
  [y0, y1] = pad(y0, y1, opts.y.log);
  const px = (x: number) => m.l + ((tx(x) - tx(x0)) / (tx(x1) - tx(x0))) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0))) * (H - m.t - m.b);
  const fx = opts.x.format ?? formatTick, fy = opts.y.format ?? formatTick;
  const inX = (v: number) => v >= x0 && v <= x1, inY = (v: number) => v >= y0 && v <= y1;
  const xTicks = (opts.x.ticks ?? (opts.x.log ? logTicks(x0, x1) : niceTicks(x0, x1))).filter(inX);
  const yTicks = (opts.y.ticks ?? (opts.y.log ? logTicks(y0, y1) : niceTicks(y0, y1))).filter(inY);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(opts.title)}</text>`);
  for (const t of yTicks) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${escapeXml(fy(t))}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<text x="${px(t).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${escapeXml(fx(t))}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(opts.x.label)}</text>`);
  parts.push(`<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${escapeXml(opts.y.label)}</text>`);
  for (const s of series) {
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const width = s.width ?? 2;
    if (width > 0 && s.points.length > 0) {
      const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      const opacity = s.opacity !== undefined && s.opacity < 1 ? ` stroke-opacity="${s.opacity}"` : '';
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}"${opacity}${width !== 1 ? ` stroke-width="${width}"` : ''}${dash}/>`);
    }
    s.points.forEach(([x, y], i) => {
      if (s.markers || s.points.length === 1) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
      const label = s.pointLabels?.[i];
      if (label) parts.push(`<text x="${(px(x) + 5).toFixed(1)}" y="${(py(y) - 5).toFixed(1)}" font-size="10" fill="#444">${escapeXml(label)}</text>`);
    });
  }
  const lx = legendRight ? W - legendWidth + 4 : W - m.r - 190;
  legend.forEach((s, i) => {
    const y = m.t + 8 + 18 * i;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/><text x="${lx + 26}" y="${y + 4}">${escapeXml(s.label!)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
