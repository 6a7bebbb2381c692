/**
 * Loss curves as a standalone SVG: training loss (raw, faint, and an exponential moving average)
 * and validation loss (points joined by a line) against the step, with labelled axes.
 */
import type { MetricsRecord } from './metrics.js';

/** Options of {@link lossCurveSvg}. */
export interface LossPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** EMA smoothing of the training curve, 0..1 (default 0.9). */
  smoothing?: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

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

/** Renders the records' loss / valLoss against step as an SVG document. */
export function lossCurveSvg(records: readonly MetricsRecord[], opts: LossPlotOptions = {}): string {
  const W = opts.width ?? 640, H = opts.height ?? 400;
  const m = { l: 60, r: 20, t: 36, b: 44 };
  const train = records.filter((r) => Number.isFinite(r.loss)).map((r) => [r.step, r.loss!] as const);
  const val = records.filter((r) => Number.isFinite(r.valLoss)).map((r) => [r.step, r.valLoss!] as const);
  const all = [...train, ...val];
  const title = esc(opts.title ?? 'loss');
  if (all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-family="sans-serif">${title}: no data yet</text></svg>\n`;
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-6) { y0 -= 0.5; y1 += 0.5; }
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const path = (pts: readonly (readonly [number, number])[]) =>
    pts.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
  const a = opts.smoothing ?? 0.9;
  let ema = train[0]?.[1] ?? 0;
  const smooth = train.map(([x, y], i) => [x, (ema = i === 0 ? y : a * ema + (1 - a) * y)] as const);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<text x="${px(t).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">step</text>`);
  parts.push(`<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">loss (nats/token)</text>`);
  if (train.length) {
    parts.push(`<path d="${path(train)}" fill="none" stroke="#1f77b4" stroke-opacity="0.25"/>`);
    parts.push(`<path d="${path(smooth)}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  }
  if (val.length) {
    parts.push(`<path d="${path(val)}" fill="none" stroke="#d62728" stroke-width="2"/>`);
    for (const [x, y] of val) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="#d62728"/>`);
  }
  const lx = W - m.r - 150;
  parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${m.t + 8}" y2="${m.t + 8}" stroke="#1f77b4" stroke-width="2"/><text x="${lx + 26}" y="${m.t + 12}">train (EMA)</text>`);
  if (val.length) parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${m.t + 26}" y2="${m.t + 26}" stroke="#d62728" stroke-width="2"/><text x="${lx + 26}" y="${m.t + 30}">validation</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
