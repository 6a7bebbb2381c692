// Reading and tidying Jupyter notebook files (nbformat 4) for scripts/run-notebooks.mjs: the cells'
// sources, whether a committed notebook carries outputs, stripping them, per-cell execution times
// of an executed notebook, and locating the cell that nbconvert reports as failed.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

/** Reads a notebook file as JSON; throws a `storygrad:` error naming the file when it is not one. */
export function readNotebook(path) {
  let nb;
  try {
    nb = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`storygrad: ${path} is not a readable notebook: ${e.message}`);
  }
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new Error(`storygrad: ${path} is not an nbformat 4 notebook (no cells array or nbformat != 4)`);
  }
  return nb;
}

/** A cell's source as one string (nbformat allows a string or an array of lines). */
export function cellSource(cell) {
  return Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
}

/** 1-based numbers of the code cells that carry outputs or an execution count. */
export function cellsWithOutputs(nb) {
  const hits = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type === 'code' && ((c.outputs?.length ?? 0) > 0 || c.execution_count != null)) hits.push(i + 1);
  });
  return hits;
}

/**
 * Clears outputs, execution counts and execution timing metadata of every code cell and writes
 * the file back (atomically, Jupyter's own layout: one-space indent, trailing newline).
 * Returns true when the file changed.
 */
export function stripNotebook(path) {
  const before = readFileSync(path, 'utf8');
  const nb = readNotebook(path);
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    c.outputs = [];
    c.execution_count = null;
    if (c.metadata) delete c.metadata.execution;
  }
  const after = JSON.stringify(nb, null, 1) + '\n';
  if (after === before) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, after);
  renameSync(tmp, path);
  return true;
}

/**
 * Wall time of each executed code cell from nbclient's timing metadata
 * (`iopub.execute_input` to `shell.execute_reply`): `[{ cell, seconds }]`, cell 1-based.
 */
export function cellTimes(nb) {
  const out = [];
  nb.cells.forEach((c, i) => {
    const t = c.metadata?.execution;
    if (c.cell_type !== 'code' || !t) return;
    const start = Date.parse(t['iopub.execute_input'] ?? t['iopub.status.busy']);
    const end = Date.parse(t['shell.execute_reply'] ?? t['iopub.status.idle']);
    if (Number.isFinite(start) && Number.isFinite(end)) out.push({ cell: i + 1, seconds: (end - start) / 1000 });
  });
  return out;
}

/** Removes terminal colour codes. */
export function stripAnsi(text) {
  return String(text).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

const CELL_ERROR_MARK = 'An error occurred while executing the following cell:';
const RULE = '------------------';

/** 1-based number of the code cell whose source is `source` (trimmed), or null. */
function findCell(nb, source) {
  const i = nb.cells.findIndex((c) => c.cell_type === 'code' && cellSource(c).trim() === source.trim());
  return i >= 0 ? i + 1 : null;
}

/**
 * The useful part of a failed `jupyter nbconvert --execute` run's stderr: for a cell error, the
 * failing cell's number (found by matching its source in `nb`), the error and the cell's source;
 * for a timeout or a dead kernel, Python's exception line and what follows it (with the cell
 * when the message previews it); otherwise the last lines of stderr.
 * Returns `{ cell: number | null, message: string }`.
 */
export function describeFailure(stderr, nb) {
  const text = stripAnsi(stderr).replace(/\r\n/g, '\n');
  const at = text.lastIndexOf(CELL_ERROR_MARK);
  if (at >= 0) {
    // After the mark: a rule, the cell's source, a rule, the error (Deno's stack and message).
    const parts = text.slice(at + CELL_ERROR_MARK.length).split(`${RULE}\n`);
    const source = (parts[1] ?? '').replace(/\n$/, '');
    const error = parts.slice(2).join(`${RULE}\n`).trim();
    return { cell: findCell(nb, source), message: `${error}\n--- the cell:\n${source}`.trim() };
  }
  const lines = text.split('\n');
  const exc = lines.findLastIndex((l) => /^[\w.]+(Error|Exception): /.test(l));
  if (exc >= 0) {
    const message = lines.slice(exc).join('\n').trim();
    // nbclient's timeout message previews the cell between rules of 19 dashes.
    const preview = /\n-{19}\n([\s\S]*?)\n-{19}/.exec(message);
    return { cell: preview ? findCell(nb, preview[1]) : null, message };
  }
  return { cell: null, message: lines.filter((l) => l.trim() !== '').slice(-15).join('\n') };
}
