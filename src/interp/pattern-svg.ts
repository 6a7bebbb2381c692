/**
 * An attention pattern [query][key] as a standalone SVG heatmap: one square per weight, white (0)
 * to dark blue (1), query tokens down the left, key tokens along the top; labels and title are
 * XML-escaped. Each cell carries a tooltip with its weight when the grid is small enough.
 */

/** Options of `patternSvg`. */
export interface PatternSvgOptions {
  /** Token labels (one per position, used for both axes). */
  tokens: readonly string[];
  /** A title drawn above the grid. */
  title?: string;
  /** Side of a cell in pixels (default 18). */
  cellSize?: number;
}

/** Grids with more cells than this get no per-cell tooltips (keeps the file small). */
const TOOLTIP_LIMIT = 4096;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]!))
    // Characters XML 1.0 forbids (C0 controls other than tab/newline/CR, lone surrogates) become U+FFFD.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The heatmap colour of a weight in [0, 1]. */
function color(v: number): string {
  const t = Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), 1);
  const mix = (lo: number, hi: number) => Math.round(lo + (hi - lo) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

/** A heatmap of one attention pattern [Tq][Tk] as an SVG document string. */
export function patternSvg(pattern: readonly (readonly number[])[], opts: PatternSvgOptions): string {
  const Tq = pattern.length;
  const Tk = pattern[0]?.length ?? 0;
  if (Tq === 0 || Tk === 0) throw new Error('storygrad: patternSvg: the pattern is empty');
  pattern.forEach((row, q) => {
    if (row.length !== Tk) throw new Error(`storygrad: patternSvg: row ${q} has ${row.length} weights, row 0 has ${Tk}`);
  });
  const n = Math.max(Tq, Tk);
  if (opts.tokens.length !== n) throw new Error(`storygrad: patternSvg: ${opts.tokens.length} token labels for a ${Tq}x${Tk} pattern (need ${n})`);
  const cell = opts.cellSize ?? 18;
  const short = opts.tokens.map((t) => (t.length > 12 ? `${t.slice(0, 11)}…` : t));
  const labels = short.map(escapeXml);
  const margin = 8 + 7 * Math.max(...short.map((l) => l.length), 1);
  const top = margin + (opts.title ? 24 : 0);
  const width = margin + Tk * cell + 8;
  const height = top + Tq * cell + 8;
  const tips = Tq * Tk <= TOOLTIP_LIMIT;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
  ];
  if (opts.title) out.push(`<text x="4" y="16" font-size="14">${escapeXml(opts.title)}</text>`);
  for (let k = 0; k < Tk; k++) {
    const x = margin + k * cell + cell / 2;
    out.push(`<text transform="translate(${x},${top - 4}) rotate(-60)">${labels[k]}</text>`);
  }
  for (let q = 0; q < Tq; q++) {
    const y = top + q * cell;
    out.push(`<text x="${margin - 4}" y="${y + cell * 0.7}" text-anchor="end">${labels[q]}</text>`);
    for (let k = 0; k < Tk; k++) {
      const v = pattern[q]![k]!;
      const rect = `<rect x="${margin + k * cell}" y="${y}" width="${cell}" height="${cell}" fill="${color(v)}"`;
      out.push(tips ? `${rect}><title>${labels[q]} → ${labels[k]}: ${v.toFixed(3)}</title></rect>` : `${rect}/>`);
    }
  }
  out.push('</svg>', '');
  return out.join('\n');
}
