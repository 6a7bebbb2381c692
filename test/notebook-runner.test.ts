// The notebook runner (scripts/run-notebooks.mjs and scripts/lib/ipynb.mjs): the committed
// notebooks' form (no outputs, the Deno kernel, the built package), reading nbconvert's failure
// messages, stripping outputs, and, where Jupyter is installed, the runner end to end on a passing
// and a failing notebook (a failing cell must fail the run and be named in the report).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module of the runner, no types
import { cellsWithOutputs, cellSource, cellTimes, describeFailure, readNotebook, stripNotebook } from '../scripts/lib/ipynb.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOTEBOOKS = join(ROOT, 'examples', 'notebooks');
const tmp = mkdtempSync(join(tmpdir(), 'storygrad-nbtest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Cell = { cell_type: string; source: string | string[]; outputs?: unknown[]; execution_count?: number | null; metadata?: Record<string, unknown> };

/** A notebook file from cells given as [type, source]. */
function notebook(cells: [string, string][], extra: Partial<Cell> = {}): { cells: Cell[]; metadata: object; nbformat: number; nbformat_minor: number } {
  return {
    cells: cells.map(([t, s], i) => (t === 'code'
      ? { cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source: s, ...extra }
      : { cell_type: 'markdown', id: `c${i}`, metadata: {}, source: s })),
    metadata: { kernelspec: { name: 'deno', display_name: 'Deno', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

describe('committed notebooks', () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(2));
  for (const f of files) {
    it(`${f}: Deno kernel, cell ids, no outputs, imports the built package`, () => {
      const nb = readNotebook(join(NOTEBOOKS, f));
      expect(nb.metadata.kernelspec.name).toBe('deno');
      expect(nb.cells.every((c: { id?: string }) => typeof c.id === 'string' && c.id.length > 0)).toBe(true);
      expect(cellsWithOutputs(nb)).toEqual([]);
      const code = nb.cells.filter((c: Cell) => c.cell_type === 'code').map(cellSource).join('\n');
      expect(code).toContain('from "../../dist/index.js"');
    });
  }
});

describe('reading nbconvert failures', () => {
  const nb = notebook([['markdown', '# t'], ['code', 'const a = 1;'], ['code', 'a.matmul(2);\nconsole.log(3)'], ['code', 'await sleep(9)']]);

  it('names the failing cell and its error', () => {
    const stderr = [
      '[NbConvertApp] Converting notebook t.ipynb to notebook',
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3/dist-packages/nbclient/client.py", line 915, in _check_raise_for_error',
      'nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:',
      '------------------',
      'a.matmul(2);',
      'console.log(3)',
      '------------------',
      '',
      '\x1b[31mTypeError\x1b[0m: a.matmul is not a function',
      '    at <anonymous>:1:3',
      'TypeError: a.matmul is not a function',
      '',
    ].join('\n');
    const f = describeFailure(stderr, nb);
    expect(f.cell).toBe(3);
    expect(f.message).toContain('TypeError: a.matmul is not a function');
    expect(f.message).not.toContain('\x1b[');
    expect(f.message).toContain('--- the cell:\na.matmul(2);\nconsole.log(3)');
  });

  it('names the cell of a timeout from its preview', () => {
    const stderr = [
      '  File "/usr/lib/python3/dist-packages/nbclient/client.py", line 852, in _async_handle_timeout',
      '    raise CellTimeoutError.error_from_timeout_and_cell(',
      'nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 5 seconds.',
      'The message was: Cell execution timed out.',
      'Here is a preview of the cell contents:',
      '-------------------',
      'await sleep(9)',
      '-------------------',
      '',
    ].join('\n');
    const f = describeFailure(stderr, nb);
    expect(f.cell).toBe(4);
    expect(f.message.startsWith('nbclient.exceptions.CellTimeoutError: A cell timed out')).toBe(true);
  });

  it('falls back to the last lines of stderr', () => {
    const f = describeFailure('one\n\ntwo\nkernel died somehow\n', nb);
    expect(f).toEqual({ cell: null, message: 'one\ntwo\nkernel died somehow' });
  });
});

describe('outputs and timings', () => {
  it('strips outputs, counts and timing metadata, once', () => {
    const path = join(tmp, 'dirty.ipynb');
    const nb = notebook([['code', 'x'], ['markdown', 'm'], ['code', 'y']]);
    Object.assign(nb.cells[0]!, { execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }] });
    nb.cells[2]!.metadata = { execution: { 'iopub.execute_input': '2026-01-01T00:00:00.000Z' }, tags: ['keep'] };
    writeFileSync(path, JSON.stringify(nb));
    expect(cellsWithOutputs(readNotebook(path))).toEqual([1]);
    expect(stripNotebook(path)).toBe(true);
    const clean = readNotebook(path);
    expect(cellsWithOutputs(clean)).toEqual([]);
    expect(clean.cells[2].metadata).toEqual({ tags: ['keep'] });
    expect(clean.cells.map(cellSource)).toEqual(['x', 'm', 'y']);
    expect(stripNotebook(path)).toBe(false);
  });

  it('reads per-cell execution times', () => {
    const nb = notebook([['code', 'a'], ['markdown', 'm'], ['code', 'b']]);
    nb.cells[0]!.metadata = { execution: { 'iopub.execute_input': '2026-01-01T00:00:01.000Z', 'shell.execute_reply': '2026-01-01T00:00:03.500Z' } };
    expect(cellTimes(nb)).toEqual([{ cell: 1, seconds: 2.5 }]);
  });

  it('rejects a file that is not a notebook, naming it', () => {
    const path = join(tmp, 'not.ipynb');
    writeFileSync(path, '{"cells": 3}');
    expect(() => readNotebook(path)).toThrow(/storygrad: .*not\.ipynb is not an nbformat 4 notebook/);
  });
});

const hasJupyter = spawnSync('jupyter-nbconvert', ['--version']).status === 0;

describe.skipIf(!hasJupyter)('the runner end to end (Jupyter installed)', () => {
  it('passes a good notebook and fails a bad one, naming its cell', () => {
    const good = join(tmp, 'good.ipynb'), bad = join(tmp, 'bad.ipynb');
    writeFileSync(good, JSON.stringify(notebook([['code', 'const x = 6 * 7;'], ['code', 'if (x !== 42) throw new Error("arithmetic");']])));
    writeFileSync(bad, JSON.stringify(notebook([['code', 'const y = 1;'], ['code', 'throw new Error("deliberate failure " + y);'], ['code', 'console.log("not reached")']])));
    const badBefore = readFileSync(bad, 'utf8');
    const report = join(tmp, 'report.json');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-notebooks.mjs'), '--json', report, '--out', join(tmp, 'out'), '--cell-timeout', '60', good, bad], { encoding: 'utf8' });
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(rep.passed).toBe(1);
    expect(rep.failed).toBe(1);
    const failed = rep.notebooks.find((n: { ok: boolean }) => !n.ok);
    expect(failed.name).toContain('bad.ipynb');
    expect(failed.failedCell).toBe(2);
    expect(failed.error).toContain('deliberate failure 1');
    expect(r.stdout).toMatch(/FAIL +.*bad\.ipynb/);
    expect(readFileSync(bad, 'utf8')).toBe(badBefore);   // the input is never rewritten
  }, 120_000);
});
