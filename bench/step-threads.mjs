#!/usr/bin/env node
/**
 * step-threads — where the demo step's CPU goes, thread by thread, and whether submitting parts of
 * the step early lets the JavaScript thread record while the adapter computes (on a software
 * adapter the "GPU" is the same two cores).
 *
 *   npm run build && node bench/step-threads.mjs [--steps 40] [--modes none,fwd,adam,both] [--rounds 12]
 *
 * 1. Runs --steps steps of the demo's training step (bench/lib/train-step.mjs: llama, d 64, one layer,
 *    4 heads, vocab 1,536, batch 4 x 128) and prints the wall time per step, the host's user / system /
 *    idle / steal shares over them (/proc/stat) and each of the process's threads' CPU time per step
 *    (/proc/self/task: the JavaScript thread is the one named after the process; llvmpipe's workers
 *    are the two busiest).
 * 2. Flush modes, in one process, blocks of 10 steps taking turns: `none` (the step's commands go in
 *    one submit at the loss readback, AdamW in the next step's), `fwd` (a submit after the forward),
 *    `adam` (a submit right after AdamW is recorded), `both`. Prints median and mean wall ms per step
 *    and whether every mode's losses equal `none`'s (the commands are the same, so they must).
 * Linux only (reads /proc).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { trainStep } from './lib/train-step.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const sg = await import('../dist/index.js');
const info = await sg.init({ backend: 'webgpu' });
const be = sg.getBackend();
const cfg = { arch: 'llama', nHead: 4, seed: 0, vocabSize: 1536, dModel: 64, nLayer: 1, nCtx: 128 };
const B = 4;
console.log(`adapter: ${info.adapter ?? info.backend}`);

// ---- 1. CPU by thread ----
/** CPU ms of each thread of this process, by "tid:name". */
function threadCpu() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[`${tid}:${name}`] = (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 10 ms ticks
  }
  return out;
}
const hostCpu = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
{
  const { step } = trainStep(sg, cfg, B);
  for (let i = 0; i < 5; i++) await step();
  await be.sync();
  const n = Number(opt('steps', 40));
  const t0 = threadCpu(), h0 = hostCpu(), w0 = performance.now();
  for (let i = 0; i < n; i++) await step();
  await be.sync();
  const wall = (performance.now() - w0) / n, t1 = threadCpu(), h1 = hostCpu();
  const d = h1.map((x, i) => x - h0[i]), total = d.reduce((a, b) => a + b, 0);
  const pct = (i) => `${((100 * d[i]) / total).toFixed(0)}%`;
  console.log(`\n1. ${n} steps: wall ${wall.toFixed(1)} ms per step; host user ${pct(0)}, system ${pct(2)}, idle ${pct(3)}, steal ${pct(7)}`);
  console.log('   CPU ms per step by thread:');
  for (const [k, v] of Object.entries(t1)) {
    const per = (v - (t0[k] ?? 0)) / n;
    if (per >= 0.5) console.log(`   ${k.padEnd(24)} ${per.toFixed(1)}`);
  }
}

// ---- 2. flush modes ----
const modes = opt('modes', 'none,fwd,adam,both').split(',');
const steps = modes.map((flush) => trainStep(sg, cfg, B, { flush }).step), times = modes.map(() => []), losses = modes.map(() => []);
for (let i = 0; i < 5; i++) for (const s of steps) await s();
for (let r = 0; r < Number(opt('rounds', 12)); r++) {
  for (let j = 0; j < modes.length; j++) {
    const i = (j + r) % modes.length;
    await be.sync();
    const t0 = performance.now();
    for (let k = 0; k < 10; k++) losses[i].push(await steps[i]());
    times[i].push((performance.now() - t0) / 10);
  }
}
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
console.log('\n2. flush modes (wall ms per step over blocks of 10 steps)');
for (const [i, m] of modes.entries()) {
  const same = losses[i].every((x, k) => x === losses[0][k]);
  console.log(`   ${m.padEnd(5)} median ${median(times[i]).toFixed(1)}  mean ${mean(times[i]).toFixed(1)}  ${modes[0]} / ${m} ${(median(times[0]) / median(times[i])).toFixed(3)}x  losses equal: ${same}`);
}
sg.shutdown();
