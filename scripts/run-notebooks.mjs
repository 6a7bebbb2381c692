#!/usr/bin/env node
// Executes every examples/notebooks/*.ipynb headless on the Deno kernel and reports each one as
// passed or failed (with the failing cell and its error). Run by scripts/test-all.mjs after the
// build; alone: `npm run test:notebooks` (builds first).
//
//   node scripts/run-notebooks.mjs [--json PATH] [--cell-timeout S] [--out DIR] [NOTEBOOK...]
//   node scripts/run-notebooks.mjs --strip      (clear outputs of the committed notebooks in place)
//
// How: a kernelspec named `storygrad-deno` is registered with `deno jupyter --install`, using the
// Deno of node_modules/.bin, into a fresh temporary directory (XDG_DATA_HOME pointed there), and
// Jupyter reads it through JUPYTER_PATH; Jupyter's config, data, runtime and IPython directories
// also point into that directory, so nothing outside it is read or written and the user's own
// kernels are neither used nor changed. Each notebook runs with
// `jupyter nbconvert --to notebook --execute` into --out (default .test-results/notebooks/); the
// committed files are never written (checked: their bytes are compared before and after). The
// kernel's working directory is the notebook's folder, so notebooks import `../../dist/index.js`.
// Deno's Jupyter kernel runs with all permissions (`--allow-all`); it takes no --allow-* flags.
//
// A committed notebook must carry no outputs (keeps diffs readable): one that does fails, with a
// hint to run --strip.
//
// Exit codes: 0 all passed, 1 a notebook failed, 3 Jupyter or the Deno kernel is unavailable (the
// JSON report then has `unavailable`; scripts/test-all.mjs counts that as skipped with a loud
// warning on a dev machine and as a failure under CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellsWithOutputs, cellTimes, describeFailure, readNotebook, stripNotebook } from './lib/ipynb.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const NOTEBOOK_DIR = join(ROOT, 'examples', 'notebooks');
const KERNEL_NAME = 'storygrad-deno';
const DENO = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');

const args = process.argv.slice(2);
const valued = new Set(['--json', '--cell-timeout', '--out']);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const jsonPath = opt('json');
const cellTimeout = Number(opt('cell-timeout', 300));
const outDir = resolve(opt('out', join(ROOT, '.test-results', 'notebooks')));
const picked = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));

function writeReport(report) {
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ suite: 'notebooks', ...report }, null, 2) + '\n');
}

/** Jupyter or the kernel is missing: reported by main's caller with exit code 3. */
class Unavailable extends Error {}
function unavailable(reason) {
  throw new Unavailable(reason);
}

/** The notebooks to run: the ones named on the command line, else examples/notebooks/*.ipynb. */
function notebookPaths() {
  if (picked.length > 0) return picked.map((p) => resolve(p));
  if (!existsSync(NOTEBOOK_DIR)) return [];
  return readdirSync(NOTEBOOK_DIR).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(NOTEBOOK_DIR, f));
}

/** First line of a command's output, or null when it does not run. */
function probe(cmd, cmdArgs, env = process.env) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', env });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().split('\n')[0];
}

