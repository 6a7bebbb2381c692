#!/usr/bin/env node
/**
 * step-profile — dispatches, wall time and GPU kernel time of one GPT training step (forward,
 * crossEntropy, backward, AdamW) on the WebGPU backend, with the slowest kernels.
 *
 * Uses the built package: run `npm run build` first (or pass --src to run on the TypeScript
 * sources through vite-node: `npx vite-node bench/step-profile.mjs -- --src`).
 *
 *   node bench/step-profile.mjs [--d 64] [--layers 4] [--vocab 512] [--batch 8] [--ctx 128]
 *                               [--heads 4] [--arch gpt2|llama] [--steps 3] [--warmup 2]
 *                               [--top 15] [--grid] [--clip 0] [--json bench/results/step-profile.json]
 *
 * Prints: dispatches per step (counted by the command batcher), wall ms per step (unprofiled,
 * synced at the end of each step), GPU kernel ms per step (timestamp queries, one timed pass per
 * dispatch: this costs a little itself), and the top kernels by GPU time (--grid: one row per
 * kernel and workgroup grid, which tells the matmul shapes apart). --clip N adds the trainer's
 * gradient clipping to max norm N (`storygrad train` and the demo clip at 1): clipScaleOnDevice,
 * its factor applied inside the AdamW update. Absolute times hold
 * only for the adapter named in the output.
 */
import { performance } from 'node:perf_hooks';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const num = (name, dflt) => Number(opt(name, dflt));
const useSrc = args.includes('--src');

const sg = useSrc ? await import('../src/index.ts') : await import('../dist/index.js');

const cfg = {
  arch: opt('arch', 'gpt2'),
  vocabSize: num('vocab', 512),
  nCtx: num('ctx', 128),
  dModel: num('d', 64),
  nLayer: num('layers', 4),
  nHead: num('heads', 4),
};
const B = num('batch', 8);
const T = cfg.nCtx;
const steps = num('steps', 3);
const warmup = num('warmup', 2);
const top = num('top', 15);
const jsonPath = opt('json', '');
const byGrid = args.includes('--grid');
const clip = num('clip', 0);

const desc = await sg.init({ backend: 'webgpu' });
const be = sg.getBackend();
const model = new sg.models.GPT(cfg);
const params = model.parameters();
const opt_ = new sg.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.1 });

// Fixed random tokens; targets are the inputs shifted by one.
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % cfg.vocabSize;
const ids = Int32Array.from({ length: B * (T + 1) }, rnd);
const inp = new Int32Array(B * T), tgt = new Int32Array(B * T);
for (let b = 0; b < B; b++) {
  inp.set(ids.subarray(b * (T + 1), b * (T + 1) + T), b * T);
  tgt.set(ids.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
}
const tokens = sg.tensor(inp, { shape: [B, T], dtype: 'i32' });
const targets = sg.tensor(tgt, { shape: [B, T], dtype: 'i32' });

/** One training step; returns the loss tensor (kept). */
function step() {
  const loss = sg.tidy(() => {
    const logits = model.forward(tokens);
    const l = sg.crossEntropy(logits, targets);
    l.backward();
    if (clip > 0 && !sg.optim.clipScaleOnDevice) {
      sg.optim.clipGradNormOnDevice(params, clip); // builds before clipScaleOnDevice
      opt_.step();
    } else {
      // As the trainer: the clip factor goes into the fused AdamW update.
      const c = clip > 0 ? sg.optim.clipScaleOnDevice(params, clip) : null;
      opt_.step({ gradScale: c?.scale ?? null });
    }
    opt_.zeroGrad();
    return l;
  });
  return loss;
}

const losses = [];
for (let i = 0; i < warmup; i++) {
  const l = step();
  losses.push(await l.item());
  l.dispose();
}

// Unprofiled wall time and dispatch count.
const wall = [];
let dispatches = 0;
for (let i = 0; i < steps; i++) {
  const d0 = be.batcher.dispatches;
  const t0 = performance.now();
  const l = step();
  await be.sync();
  wall.push(performance.now() - t0);
  dispatches = be.batcher.dispatches - d0;
  losses.push(await l.item());
  l.dispose();
}

// Profiled steps: GPU time per kernel.
be.startProfiling();
for (let i = 0; i < steps; i++) step().dispose();
const timings = await be.stopProfiling();
const kernelMs = timings.reduce((a, t) => a + t.ms, 0) / steps;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nParams = params.reduce((a, p) => a + p.size, 0);
console.log(`adapter: ${desc.adapter}`);
console.log(`model: ${cfg.arch} d=${cfg.dModel} layers=${cfg.nLayer} heads=${cfg.nHead} vocab=${cfg.vocabSize}, ` +
  `${params.length} parameter tensors (${nParams} values); batch ${B}x${T} tokens`);
console.log(`loss: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
console.log(`dispatches/step: ${dispatches}`);
console.log(`wall ms/step: median ${median(wall).toFixed(1)} (${wall.map((w) => w.toFixed(1)).join(', ')})`);
console.log(`kernel ms/step (profiled): ${kernelMs.toFixed(1)}`);

// Top kernels, grouped by pipeline key without the grid.
const byKernel = new Map();
for (const t of timings) {
  const k = byGrid ? t.kernel : t.kernel.replace(/ \[[^\]]*\]$/, '');
  const e = byKernel.get(k) ?? { kernel: k, count: 0, ms: 0 };
  e.count += t.count; e.ms += t.ms;
  byKernel.set(k, e);
}
const rows = [...byKernel.values()].sort((a, b) => b.ms - a.ms).slice(0, top);
console.log(`\ntop ${rows.length} kernels (per step):`);
console.log(`${'ms'.padStart(8)} ${'%'.padStart(5)} ${'calls'.padStart(6)}  kernel`);
for (const r of rows) {
  console.log(`${(r.ms / steps).toFixed(2).padStart(8)} ${((100 * r.ms) / steps / kernelMs).toFixed(1).padStart(5)} ` +
    `${String(r.count / steps).padStart(6)}  ${r.kernel}`);
}

// Totals per kernel file (family).
const byFile = new Map();
for (const r of byKernel.values()) {
  const f = r.kernel.split(':')[0];
  const e = byFile.get(f) ?? { file: f, count: 0, ms: 0 };
  e.count += r.count; e.ms += r.ms;
  byFile.set(f, e);
}
const files = [...byFile.values()].sort((a, b) => b.ms - a.ms);
console.log(`\nby kernel file (per step):`);
console.log(`${'ms'.padStart(8)} ${'%'.padStart(5)} ${'calls'.padStart(6)}  file`);
for (const r of files) {
  console.log(`${(r.ms / steps).toFixed(2).padStart(8)} ${((100 * r.ms) / steps / kernelMs).toFixed(1).padStart(5)} ` +
    `${String(r.count / steps).padStart(6)}  ${r.file}`);
}

if (jsonPath) {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({
    adapter: desc.adapter, config: cfg, batch: B, tokens: B * T, dispatchesPerStep: dispatches,
    wallMs: wall, kernelMsPerStep: kernelMs, losses,
    kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms).map((r) => ({ ...r, count: r.count / steps, ms: r.ms / steps })),
    files: files.map((r) => ({ ...r, count: r.count / steps, ms: r.ms / steps })),
  }, null, 2));
  console.log(`\nwrote ${jsonPath}`);
}

tokens.dispose(); targets.dispose();
sg.shutdown();
