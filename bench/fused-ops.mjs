#!/usr/bin/env node
/**
 * fused-ops — the fused kernels against the compositions they replace, in one process on the
 * WebGPU backend, interleaved (so a busy machine slows both alike): layerNorm, rmsNorm, softmax
 * and crossEntropy forward + backward, and one AdamW step over a GPT's parameters (composed
 * against packed into one arena, and one fused kernel per parameter against packed, also with a
 * gradient clip at norm 1 whose factor the update applies). Shapes are
 * those of the step-profile GPT (d 64, 8x128 tokens, vocab 512, 4 heads).
 *
 * Uses the built package: `npm run build` first, or `npx vite-node bench/fused-ops.mjs -- --src`.
 *   node bench/fused-ops.mjs [--reps 7] [--json bench/results/fused-ops.json]
 *
 * Per case and path: dispatches, median wall ms (encode + submit + wait), GPU kernel ms
 * (timestamp queries, one pass per dispatch). Absolute times hold only for the adapter printed.
 */
import { performance } from 'node:perf_hooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const reps = Number(opt('reps', 7));
const jsonPath = opt('json', '');
const sg = args.includes('--src') ? await import('../src/index.ts') : await import('../dist/index.js');

const desc = await sg.init({ backend: 'webgpu' });
const be = sg.getBackend();

const N = 8 * 128, D = 64, V = 512;
const x = sg.randn([N, D], { seed: 1, requiresGrad: true });
const w = sg.randn([D], { seed: 2, requiresGrad: true });
const b = sg.randn([D], { seed: 3, requiresGrad: true });
const scores = sg.randn([8, 4, 128, 128], { seed: 4, requiresGrad: true });
const logits = sg.randn([8, 128, V], { seed: 5, requiresGrad: true });
const targets = sg.tensor(Int32Array.from({ length: N }, (_, i) => (i * 7919) % V), { shape: [8, 128], dtype: 'i32' });

/** Forward + backward of f(inputs) against fixed output weights; grads cleared after. */
function fwdBwd(f, inputs) {
  sg.tidy(() => {
    const y = f();
    const g = sg.onesLike(y);
    y.backward(g);
  });
  for (const t of inputs) { t.grad?.dispose(); t.grad = null; }
}

/** The parameters of a GPT of the step-profile shape, with random gradients. */
function gptParams() {
  const params = new sg.models.GPT({ arch: 'gpt2', vocabSize: V, nCtx: 128, dModel: D, nLayer: 4, nHead: 4 }).parameters();
  for (const p of params) p.grad = sg.keep(sg.randn(p.shape.slice(), { seed: 9, scale: 0.01 }));
  return params;
}
// Each optimizer gets parameters of its own (a clip takes the arena path for packed parameters).
const params = gptParams();
const adam = {
  composed: new sg.optim.AdamW(gptParams(), { lr: 1e-3, weightDecay: 0.1, fused: false }),
  perParam: new sg.optim.AdamW(gptParams(), { lr: 1e-3, weightDecay: 0.1, packed: false }),
  packed: new sg.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.1 }),
};
/** One AdamW step of optimizer `name`; with `clip`, clipped at norm 1 as the trainer does. */
function adamStep(name, clip) {
  const opt = adam[name];
  if (!clip) return opt.step();
  const c = sg.optim.clipScaleOnDevice(opt.params, 1);
  opt.step({ gradScale: c.scale });
  c.norm.dispose();
  c.scale.dispose();
}

const cases = [
  { name: 'layerNorm [1024, 64] fwd+bwd', inputs: [x, w, b], fused: () => sg.layerNorm(x, w, b), composed: () => sg.layerNormComposed(x, w, b) },
  { name: 'rmsNorm [1024, 64] fwd+bwd', inputs: [x, w], fused: () => sg.rmsNorm(x, w), composed: () => sg.rmsNormComposed(x, w) },
  { name: 'softmax [8,4,128,128] fwd+bwd', inputs: [scores], fused: () => sg.softmax(scores), composed: () => sg.softmaxComposed(scores) },
  { name: 'crossEntropy [1024, 512] fwd+bwd', inputs: [logits], fused: () => sg.crossEntropy(logits, targets), composed: () => sg.crossEntropyComposed(logits, targets) },
];

/** Runs a case's path: 'composed' or 'fused' (for AdamW: the optimizers the case names). */
function runCase(c, path) {
  if (c.adam) { adamStep(c.adam[path], c.adam.clip); return; }
  fwdBwd(c[path], c.inputs);
}
cases.push({ name: `AdamW step, ${params.length} GPT tensors`, adam: { composed: 'composed', fused: 'packed' } });
cases.push({ name: 'AdamW per-parameter -> packed', adam: { composed: 'perParam', fused: 'packed' } });
cases.push({ name: 'clip + AdamW per-param -> packed', adam: { composed: 'perParam', fused: 'packed', clip: true } });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const c of cases) {
  const res = {};
  for (const path of ['composed', 'fused']) { runCase(c, path); await be.sync(); } // warm-up, compile
  const wall = { composed: [], fused: [] };
  let disp = {};
  for (let r = 0; r < reps; r++) {
    for (const path of ['composed', 'fused']) {
      const d0 = be.batcher.dispatches;
      const t0 = performance.now();
      runCase(c, path);
      await be.sync();
      wall[path].push(performance.now() - t0);
      disp[path] = be.batcher.dispatches - d0;
    }
  }
  for (const path of ['composed', 'fused']) {
    be.startProfiling();
    for (let r = 0; r < 3; r++) runCase(c, path);
    const t = await be.stopProfiling();
    res[path] = { dispatches: disp[path], wallMs: median(wall[path]), kernelMs: t.reduce((a, k) => a + k.ms, 0) / 3 };
  }
  rows.push({ name: c.name, ...res });
}

console.log(`adapter: ${desc.adapter}; median of ${reps} interleaved runs`);
console.log(`${'case'.padEnd(36)} ${'dispatches'.padStart(12)} ${'wall ms'.padStart(17)} ${'kernel ms'.padStart(17)}   speed-up (wall)`);
for (const r of rows) {
  const c = r.composed, f = r.fused;
  console.log(`${r.name.padEnd(36)} ${`${c.dispatches} -> ${f.dispatches}`.padStart(12)} ` +
    `${`${c.wallMs.toFixed(2)} -> ${f.wallMs.toFixed(2)}`.padStart(17)} ${`${c.kernelMs.toFixed(2)} -> ${f.kernelMs.toFixed(2)}`.padStart(17)}   ` +
    `${(c.wallMs / f.wallMs).toFixed(1)}x`);
}
if (jsonPath) {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({ adapter: desc.adapter, reps, rows }, null, 2));
  console.log(`wrote ${jsonPath}`);
}
sg.shutdown();