/** Registers the Deno kernel in a private directory; returns the environment Jupyter runs with. */
function privateJupyter(home) {
  const xdgData = join(home, 'xdg-data');
  const install = spawnSync(DENO, ['jupyter', '--install', '--force', '--name', KERNEL_NAME, '--display', 'Deno (storygrad)'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_DATA_HOME: xdgData, DENO_NO_UPDATE_CHECK: '1' },
  });
  const spec = join(xdgData, 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json');
  if (install.error || install.status !== 0 || !existsSync(spec)) {
    unavailable(`\`deno jupyter --install\` did not register a kernel (${install.error?.message ?? (install.stderr || '').trim().split('\n').pop()})`);
  }
  const dirs = { config: join(home, 'config'), data: join(home, 'data'), runtime: join(home, 'runtime'), ipython: join(home, 'ipython') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return {
    ...process.env,
    JUPYTER_PATH: join(xdgData, 'jupyter'),
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    IPYTHONDIR: dirs.ipython,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || mkdtempSync(join(tmpdir(), 'storygrad-xdg-')),
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1', // plain text in the executed notebooks and error messages
  };
}

/** Runs one notebook; returns its report entry. */
function runNotebook(path, jupyter, env) {
  const name = basename(path);
  const rel = relative(ROOT, path);
  const committed = readFileSync(path);
  const nb = readNotebook(path);
  const withOutputs = cellsWithOutputs(nb);
  const t0 = Date.now();
  const r = spawnSync(jupyter.cmd, [
    ...jupyter.args, '--to', 'notebook', '--execute',
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--ExecutePreprocessor.timeout=${cellTimeout}`,
    '--ExecutePreprocessor.startup_timeout=120',
    '--output-dir', outDir, '--output', name, path,
  ], { cwd: dirname(path), env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 20 * 60_000, killSignal: 'SIGKILL' });
  const seconds = (Date.now() - t0) / 1000;
  const entry = { name: rel, ok: false, seconds, cells: nb.cells.length };
  if (!committed.equals(readFileSync(path))) {
    entry.error = `the committed file ${rel} was modified by the run (the runner must write only to ${outDir})`;
    return entry;
  }
  if (r.error || r.status !== 0) {
    const f = r.error?.code === 'ETIMEDOUT'
      ? { cell: null, message: `nbconvert was still running after ${seconds.toFixed(0)} s and was killed` }
      : describeFailure(r.stderr ?? '', nb);
    entry.failedCell = f.cell;
    entry.error = f.message;
    return entry;
  }
  const times = cellTimes(readNotebook(join(outDir, name)));
  entry.slowest = times.sort((a, b) => b.seconds - a.seconds).slice(0, 3);
  if (withOutputs.length > 0) {
    entry.error = `the committed notebook carries outputs in cell(s) ${withOutputs.join(', ')}: clear them (node scripts/run-notebooks.mjs --strip)`;
    return entry;
  }
  entry.ok = true;
  return entry;
}

function main() {
  const paths = notebookPaths();
  if (args.includes('--strip')) {
    for (const p of paths) console.log(`${stripNotebook(p) ? 'stripped' : 'clean   '} ${relative(ROOT, p)}`);
    return 0;
  }
  if (paths.length === 0) {
    console.error(`notebooks: no notebooks found in ${relative(ROOT, NOTEBOOK_DIR)}`);
    writeReport({ error: 'no notebooks', passed: 0, failed: 1, skipped: 0, notebooks: [] });
    return 1;
  }
  if (picked.length === 0 && !existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('notebooks: dist/index.js is missing; run npm run build (npm run test:notebooks does)');
    writeReport({ error: 'dist missing', passed: 0, failed: paths.length, skipped: 0, notebooks: [] });
    return 1;
  }
  // `jupyter-nbconvert` (Debian's package) or `jupyter nbconvert`.
  let jupyter = { cmd: 'jupyter-nbconvert', args: [] };
  let version = probe(jupyter.cmd, ['--version']);
  if (!version) {
    jupyter = { cmd: 'jupyter', args: ['nbconvert'] };
    version = probe(jupyter.cmd, ['nbconvert', '--version']);
  }
  if (!version) unavailable('no `jupyter-nbconvert` or `jupyter nbconvert` on PATH (Debian: apt-get install jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel; see scripts/setup-system.sh)');
  const denoVersion = existsSync(DENO) ? probe(DENO, ['--version']) : null;
  if (!denoVersion) unavailable(`no working Deno at ${relative(ROOT, DENO)} for the kernel (run npm ci)`);

  const home = mkdtempSync(join(tmpdir(), 'storygrad-jupyter-'));
  try {
    const env = privateJupyter(home);
    mkdirSync(outDir, { recursive: true });
    console.log(`notebooks: nbconvert ${version}, ${denoVersion}, kernel ${KERNEL_NAME} (private, ${home}), cell timeout ${cellTimeout} s`);
    const results = [];
    for (const p of paths) {
      console.log(`  running ${relative(ROOT, p)} ...`);
      const e = runNotebook(p, jupyter, env);
      results.push(e);
      const slow = e.slowest?.length ? `; slowest cells: ${e.slowest.map((s) => `#${s.cell} ${s.seconds.toFixed(1)} s`).join(', ')}` : '';
      console.log(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.name}  (${e.seconds.toFixed(1)} s, ${e.cells} cells${slow})`);
      if (!e.ok) {
        const where = e.failedCell ? `cell ${e.failedCell}: ` : '';
        console.log(`        ${(where + e.error).split('\n').join('\n        ')}`);
      }
    }
    const failed = results.filter((e) => !e.ok).length;
    const passed = results.length - failed;
    const total = results.reduce((s, e) => s + e.seconds, 0);
    console.log(`notebooks: ${passed} passed, ${failed} failed (${total.toFixed(1)} s); executed copies in ${relative(ROOT, outDir) || outDir}`);
    writeReport({ nbconvert: version, deno: denoVersion, passed, failed, skipped: 0, seconds: total, notebooks: results });
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (e) {
  if (e instanceof Unavailable) {
    const bar = '!'.repeat(78);
    console.error(`\n${bar}\n!! WARNING: notebooks SKIPPED: ${e.message}\n${bar}\n`);
    writeReport({ unavailable: e.message, passed: 0, failed: 0, skipped: 0, notebooks: [] });
    process.exitCode = 3;
  } else {
    console.error(`notebooks: ${e.stack ?? e}`);
    writeReport({ error: String(e.message ?? e), passed: 0, failed: 1, skipped: 0, notebooks: [] });
    process.exitCode = 1;
  }
}
