#!/usr/bin/env node
/**
 * Matmul benchmark: GFLOP/s of storygrad's WebGPU matmul on square sizes and on the shapes of a
 * small transformer training step, beside TensorFlow.js (WebGPU) and jax-js (WebGPU) running the
 * same products in the same process on the same adapter, and as % of the adapter's peak measured
 * by an FMA-bound calibration kernel (lib/peak.mjs). The CPU reference of what is computed is
 * src/backend/cpu/cpu-backend.ts `matmul`; each peer's result is checked against ours before it
 * is timed.
 *
 * Timing: a timed call issues `reps` products and waits for the GPU (`await backend.sync()` for
 * ours); the figure is the median over several calls, wall clock. The contenders of a shape (ours,
 * each variant, each peer) take turns call by call, so a neighbour's load on a shared machine
 * hits them alike and the ratios hold better than the absolute figures. Ours is also timed by the GPU
 * timestamp profiler (WebGPUBackend.startProfiling), which names the kernel variant that ran.
 * With --variants every matmul variant (tiled, reg, reg-sg) is timed too, forced with
 * forceMatmulPlan: the measurements behind the selection rule in src/backend/webgpu/matmul.ts.
 * With --f16 the same product on f16 operands (f16 storage, f32 accumulation; needs the
 * adapter's shader-f16) is timed as one more contender, in turn with the f32 one; its result is
 * checked against the f32 product first (relative error <= 1e-2: the inputs are rounded to half).
 *
 * Usage: npm run build && node bench/matmul.mjs [--quick] [--variants] [--f16] [--no-peers]
 *        [--shapes=name,name] [--out=bench/results/matmul.json]
 * Prints a table and writes JSON (bench/results/ is gitignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNavigatorGpu } from './lib/gpu-env.mjs';
import { measurePeak } from './lib/peak.mjs';
import { printTable, randomData, relError, repsFor, timeInterleaved } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;

/** The benchmarked products: [batch,] [M, K] x [K, N], a stored [K, M] when transA, b [N, K] when transB. */
const SHAPES = [
  { name: 'square 256', batch: 1, M: 256, N: 256, K: 256 },
  { name: 'square 512', batch: 1, M: 512, N: 512, K: 512 },
  { name: 'square 1024', batch: 1, M: 1024, N: 1024, K: 1024 },
  { name: 'square 2048', batch: 1, M: 2048, N: 2048, K: 2048, big: true },
  { name: 'qkv x·Wᵀ 1024x64·64x192', batch: 1, M: 1024, N: 192, K: 64, transB: true },
  { name: 'attn-out x·Wᵀ 2048x64·64x64', batch: 1, M: 2048, N: 64, K: 64, transB: true },
  { name: 'mlp-up x·Wᵀ 2048x64·64x256', batch: 1, M: 2048, N: 256, K: 64, transB: true },
  { name: 'mlp-down dX 2048x256·256x64', batch: 1, M: 2048, N: 64, K: 256 },
  { name: 'dW Xᵀ·dY 64x2048·2048x256', batch: 1, M: 64, N: 256, K: 2048, transA: true },
  { name: 'dW Xᵀ·dY 64x2048·2048x64', batch: 1, M: 64, N: 64, K: 2048, transA: true },
  { name: 'scores q·kᵀ 32x[128x16·16x128]', batch: 32, M: 128, N: 128, K: 16, transB: true },
  { name: 'pattern·v 32x[128x128·128x16]', batch: 32, M: 128, N: 16, K: 128 },
  { name: 'unembed 2048x64·64x512', batch: 1, M: 2048, N: 512, K: 64, transB: true },
  { name: 'unembed 2048x64·64x4096', batch: 1, M: 2048, N: 4096, K: 64, transB: true, big: true },
];
const QUICK = ['square 256', 'square 1024', 'qkv x·Wᵀ 1024x64·64x192', 'dW Xᵀ·dY 64x2048·2048x64', 'scores q·kᵀ 32x[128x16·16x128]', 'unembed 2048x64·64x512'];

const fmt = (x, d = 2) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));

