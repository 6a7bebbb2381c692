#!/usr/bin/env node
// Chromium smoke suite: serves the repository on a loopback port, opens test/browser/index.html in
// the system Chromium (driven by playwright-core; no browser is ever downloaded), which runs the
// smoke checks on dist/browser/storygrad.js with WebGPU, and reports the results.
//
//   node test/browser/run.mjs [--json PATH] [--timeout-ms N] [--chromium PATH]
//   node test/browser/run.mjs --serve      (only serve, print the URL, for a manual look)
//
// Exit codes: 0 all passed, 1 a check failed, 3 Chromium could not be started (the JSON report
// then has `unavailable`: scripts/test-all.mjs counts the suite as skipped, or failed under CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const jsonPath = opt('json');
const timeoutMs = Number(opt('timeout-ms', 300_000));
const chromiumPath = opt('chromium', process.env.CHROMIUM_PATH || '/usr/bin/chromium');

// Flags for headless WebGPU on Debian's Chromium (SwiftShader / Vulkan), and no network chatter.
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wgsl': 'text/plain; charset=utf-8',
};

/** A static file server for the repository, loopback only, read-only, no directory listings. */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = resolve(ROOT, rel);
    const inside = file === ROOT || file.startsWith(ROOT + sep);
    if (req.method !== 'GET' || !inside || rel.split(/[/\\]/).some((p) => p.startsWith('.') && p !== '.')
        || rel.startsWith('node_modules') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

function writeReport(report) {
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
}

function unavailable(reason) {
  console.error(`browser smoke: Chromium unavailable: ${reason}`);
  writeReport({ suite: 'chromium', unavailable: reason, passed: 0, failed: 0, skipped: 0, tests: [] });
  process.exit(3);
}

async function main() {
  if (args.includes('--serve')) {
    const server = await serve();
    console.log(`serving ${ROOT} at http://127.0.0.1:${server.address().port}/test/browser/index.html (Ctrl-C stops)`);
    return;
  }
  for (const f of ['dist/browser/storygrad.js', 'test/smoke/checks.js']) {
    if (!existsSync(join(ROOT, f))) {
      console.error(`browser smoke: ${f} is missing; run npm run build`);
      writeReport({ suite: 'chromium', error: `${f} missing`, passed: 0, failed: 1, skipped: 0, tests: [] });
      process.exit(1);
    }
  }
  if (!existsSync(chromiumPath)) unavailable(`no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    unavailable(`playwright-core cannot be loaded (${e.message}); run npm ci`);
  }
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'storygrad-xdg-'));
  const version = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8' }).stdout?.trim();

  const server = await serve();
  const userDataDir = mkdtempSync(join(tmpdir(), 'storygrad-chromium-'));
  const url = `http://127.0.0.1:${server.address().port}/test/browser/index.html`;
  let context;
  const t0 = Date.now();
  try {
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: chromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 60_000,
      });
    } catch (e) {
      server.close();
      rmSync(userDataDir, { recursive: true, force: true });
      unavailable(`${chromiumPath} did not start: ${String(e.message).split('\n')[0]}`);
    }
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`  [page error] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.error(`  [console.${m.type()}] ${m.text()}`);
    });
    console.log(`browser smoke: ${version || chromiumPath}, ${url}`);
    await page.goto(url, { waitUntil: 'load' });
    let state;
    try {
      await page.waitForFunction(() => window.__SMOKE__?.done === true, null, { timeout: timeoutMs, polling: 250 });
      state = await page.evaluate(() => window.__SMOKE__);
    } catch (e) {
      const partial = await page.evaluate(() => window.__SMOKE__ ?? null).catch(() => null);
      state = { results: [...(partial?.results ?? []), { name: 'page finished in time', ok: false, error: String(e.message).split('\n')[0], ms: timeoutMs }] };
    }
    const tests = state.results;
    for (const t of tests) {
      console.log(`  ${t.ok ? 'ok  ' : 'FAIL'}  ${t.name}  (${Math.round(t.ms)} ms)`);
      if (!t.ok) console.log(`        ${String(t.error).split('\n').join('\n        ')}`);
    }
    const failed = tests.filter((t) => !t.ok).length;
    const passed = tests.length - failed;
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`browser smoke: ${passed} passed, ${failed} failed (${seconds}s)`);
    writeReport({ suite: 'chromium', chromium: version, passed, failed, skipped: 0, tests });
    return failed === 0 && passed > 0 ? 0 : 1;
  } finally {
    await context?.close().catch(() => {});
    server.close();
    server.closeAllConnections?.();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (e) => {
    console.error(`browser smoke: ${e.stack ?? e}`);
    writeReport({ suite: 'chromium', error: String(e.message ?? e), passed: 0, failed: 1, skipped: 0, tests: [] });
    process.exit(1);
  },
);
