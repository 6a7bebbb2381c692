#!/usr/bin/env node
/**
 * llvmpipe-costs — what a compute kernel pays for on a software adapter (Mesa llvmpipe runs each
 * 8-lane subgroup as one SIMD vector on a CPU core): the cost model behind the register-tile matmul
 * (kernels/matmul_reg_sg.wgsl) and the decisions recorded in bench/RESULTS.md ("What a kernel pays
 * for on llvmpipe"). Raw WGSL kernels on a raw Dawn device, not the library.
 *
 *   node bench/llvmpipe-costs.mjs [--reps 10]
 *
 * Prints, per 8-lane workgroup step (wall time over all cores, median of 5 timed submits):
 *  1. loads: four scalar storage loads per step at lane-dependent addresses, the same at a
 *     lane-independent (uniform) address, one vec4 load, four vec4 loads, and one scalar load
 *     handed to all lanes by eight subgroupBroadcasts; the same from a uniform buffer (scalars as
 *     the .x of vec4 elements, whole vec4s, scalars at a dynamic component) and from workgroup
 *     memory. (Mesa's llvmpipe loads a storage buffer lane by lane in a loop with a branch per lane
 *     for the execution mask and the bounds; a uniform buffer's lanes without branches. Its
 *     one-load-for-all-lanes path needs an address built from constants only, which a loop index
 *     never is.);
 *  2. the 16 x 32 register tile of the 'reg-sg' matmul, per k step: as written, with its B loads,
 *     its A loads, or every load replaced by arithmetic (what is left is the FMAs and the loop), and
 *     with B read from 64 KiB uniform windows (packed so a lane's 4 values are one vec4);
 *  3. an empty workgroup of 8, 64 and 256 lanes;
 *  4. the first dispatch of the register-tile kernel with the shader cache disabled by the caller
 *     (`MESA_SHADER_CACHE_DISABLE=true`): llvmpipe compiles a pipeline's shader at its first
 *     dispatch, not at createComputePipeline, on its own thread.
 * Every timed kernel writes a result that depends on what it loads (so nothing is optimised away);
 * the matmul variants are not checked for correctness (bench/matmul.mjs checks the real kernel).
 */
import { performance } from 'node:perf_hooks';
import { installNavigatorGpu } from './lib/gpu-env.mjs';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1] || 10);
const gpu = await installNavigatorGpu();
const adapter = await gpu.requestAdapter();
if (!adapter) throw new Error('llvmpipe-costs: no WebGPU adapter');
if (!adapter.features.has('subgroups')) throw new Error('llvmpipe-costs: the adapter has no subgroups feature');
const device = await adapter.requestDevice({ requiredFeatures: ['subgroups'] });
const info = adapter.info ?? {};

