#!/usr/bin/env node
/**
 * step-cost — the cost per token of the demo's training step for several model shapes and batch
 * sizes, in ONE process with the configurations taking turns step by step (on a shared machine,
 * runs made minutes apart are not comparable; steal time moves wall times by 2-5x). Reports per
 * configuration the
 * median wall and process CPU time per step (all threads: JavaScript, Dawn and llvmpipe's
 * workers; CPU time leaves out time the hypervisor stole) and both per 1,000 tokens.
 *
 *   npm run build && node bench/step-cost.mjs [--batches 8,16] [--layers 2,4] [--d 64,96]
 *        [--ctx 64,128]
 *        [--rounds 8] [--warmup 2] [--arch llama] [--heads 4] [--vocab 1024,2048]
 *
 * Every combination of --vocab, --ctx, --batches, --layers and --d (comma-separated lists) is one
 * configuration.
 *
 * A step is what `storygrad train` does per step: forward, cross-entropy, backward, gradient
 * clipping at norm 1 with the factor applied inside AdamW, one readback of (loss, norm), AdamW.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { trainStep } from './lib/train-step.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const num = (name, dflt) => Number(opt(name, dflt));
const sg = await import('../dist/index.js');
const info = await sg.init({ backend: opt('backend', 'webgpu') });
const list = (name, dflt) => opt(name, dflt).split(',').map(Number);
const configs = [];
for (const V of list('vocab', '1024')) for (const T of list('ctx', '64')) for (const B of list('batches', '8')) for (const L of list('layers', '4')) for (const d of list('d', '64')) configs.push({ B, L, d, T, V });
const rounds = num('rounds', 8), warmup = num('warmup', 2);
const base = { arch: opt('arch', 'llama'), nHead: num('heads', 4), seed: 0 };

/** The step function of one configuration (bench/lib/train-step.mjs). */
function setup({ B, L, d, T, V }) {
  return trainStep(sg, { ...base, vocabSize: V, dModel: d, nLayer: L, nCtx: T }, B).step;
}

const be = sg.getBackend();
const steps = configs.map(setup);
const res = configs.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < warmup + rounds; r++) {
  for (const [i, step] of steps.entries()) {
    await be.sync();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (r >= warmup) { res[i].wall.push(wall); res[i].cpu.push((c.user + c.system) / 1000); }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`adapter: ${info.adapter ?? info.backend}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`model: ${base.arch}, ${base.nHead} heads; ${rounds} rounds after ${warmup} warm-up`);
console.log('| vocab | layers | d | batch x seq | wall ms/step | CPU ms/step | wall ms / 1K tokens | CPU ms / 1K tokens | tokens/s (wall) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [i, { B, L, d, T, V }] of configs.entries()) {
  const w = med(res[i].wall), c = med(res[i].cpu), k = (B * T) / 1000;
  console.log(`| ${V} | ${L} | ${d} | ${B} x ${T} | ${w.toFixed(1)} | ${c.toFixed(1)} | ${(w / k).toFixed(1)} | ${(c / k).toFixed(1)} | ${Math.round((B * T) / w * 1000)} |`);
}
sg.shutdown();
