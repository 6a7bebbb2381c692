#!/usr/bin/env node
/**
 * Runs the benchmark suite (`npm run bench`; build first: `npm run build`). Each script prints its
 * table and writes JSON under bench/results/. Extra arguments go to every script (e.g. --quick).
 * Scripts: matmul.mjs (kernel GFLOP/s vs peers and the adapter's peak), train-step.mjs (training
 * tokens/s and MFU of the reference shapes), generate.mjs (stories260K generation tokens/s),
 * fused-ops.mjs (fused vs composed ops).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('bench: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}
const scripts = ['matmul.mjs', 'train-step.mjs', 'generate.mjs', 'fused-ops.mjs'];
let failed = 0;
for (const s of scripts) {
  console.log(`\n=== bench/${s} ===`);
  const r = spawnSync(process.execPath, [join(here, s), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