async function main() {
  await installNavigatorGpu();
  const sg = await import('../dist/index.js');
  const desc = await sg.init({ backend: 'webgpu' });
  const be = sg.getBackend();
  if (be.name !== 'webgpu') throw new Error(`storygrad did not get WebGPU: ${desc.notes?.join('; ')}`);
  console.log(`adapter: ${desc.adapter}`);
  console.log(`features: ${desc.features.join(' ')}`);

  const peak = await measurePeak(be.device);
  console.log(`peak (FMA-bound calibration, best of ${peak.all.map((p) => `${p.config} ${fmt(p.gflops, 1)}`).join(', ')}): ${fmt(peak.gflops, 1)} GFLOP/s`);

  let peers = [];
  if (!flag('no-peers')) {
    try {
      const { loadPeers } = await import('./peers/peers.mjs');
      peers = await loadPeers();
    } catch (e) {
      console.log(`peers: not loaded (${e instanceof Error ? e.message.split('\n')[0] : e}); run \`npm install --prefix bench/peers\``);
    }
    for (const p of peers) console.log(p.why ? `peer ${p.name}: unavailable (${p.why})` : `peer ${p.name} ${p.version}: ready`);
  }
  const live = peers.filter((p) => !p.why);

  const wanted = opt('shapes', flag('quick') ? QUICK.join(',') : '').split(',').filter(Boolean);
  const shapes = wanted.length ? SHAPES.filter((s) => wanted.includes(s.name)) : SHAPES;
  const variants = flag('variants') ? ['tiled', 'reg', ...(desc.features.includes('subgroups') ? ['reg-sg'] : [])] : [];
  const withF16 = flag('f16');
  if (withF16 && !be.supportsF16) throw new Error('--f16: this adapter has no shader-f16');
  const results = [];

  for (const s of shapes) {
    const spec = { batch: s.batch, M: s.M, N: s.N, K: s.K, transA: !!s.transA, transB: !!s.transB };
    const flops = 2 * s.batch * s.M * s.N * s.K;
    const gf = (ms) => flops / ms / 1e6;
    const reps = repsFor(flops);
    const timing = { reps, minRuns: s.big ? 2 : 3, maxRuns: s.big ? 3 : 7, budgetMs: s.big ? 2000 : 6000 };
    const aData = randomData(s.batch * s.M * s.K, 1), bData = randomData(s.batch * s.K * s.N, 2);
    const row = { shape: s.name, ...spec, gflop: flops / 1e9, reps };

    // storygrad: result first (the peers are checked against it), then the timed contenders.
    const a = be.upload(aData, 'f32'), b = be.upload(bData, 'f32');
    const args = { a, b, dtype: 'f32', ...spec, aBatchStride: s.M * s.K, bBatchStride: s.K * s.N };
    const issue = (n) => { for (let i = 0; i < n; i++) be.free(be.kernels.matmul(args)); };
    const ourOut = be.kernels.matmul(args);
    const ours = await be.read(ourOut, s.batch * s.M * s.N, 'f32');
    be.free(ourOut);
    const contenders = [{ name: 'ours', once: async () => { issue(reps); await be.sync(); } }];
    let a16, b16;
    if (withF16) {
      a16 = be.upload(aData, 'f16');
      b16 = be.upload(bData, 'f16');
      const args16 = { ...args, a: a16, b: b16, dtype: 'f16' };
      const out16 = be.kernels.matmul(args16);
      const err = relError(await be.read(out16, s.batch * s.M * s.N, 'f16'), ours);
      be.free(out16);
      if (!(err <= 1e-2)) throw new Error(`${s.name}: the f16 product differs from the f32 one by ${err} (relative)`);
      row.f16 = { relError: err };
      row.f16.issue = (n) => { for (let i = 0; i < n; i++) be.free(be.kernels.matmul(args16)); };
      contenders.push({ name: 'ours f16', once: async () => { row.f16.issue(reps); await be.sync(); } });
    }
    for (const v of variants) {
      contenders.push({
        name: `variant ${v}`,
        once: async () => {
          sg.forceMatmulPlan({ kernel: v, splits: 1 });
          try { issue(reps); } finally { sg.forceMatmulPlan(null); }
          await be.sync();
        },
      });
    }

    // peers: each checked against ours before it may be timed
    row.peers = {};
    const handles = [];
    for (const p of live) {
      let h;
      try {
        h = p.matmul(spec, aData, bData);
        handles.push(h);
        h.issue();
        await h.wait();
        const err = relError(await h.read(), ours);
        if (!(err <= 1e-3)) {
          row.peers[p.name] = { mismatch: err };
          continue;
        }
        row.peers[p.name] = { relError: err };
        contenders.push({ name: p.name, once: async () => { for (let i = 0; i < reps; i++) h.issue(); await h.wait(); } });
      } catch (e) {
        row.peers[p.name] = { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
      }
    }

    let times;
    try {
      times = await timeInterleaved(contenders, timing);
    } finally {
      for (const h of handles) { try { h.dispose(); } catch { /* a failed peer may not dispose */ } }
    }
    const t = times.get('ours');
    row.ours = { ms: t.ms, gflops: gf(t.ms), samples: t.samples };
    if (withF16) {
      const t16 = times.get('ours f16');
      Object.assign(row.f16, { ms: t16.ms, gflops: gf(t16.ms), samples: t16.samples });
    }
    for (const v of variants) {
      const tv = times.get(`variant ${v}`);
      (row.variants ??= {})[v] = { ms: tv.ms, gflops: gf(tv.ms) };
    }
    for (const p of live) {
      const tp = times.get(p.name);
      if (tp) Object.assign(row.peers[p.name], { ms: tp.ms, gflops: gf(tp.ms), samples: tp.samples });
    }
    /** GPU timestamp time per product of `reps` products issued by `run`, and the kernels that ran. */
    const profile = async (run) => {
      be.startProfiling();
      run(reps);
      const prof = await be.stopProfiling();
      const ms = prof.reduce((acc, k) => acc + k.ms, 0) / reps;
      return { gpuMs: ms, gpuGflops: gf(ms), kernels: prof.map((k) => k.kernel) };
    };
    if (be.canProfile) Object.assign(row.ours, await profile(issue));
    if (withF16) {
      if (be.canProfile) Object.assign(row.f16, await profile(row.f16.issue));
      delete row.f16.issue;
      be.free(a16);
      be.free(b16);
    }
    be.free(a);
    be.free(b);

    const peerBest = Math.max(0, ...Object.values(row.peers).map((r) => r.gflops ?? 0));
    row.vsFasterPeer = peerBest > 0 ? row.ours.gflops / peerBest : null;
    row.pctPeak = (100 * row.ours.gflops) / peak.gflops;
    results.push(row);
    const chosen = (r) => (r.kernels ?? []).map((k) => k.split(':')[0]).filter((k, i, all) => all.indexOf(k) === i).join('+');
    console.log(`${s.name}: ours ${fmt(row.ours.gflops)} GFLOP/s [${chosen(row.ours)}]` +
      (withF16 ? ` f16 ${fmt(row.f16.gflops)} [${chosen(row.f16)}]` : '') +
      live.map((p) => ` ${p.name} ${row.peers[p.name]?.gflops !== undefined ? fmt(row.peers[p.name].gflops) : JSON.stringify(row.peers[p.name])}`).join('') +
      (variants.length ? ` | variants ${variants.map((v) => `${v} ${fmt(row.variants[v].gflops)}`).join(' ')}` : ''));
  }

  console.log(`\nmatmul, f32${withF16 ? ' (and f16 operands)' : ''}, GFLOP/s (median wall clock); adapter: ${desc.adapter}; peak ${fmt(peak.gflops, 1)} GFLOP/s`);
  const header = ['shape', 'ours', 'ours (GPU ts)', ...(withF16 ? ['ours f16', 'f16 (GPU ts)', 'f16 / f32'] : []), ...live.map((p) => p.name), 'x faster peer', '% peak', ...variants];
  printTable(header, results.map((r) => [
    r.shape, fmt(r.ours.gflops), fmt(r.ours.gpuGflops),
    ...(withF16 ? [fmt(r.f16.gflops), fmt(r.f16.gpuGflops), `${fmt(r.f16.gflops / r.ours.gflops)}x`] : []),
    ...live.map((p) => { const q = r.peers[p.name]; return q?.gflops !== undefined ? fmt(q.gflops) : q?.mismatch !== undefined ? `MISMATCH ${q.mismatch.toExponential(1)}` : 'error'; }),
    r.vsFasterPeer === null ? '-' : `${fmt(r.vsFasterPeer)}x`, `${fmt(r.pctPeak, 1)}%`,
    ...variants.map((v) => fmt(r.variants?.[v]?.gflops)),
  ]));

  const out = resolve(opt('out', `${here}/results/matmul.json`));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), adapter: desc.adapter, features: desc.features, node: process.version,
    command: `node bench/matmul.mjs ${argv.join(' ')}`.trim(), peak,
    peers: peers.map((p) => ({ name: p.name, version: p.version, why: p.why })), results,
  }, null, 2));
  console.log(`\nwrote ${out}`);
  sg.shutdown?.();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
