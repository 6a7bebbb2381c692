#!/usr/bin/env node
// bench/attention.mjs — causal attention, fused (flashAttention: online-softmax kernels, backward
// recomputing from the saved log-sum-exp) against the materialized path (scores -> softmax ->
// weighted sum as separate ops: scaledDotProductAttention with { materialize: true }).
// Times the forward alone and forward + backward, per backend, and prints the fused speed-up.
//
// Usage: npm run build && node bench/attention.mjs [--backend webgpu|cpu|both] [--B 8]
//        [--H 8,16] [--D 8,16,64] [--T 128,256,512] [--reps 3] [--cpu-T 128,256] [--profile]
// Writes bench/results/attention.json. Times are medians of --reps runs after one warm-up, wall
// clock from the first dispatch to the finished queue (backend.sync()). Absolute times hold only
// for the adapter named in the output; compare the ratios.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '../dist/index.js';

const args = parseArgs(process.argv.slice(2));
const list = (s) => String(s).split(',').filter(Boolean).map(Number);
const opts = {
  backend: args.backend ?? 'both',
  B: Number(args.B ?? 8),
  H: list(args.H ?? '8,16'),
  D: list(args.D ?? '8,16,64'),
  T: list(args.T ?? '128,256,512'),
  cpuT: list(args['cpu-T'] ?? '128,256'),
  cpuH: list(args['cpu-H'] ?? '8'),
  reps: Number(args.reps ?? 3),
  profile: !!args.profile,
};

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else { out[key] = next; i++; }
  }
  return out;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** Median wall time (ms) of fn() until the backend's queue is idle, after one warm-up run. */
async function time(be, fn, reps) {
  const run = async () => {
    const t0 = performance.now();
    fn();
    await be.sync();
    return performance.now() - t0;
  };
  await run();
  const ts = [];
  for (let r = 0; r < reps; r++) ts.push(await run());
  return median(ts);
}

const fused = (q, k, v) => sg.flashAttention(q, k, v, { causal: true });
const materialized = (q, k, v) => sg.nn.functional.scaledDotProductAttention(q, k, v, { causal: true, materialize: true });

/** Times one configuration on the current backend. */
async function benchOne(be, B, H, T, D, reps) {
  const mk = (seed) => sg.randn([B, H, T, D], { seed });
  const q = mk(1), k = mk(2), v = mk(3), w = mk(4);
  const row = { B, H, T, D };
  for (const [name, f] of [['fused', fused], ['materialized', materialized]]) {
    row[`${name}Fwd`] = await time(be, () => sg.tidy(() => sg.noGrad(() => { f(q, k, v); })), reps);
    for (const t of [q, k, v]) t.requiresGrad = true;
    row[`${name}FwdBwd`] = await time(be, () => {
      sg.tidy(() => f(q, k, v).backward(w));
      for (const t of [q, k, v]) { t.grad?.dispose(); t.grad = null; }
    }, reps);
    for (const t of [q, k, v]) t.requiresGrad = false;
  }
  row.fwdSpeedup = row.materializedFwd / row.fusedFwd;
  row.fwdBwdSpeedup = row.materializedFwdBwd / row.fusedFwdBwd;
  // Causal attention FLOPs actually needed (half the score matrix): fwd 2 matmuls, bwd 5.
  row.fusedFwdBwdGflops = ((7 * 2 * B * H * T * (T + 1) / 2 * D) / 1e9) / (row.fusedFwdBwd / 1e3);
  for (const t of [q, k, v, w]) t.dispose();
  return row;
}

async function profileOne(be, B, H, T, D) {
  if (typeof be.startProfiling !== 'function' || !be.canProfile) return null;
  const mk = (seed) => sg.randn([B, H, T, D], { seed, requiresGrad: true });
  const q = mk(1), k = mk(2), v = mk(3);
  const w = sg.randn([B, H, T, D], { seed: 4 });
  const out = {};
  for (const [name, f] of [['fused', fused], ['materialized', materialized]]) {
    sg.tidy(() => f(q, k, v).backward(w)); // warm-up (pipelines)
    for (const t of [q, k, v]) { t.grad?.dispose(); t.grad = null; }
    await be.sync();
    be.startProfiling();
    sg.tidy(() => f(q, k, v).backward(w));
    out[name] = (await be.stopProfiling()).slice(0, 8).map((t) => ({ kernel: t.kernel, count: t.count, ms: +t.ms.toFixed(2) }));
    for (const t of [q, k, v]) { t.grad?.dispose(); t.grad = null; }
  }
  for (const t of [q, k, v, w]) t.dispose();
  return out;
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)).padStart(8);

async function runBackend(name) {
  const desc = await sg.init({ backend: name });
  const be = sg.getBackend();
  console.log(`\n== ${name}: ${desc.adapter}`);
  const Ts = name === 'cpu' ? opts.cpuT : opts.T;
  const Hs = name === 'cpu' ? opts.cpuH : opts.H;
  console.log('   B   H    T   D | fused fwd  mat fwd  x    | fused f+b  mat f+b  x    | fused f+b GFLOP/s');
  const rows = [];
  for (const H of Hs) {
    for (const D of opts.D) {
      for (const T of Ts) {
        const r = await benchOne(be, opts.B, H, T, D, name === 'cpu' ? 1 : opts.reps);
        rows.push(r);
        console.log(
          `${String(r.B).padStart(4)}${String(H).padStart(4)}${String(T).padStart(5)}${String(D).padStart(4)} |` +
          `${fmt(r.fusedFwd)}${fmt(r.materializedFwd)} ${r.fwdSpeedup.toFixed(2).padStart(5)} |` +
          `${fmt(r.fusedFwdBwd)}${fmt(r.materializedFwdBwd)} ${r.fwdBwdSpeedup.toFixed(2).padStart(5)} |` +
          `${r.fusedFwdBwdGflops.toFixed(2).padStart(8)}`,
        );
      }
    }
  }
  let profile = null;
  if (opts.profile && name === 'webgpu') {
    const T = Math.max(...Ts), D = opts.D[opts.D.length - 1], H = Hs[0];
    profile = { B: opts.B, H, T, D, kernels: await profileOne(be, opts.B, H, T, D) };
    console.log(`kernel times, fwd+bwd B=${opts.B} H=${H} T=${T} D=${D}:`);
    for (const [k, ks] of Object.entries(profile.kernels ?? {})) {
      console.log(`  ${k}:`);
      for (const t of ks) console.log(`    ${t.ms.toFixed(2).padStart(9)} ms  x${t.count}  ${t.kernel}`);
    }
  }
  const at512 = rows.filter((r) => r.T === Math.max(...Ts));
  if (at512.length) {
    const g = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
    console.log(`T=${Math.max(...Ts)}: fused / materialized speed-up, geometric mean over H and D: ` +
      `forward ${g(at512.map((r) => r.fwdSpeedup)).toFixed(2)}x, forward+backward ${g(at512.map((r) => r.fwdBwdSpeedup)).toFixed(2)}x`);
  }
  sg.shutdown();
  return { backend: name, adapter: desc.adapter, rows, profile };
}

const results = { date: new Date().toISOString(), node: process.version, options: opts, backends: [] };
const names = opts.backend === 'both' ? ['webgpu', 'cpu'] : [opts.backend];
for (const name of names) {
  try {
    results.backends.push(await runBackend(name));
  } catch (e) {
    console.log(`${name}: skipped (${e.message})`);
  }
}
const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'attention.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nwrote ${file}`);
