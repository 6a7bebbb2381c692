/**
 * A patching result as a markdown table: one row per layer, one column per position, with the
 * clean and corrupted metric (and, optionally, values normalized so corrupted = 0, clean = 1).
 */
import type { PatchingResult } from './activation-patching.js';

/** Options of `formatPatchingTable`. */
export interface PatchingTableOptions {
  /** Token labels of the positions, indexed by position (for the column headers). */
  tokens?: readonly string[];
  /** Digits after the decimal point (default 3). */
  digits?: number;
  /** Show (value − corrupted) / (clean − corrupted) instead of raw values (default false). */
  normalize?: boolean;
}

/** Makes a label safe inside a markdown table cell. */
function cellText(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, '⏎').replace(/`/g, "'");
}

/** The result as a markdown table (rows: layers, columns: positions). */
export function formatPatchingTable(result: PatchingResult, opts: PatchingTableOptions = {}): string {
  const digits = opts.digits ?? 3;
  const span = result.clean - result.corrupted;
  const show = (v: number) => {
    const x = opts.normalize ? (span === 0 ? NaN : (v - result.corrupted) / span) : v;
    return Number.isFinite(x) ? x.toFixed(digits) : String(x);
  };
  const head = result.positions.map((p) => {
    if (p === 'all') return 'all';
    const tok = opts.tokens?.[p];
    return tok === undefined ? `${p}` : `${p} \`${cellText(tok)}\``;
  });
  const lines = [
    `${result.hook} patching${opts.normalize ? ' (normalized: corrupted 0, clean 1)' : ''}: clean ${show(result.clean)}, corrupted ${show(result.corrupted)}`,
    '',
    `| layer | ${head.join(' | ')} |`,
    `|---:|${head.map(() => '---:').join('|')}|`,
    ...result.layers.map((l, i) => `| ${l} | ${result.values[i]!.map(show).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