const F32 = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
function storage(n, fill = 0.5) {
  const b = device.createBuffer({ size: n * 4, usage: F32 });
  device.queue.writeBuffer(b, 0, new Float32Array(n).fill(fill));
  return b;
}
function uniform(words) {
  const b = device.createBuffer({ size: Math.max(16, words.length * 4), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(b, 0, new Uint32Array(words));
  return b;
}
/** A pipeline of `code` and a bind group of `buffers` (binding i = buffers[i]). */
async function kernel(code, buffers) {
  const module = device.createShaderModule({ code });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(`llvmpipe-costs: ${errors[0].message} (line ${errors[0].lineNum})`);
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  return { pipeline, bindGroup };
}
async function submit(k, grid, n) {
  const enc = device.createCommandEncoder();
  for (let i = 0; i < n; i++) {
    const p = enc.beginComputePass();
    p.setPipeline(k.pipeline);
    p.setBindGroup(0, k.bindGroup);
    p.dispatchWorkgroups(...grid);
    p.end();
  }
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
}
/** Median ms per dispatch over 5 submits of `reps` dispatches (after a warm-up submit). */
async function time(k, grid) {
  await submit(k, grid, 2);
  const ts = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await submit(k, grid, reps);
    ts.push((performance.now() - t0) / reps);
  }
  return ts.sort((a, b) => a - b)[2];
}

// ---- 1. loads ----
const src = storage(1 << 20), sink = storage(1 << 16);
const STEPS = 256, LOAD_WGS = 512;
const uni = device.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(uni, 0, new Float32Array(16384).fill(0.5));
const STORAGE = (elem) => `@group(0) @binding(0) var<storage, read> a: array<${elem}>;`;
const UNIFORM = '@group(0) @binding(0) var<uniform> a: array<vec4<f32>, 4096>;';
const WORKGROUP = (elem, n) => `@group(0) @binding(0) var<storage, read> a: array<f32>;\nvar<workgroup> w: array<${elem}, ${n}>;`;
/** A load kernel: `decl` declares a (and w), `pre` runs before the loop, `body` loads into acc per step. */
const loadKernel = (body, decl = STORAGE('f32'), pre = '') => `enable subgroups;
${decl}
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  let base = wid.x * 1024u;
  ${pre}
  for (var k = 0u; k < ${STEPS}u; k++) { ${body} }
  o[wid.x * 8u + lid.x] = acc.x + acc.y + acc.z + acc.w;
}`;
const fillW = (n) => `for (var i = lid.x; i < ${n}u; i += 8u) { w[i] = a[i]; } workgroupBarrier();`;
// [kernel, source buffer]. Uniform and workgroup variants keep their addresses inside 64 KiB / 16 KiB.
const loads = {
  '4 scalar loads, lane-dependent addresses': [loadKernel('acc += vec4<f32>(a[base + k * 8u + lid.x], a[base + k * 8u + lid.x + 2048u], a[base + k * 8u + lid.x + 4096u], a[base + k * 8u + lid.x + 6144u]);'), src],
  '4 scalar loads, one address for all lanes': [loadKernel('acc += vec4<f32>(a[base + k], a[base + k + 2048u], a[base + k + 4096u], a[base + k + 6144u]);'), src],
  '1 vec4 load, lane-dependent address': [loadKernel('acc += a[(base >> 2u) + k * 8u + lid.x];', STORAGE('vec4<f32>')), src],
  '4 vec4 loads, lane-dependent addresses': [loadKernel('let q = (base >> 2u) + k * 8u + lid.x; acc += a[q] + a[q + 512u] + a[q + 1024u] + a[q + 1536u];', STORAGE('vec4<f32>')), src],
  '1 scalar load + 8 subgroupBroadcasts': [loadKernel('let g = a[base + k * 8u + lid.x]; acc += vec4<f32>(subgroupBroadcast(g, 0u), subgroupBroadcast(g, 1u), subgroupBroadcast(g, 2u), subgroupBroadcast(g, 3u)) + vec4<f32>(subgroupBroadcast(g, 4u), subgroupBroadcast(g, 5u), subgroupBroadcast(g, 6u), subgroupBroadcast(g, 7u));'), src],
  'uniform: 4 scalar loads (.x of vec4s), lane-dependent': [loadKernel('let q = ((base >> 2u) + k * 8u + lid.x) & 1023u; acc += vec4<f32>(a[q].x, a[q + 1024u].x, a[q + 2048u].x, a[q + 3072u].x);', UNIFORM), uni],
  'uniform: 1 vec4 load, lane-dependent': [loadKernel('acc += a[((base >> 2u) + k * 8u + lid.x) & 4095u];', UNIFORM), uni],
  'uniform: 4 scalar loads, dynamic component': [loadKernel('let q = (base + k * 8u + lid.x) & 16383u; acc += vec4<f32>(a[q >> 2u][q & 3u], a[(q + 1u) >> 2u][(q + 1u) & 3u], a[(q + 2u) >> 2u][(q + 2u) & 3u], a[(q + 3u) >> 2u][(q + 3u) & 3u]);', UNIFORM), uni],
  'workgroup: 4 scalar loads, lane-dependent': [loadKernel('let q = k * 8u + lid.x; acc += vec4<f32>(w[q & 4095u], w[(q + 1024u) & 4095u], w[(q + 2048u) & 4095u], w[(q + 3072u) & 4095u]);', WORKGROUP('f32', 4096), fillW(4096)), src],
  'workgroup: 1 vec4 load, lane-dependent': [loadKernel('acc += w[(k * 8u + lid.x) & 1023u];', WORKGROUP('vec4<f32>', 1024), 'for (var i = lid.x; i < 1024u; i += 8u) { w[i] = vec4<f32>(a[i]); } workgroupBarrier();'), src],
};
console.log(`adapter: ${info.description || info.device || 'unknown'} (${info.vendor ?? ''}); ${reps} dispatches per submit`);
console.log('\n1. loads (ns per 8-lane step, all cores)');
for (const [name, [code, from]] of Object.entries(loads)) {
  const ms = await time(await kernel(code, [from, sink]), [LOAD_WGS, 1, 1]);
  console.log(`  ${name.padEnd(54)} ${((ms * 1e6) / (LOAD_WGS * STEPS)).toFixed(1)}`);
}

// ---- 2. the register tile ----
/** The 16 x 32 tile of matmul_reg_sg.wgsl, [M, K] x [N, K]ᵀ; `loads`: 'both' | 'no-b' | 'no-a' | 'none'. */
function tileKernel(loads) {
  const b = loads === 'both' || loads === 'no-a'
    ? 'let bk = k * u.b_ks; let bv = vec4<f32>(b[bc.x + bk], b[bc.y + bk], b[bc.z + bk], b[bc.w + bk]);'
    : 'let bv = vec4<f32>(f32(k), f32(k + 1u), 1.0, 2.0);';
  const aLoads = loads === 'both' || loads === 'no-b'
    ? 'let g0 = a[ar0 + k * u.a_ks]; let g1 = a[ar1 + k * u.a_ks];'
    : 'let g0 = f32(k) * 0.5; let g1 = f32(k) * 0.25;';
  const fmas = Array.from({ length: 16 }, (_, i) => `c[${i}] = fma(vec4<f32>(subgroupBroadcast(g${i >> 3}, ${i & 7}u)), bv, c[${i}]);`).join(' ');
  return `enable subgroups;
struct P { M: u32, N: u32, K: u32, a_ms: u32, a_ks: u32, b_ks: u32, b_ns: u32, _p: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sl: u32) {
  let row0 = wid.y * 16u; let col0 = wid.x * 32u + lid.x;
  let ar0 = min(row0 + sl, u.M - 1u) * u.a_ms; let ar1 = min(row0 + 8u + sl, u.M - 1u) * u.a_ms;
  let bc = vec4<u32>(min(col0, u.N - 1u), min(col0 + 8u, u.N - 1u), min(col0 + 16u, u.N - 1u), min(col0 + 24u, u.N - 1u)) * u.b_ns;
  var c: array<vec4<f32>, 16>;
  for (var k = 0u; k < u.K; k++) { ${b} ${aLoads} ${fmas} }
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < 16u; i++) { s += c[i]; }
  o[(wid.y * 64u + wid.x) * 8u + lid.x] = s.x + s.y + s.z + s.w + select(0.0, a[0] + b[0], u.M == 0u);
}`;
}
// The demo's unembedding product: [512, 64] x [1536, 64]ᵀ.
const M = 512, N = 1536, K = 64;
const A = storage(M * K), B = storage(N * K), O = storage(1 << 16), U = uniform([M, N, K, K, 1, 1, K, 0]);
const grid = [N / 32, M / 16, 1];
console.log(`\n2. the 16 x 32 register tile, [${M}, ${K}] x [${N}, ${K}]ᵀ (ns per k step of one 8-lane workgroup, all cores)`);
for (const loadsOf of ['both', 'no-b', 'no-a', 'none']) {
  const ms = await time(await kernel(tileKernel(loadsOf), [U, A, B, O]), grid);
  const what = { both: 'as written (2 A + 4 B loads per lane)', 'no-b': 'B loads replaced by arithmetic', 'no-a': 'A loads replaced by arithmetic', none: 'no loads: FMAs, broadcasts and the loop' }[loadsOf];
  console.log(`  ${what.padEnd(44)} ${((ms * 1e6) / (grid[0] * grid[1] * K)).toFixed(1)}  (${((2 * M * N * K) / ms / 1e6).toFixed(1)} GFLOP/s)`);
}

// B from uniform buffers: 64 KiB windows of 256 columns (one dispatch each, bound at a dynamic
// offset), B packed so that the 4 values a lane needs at step k are one vec4; loaded as 4 components.
{
  const WIN = 256, wins = N / WIN;
  const fmas = Array.from({ length: 16 }, (_, i) => `c[${i}] = fma(vec4<f32>(subgroupBroadcast(g${i >> 3}, ${i & 7}u)), bv, c[${i}]);`).join(' ');
  const code = `enable subgroups;
struct P { M: u32, N: u32, K: u32, a_ms: u32, a_ks: u32, b_ks: u32, b_ns: u32, _p: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<uniform> bw: array<vec4<f32>, 4096>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sl: u32) {
  let row0 = wid.y * 16u;
  let ar0 = min(row0 + sl, u.M - 1u) * u.a_ms; let ar1 = min(row0 + 8u + sl, u.M - 1u) * u.a_ms;
  var c: array<vec4<f32>, 16>;
  for (var k = 0u; k < u.K; k++) {
    let q = (k * 8u + wid.x) * 8u + lid.x;
    let bv = vec4<f32>(bw[q].x, bw[q].y, bw[q].z, bw[q].w);
    let g0 = a[ar0 + k * u.a_ks]; let g1 = a[ar1 + k * u.a_ks];
    ${fmas}
  }
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < 16u; i++) { s += c[i]; }
  o[(wid.y * 64u + wid.x) * 8u + lid.x] = s.x + s.y + s.z + s.w;
}`;
  const module = device.createShaderModule({ code });
  const bgl = device.createBindGroupLayout({ entries: [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
    { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
    { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } }] });
  const pipeline = await device.createComputePipelineAsync({ layout: device.createPipelineLayout({ bindGroupLayouts: [bgl] }), compute: { module, entryPoint: 'main' } });
  const Bu = device.createBuffer({ size: N * K * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(Bu, 0, new Float32Array(N * K).fill(0.5));
  const bindGroup = device.createBindGroup({ layout: bgl, entries: [{ binding: 0, resource: { buffer: U } }, { binding: 1, resource: { buffer: A } },
    { binding: 2, resource: { buffer: Bu, size: 65536 } }, { binding: 3, resource: { buffer: O } }] });
  const run = async (n) => {
    const enc = device.createCommandEncoder();
    for (let i = 0; i < n; i++) {
      const p = enc.beginComputePass();
      p.setPipeline(pipeline);
      for (let w = 0; w < wins; w++) { p.setBindGroup(0, bindGroup, [w * WIN * K * 4]); p.dispatchWorkgroups(WIN / 32, M / 16, 1); }
      p.end();
    }
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(2);
  const ts = [];
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); await run(reps); ts.push((performance.now() - t0) / reps); }
  const ms = ts.sort((x, y) => x - y)[2];
  console.log(`  ${'B from uniform windows (6 dispatches)'.padEnd(44)} ${((ms * 1e6) / (grid[0] * grid[1] * K)).toFixed(1)}  (${((2 * M * N * K) / ms / 1e6).toFixed(1)} GFLOP/s)`);
}

// ---- 3. empty workgroups ----
console.log('\n3. an empty workgroup (us, 4,096 per dispatch)');
for (const wg of [8, 64, 256]) {
  const code = `@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(${wg}) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x == 0xffffffffu) { o[0] = 1.0; } }`;
  const ms = await time(await kernel(code, [sink]), [4096, 1, 1]);
  console.log(`  ${String(wg).padStart(3)} lanes  ${((ms * 1000) / 4096).toFixed(2)}`);
}

// ---- 4. first dispatch (compile) ----
const fresh = await kernel(tileKernel('both').replace('fn main', '// first-dispatch probe\nfn main'), [U, A, B, O]);
const t0 = performance.now();
await submit(fresh, grid, 1);
const first = performance.now() - t0;
const t1 = performance.now();
await submit(fresh, grid, 1);
console.log(`\n4. first dispatch of the register-tile kernel: ${first.toFixed(0)} ms, the next ${(performance.now() - t1).toFixed(0)} ms` +
  (process.env.MESA_SHADER_CACHE_DISABLE ? '' : ' (set MESA_SHADER_CACHE_DISABLE=true to see a fresh machine\'s compile)'));
device.destroy();
