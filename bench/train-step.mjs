#!/usr/bin/env node
/**
 * train-step — tokens/s and MFU of a full training step (forward, cross-entropy, backward,
 * gradient clipping, AdamW) for the two reference shapes, on every backend available:
 *   tinystories-1m   gpt2, d 64, 8 layers, 16 heads, vocab 4096, batch 8 x 256
 *   stories260k      llama, d 64, 5 layers, 8 heads (4 kv), hidden 172, vocab 512, batch 8 x 256
 * MFU = tokens/s x training FLOPs per token (sg.models.flopsPerToken) / the adapter's measured
 * peak (bench/lib/peak.mjs, WebGPU only). Reference figures on this 2-core CPU (PyTorch 1.13,
 * OpenBLAS, 2 threads, eager, materialized attention): about 1,600 tokens/s for the first and
 * 5,200 for a GPT-2-block model of the second's size.
 *
 *   node bench/train-step.mjs [--steps 4] [--warmup 1] [--backends webgpu,cpu] [--json FILE]
 * Build first (`npm run build`). Absolute figures hold only for the adapter named in the output.
 */
import { performance } from 'node:perf_hooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNavigatorGpu } from './lib/gpu-env.mjs';
import { measurePeak } from './lib/peak.mjs';
import { median, printTable } from './lib/stats.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const steps = Number(opt('steps', 4)), warmup = Number(opt('warmup', 1));
const backends = opt('backends', 'webgpu,cpu').split(',');
const here = dirname(fileURLToPath(import.meta.url));
const jsonPath = opt('json', join(here, 'results', 'train-step.json'));

await installNavigatorGpu();
const sg = await import('../dist/index.js');

const SHAPES = [
  { name: 'tinystories-1m', config: sg.models.preset('tinystories-1m', { vocabSize: 4096, nCtx: 256 }), B: 8, T: 256, torch: 1600 },
  { name: 'stories260k', config: { ...sg.models.preset('stories260k', { nCtx: 256 }), tieEmbeddings: true }, B: 8, T: 256, torch: 5200 },
];

const rows = [], results = [];
for (const backend of backends) {
  let info;
  try { info = await sg.init({ backend }); } catch (e) { console.log(`${backend}: unavailable (${e.message})`); continue; }
  if (info.backend !== backend) { console.log(`${backend}: unavailable`); await sg.shutdown(); continue; }
  let peak = null;
  if (backend === 'webgpu') peak = (await measurePeak(sg.getBackend().device, { runs: 3 })).gflops;
  for (const shape of SHAPES) {
    const model = new sg.models.GPT({ ...shape.config, seed: 1 });
    const opt = new sg.optim.AdamW(model.parameters(), { lr: 1e-3 });
    const { B, T } = shape;
    const V = shape.config.vocabSize;
    const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919) % V);
    const inputs = ids.slice(0, B * T), targets = ids.slice(1, B * T + 1);
    const once = async () => {
      const stats = sg.tidy(() => {
        const logits = model.forward(sg.tensor(inputs, { shape: [B, T] }));
        const loss = sg.crossEntropy(logits.reshape([B * T, V]), sg.tensor(targets, { shape: [B * T] }));
        loss.backward();
        const norm = sg.optim.clipGradNormOnDevice(model.parameters(), 1);
        opt.step();
        opt.zeroGrad();
        return sg.keep(sg.stack([loss.detach(), norm]));
      });
      const v = await stats.data();
      stats.dispose();
      if (!Number.isFinite(v[0])) throw new Error(`non-finite loss ${v[0]}`);
    };
    for (let i = 0; i < warmup; i++) await once();
    const ms = [];
    const n = backend === 'cpu' ? Math.min(2, steps) : steps;
    for (let i = 0; i < n; i++) { const t = performance.now(); await once(); ms.push(performance.now() - t); }
    const stepMs = median(ms);
    const tokS = (B * T) / (stepMs / 1000);
    const flops = sg.models.flopsPerToken(shape.config, T).training;
    const mfu = peak ? (tokS * flops) / (peak * 1e9) : null;
    results.push({ backend, adapter: info.adapter ?? 'CPU reference', shape: shape.name, params: model.numParameters(), B, T, stepMs, tokensPerSec: tokS, flopsPerToken: flops, peakGflops: peak, mfu, torchTokensPerSec: shape.torch });
    rows.push([backend, shape.name, model.numParameters().toLocaleString('en-US'), `${B}x${T}`, stepMs.toFixed(0), Math.round(tokS).toLocaleString('en-US'),
      (tokS / shape.torch).toFixed(2) + 'x', mfu === null ? '-' : (100 * mfu).toFixed(1) + '%']);
    model.dispose();
  }
  if (peak) console.log(`${backend}: ${info.adapter}; measured peak ${peak.toFixed(1)} GFLOP/s`);
  await sg.shutdown();
}
printTable(['backend', 'shape', 'params', 'batch', 'ms/step', 'tokens/s', 'vs PyTorch CPU', 'MFU'], rows);
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${jsonPath}`);
