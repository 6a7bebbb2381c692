#!/usr/bin/env node
/**
 * step-ab — the demo's training step on two builds of storygrad in ONE process, steps taking
 * turns, so that both see the same machine load (on a shared machine wall times of runs made
 * minutes apart are not comparable). Each build gets its own WebGPU device.
 *
 *   node bench/step-ab.mjs --base DIR [--other DIR] [--rounds 12] [--warmup 2] [--d 64]
 *                          [--layers 4] [--heads 4] [--vocab 1024] [--batch 8] [--ctx 128] [--arch gpt2|llama]
 *
 * DIR is a checkout with a built dist/ (e.g. `git worktree add /tmp/base <rev> && cd /tmp/base &&
 * npm ci && npm run build`); --other defaults to this checkout (build it first). A step is what
 * `storygrad train` does per step: forward, cross-entropy, backward, gradient clipping at norm 1,
 * one readback of (loss, norm), AdamW — with the clip factor inside the AdamW update where the
 * build has `clipScaleOnDevice`, else `clipGradNormOnDevice`. Prints per build the median wall ms
 * per step and tokens/s, the median process CPU time per step (all threads: JavaScript, Dawn and
 * llvmpipe's workers), dispatches per step (and buffer copies, where the build counts them) and the first losses (equal losses: the same numerics),
 * then the per-round wall and CPU ratios base / other.
 */
import { performance } from 'node:perf_hooks';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trainStep } from './lib/train-step.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const num = (name, dflt) => Number(opt(name, dflt));
const here = dirname(fileURLToPath(import.meta.url));
const base = opt('base', '');
if (!base) {
  console.error('step-ab: --base DIR is required (a checkout with a built dist/)');
  process.exit(2);
}
const dirs = [resolve(base), resolve(opt('other', join(here, '..')))];
const rounds = num('rounds', 12), warmup = num('warmup', 2);
const cfg = { arch: opt('arch', 'gpt2'), vocabSize: num('vocab', 1024), nCtx: num('ctx', 128), dModel: num('d', 64), nLayer: num('layers', 4), nHead: num('heads', 4), seed: 0 };
const B = num('batch', 8), T = cfg.nCtx, V = cfg.vocabSize; // T, V: for the report

/** One build: its module, backend and step function. */
async function setup(dir) {
  const sg = await import(pathToFileURL(join(dir, 'dist', 'index.js')).href);
  const info = await sg.init({ backend: 'webgpu' });
  const { step } = trainStep(sg, cfg, B);
  return { sg, be: sg.getBackend(), step, dir, adapter: info.adapter };
}

const builds = [];
for (const d of dirs) builds.push(await setup(d));
const res = builds.map(() => ({ wall: [], cpu: [], losses: [], dispatches: 0, copies: 0 }));
for (let r = 0; r < warmup + rounds; r++) {
  for (const [i, L] of builds.entries()) {
    await L.be.sync();
    const d0 = L.be.batcher.dispatches, k0 = L.be.batcher.copies ?? 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const loss = await L.step();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    res[i].losses.push(loss);
    if (r >= warmup) {
      res[i].wall.push(wall);
      res[i].cpu.push((c.user + c.system) / 1000);
      res[i].dispatches = L.be.batcher.dispatches - d0;
      res[i].copies = (L.be.batcher.copies ?? 0) - k0;
    }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { loadavg } = await import('node:os');
console.log(`adapter: ${builds[0].adapter}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`model: ${cfg.arch} d ${cfg.dModel} x ${cfg.nLayer} layers, ${cfg.nHead} heads, vocab ${V}; batch ${B} x ${T}; ${rounds} rounds after ${warmup} warm-up`);
for (const [i, L] of builds.entries()) {
  const w = med(res[i].wall);
  console.log(`${i === 0 ? 'base ' : 'other'} ${L.dir}: wall ${w.toFixed(1)} ms/step (${Math.round((B * T) / w * 1000)} tokens/s; min ${Math.min(...res[i].wall).toFixed(1)}), ` +
    `CPU ${med(res[i].cpu).toFixed(1)} ms/step, ${res[i].dispatches} dispatches/step (+ ${res[i].copies} buffer copies); losses ${res[i].losses.slice(0, 4).map((x) => x.toFixed(4)).join(' ')}`);
}
const ratio = (k) => res[0][k].map((a, j) => a / res[1][k][j]);
console.log(`base / other per round: wall ${med(ratio('wall')).toFixed(2)}x (${ratio('wall').map((x) => x.toFixed(2)).join(' ')})`);
console.log(`base / other per round: CPU  ${med(ratio('cpu')).toFixed(2)}x (${ratio('cpu').map((x) => x.toFixed(2)).join(' ')})`);
for (const L of builds) L.sg.shutdown();
