/**
 * WebGPU matmul: variant selection and dispatch for the `matmul` entry of the kernel table
 * (`MatmulArgs`, ../backend.ts). The CPU reference is `matmul` in ../cpu/cpu-backend.ts.
 *
 * Variants (kernels/*.wgsl; all take shapes and strides in the uniform, transposes as strides,
 * batch stride 0 = broadcast, f32 or f16 storage with f32 accumulation):
 * - `tiled`  (matmul.wgsl): 64 x 64 workgroup tiles staged in workgroup memory, 8 x 8 threads with
 *   8 x 8 register micro-tiles, a barrier per 16-wide k step. The classic GPU kernel.
 * - `reg-sg` (matmul_reg_sg.wgsl): no workgroup memory, no barriers; each lane holds a 16 x 4
 *   register tile, A values are fetched once per subgroup and handed out with subgroupBroadcast.
 *   Needs the 'subgroups' feature with subgroups of at least 8 lanes.
 * - `reg`    (matmul_reg.wgsl): the same without subgroups (each lane loads its own A values).
 * Any of them can run split-K: the k range is cut into `splits` chunks, each slice writes f32
 * partials, and matmul_splitk.wgsl adds them in a fixed order (deterministic, no atomics).
 *
 * Selection rule (`planMatmul`), by adapter and shape:
 * - Software adapters (llvmpipe, lavapipe, SwiftShader: the adapter name says so): `reg-sg` when
 *   subgroups of >= 8 lanes exist, else `reg`. Measured on Mesa 25.0.7 llvmpipe (LLVM 15, AVX2,
 *   8-lane subgroups), 2 shared cores, CPU-time GFLOP/s (medians; wall clock was noisier; the
 *   wall-clock table with the peers, every variant and % of peak is in bench/RESULTS.md, "Matmul",
 *   where reg-sg beats tiled 2-9x on all 14 shapes):
 *     shape [M,K]x[K,N] x batch        tiled   reg-sg
 *     [1024,1024]x[1024,1024]          1.96    6.16
 *     [2048,64]x[64,256]               1.85    3.89-6.3
 *     [128,16]x[16,128] x 32           1.36    3.85-4.4
 *     [64,2048]x[2048,256]             1.55    5.22
 *   Why: llvmpipe runs 8 lanes in AVX2 registers, but performs every storage-buffer
 *   load lane by lane with a mask test and a bounds check (~15 instructions per lane), also for
 *   addresses that are the same in every lane once inside a loop; each barrier is a coroutine
 *   switch. So loads per FMA decide, and reg-sg issues 6 per-lane loads per 64 FMAs. A 32-row
 *   tile and vec4 B loads measured within the noise of the 16 x 4 tile; larger register tiles
 *   took 20+ s to compile. Split-K only when the grid has fewer than 8 workgroups and K >= 512
 *   (wall GFLOP/s, reg-sg, Aᵀ·B, splits 1 / 2 / 4 / 8 taking turns: [16,4096]x[4096,16] (1
 *   workgroup) 2.64 / 3.57 / 2.46 / 3.87; [32,8192]x[8192,32] (2) 7.62 / 10.46 / 9.20 / 9.15;
 *   [64,2048]x[2048,64] (8 workgroups) 12.04 / 9.23 / 9.81 / 9.16 — so no split there).
 * - Other adapters (real GPUs): `tiled`; split-K when the output has fewer than 32 workgroups and
 *   K >= 1024 (so that a [64, B*T] x [B*T, 64] weight gradient fills the GPU). Not measured here:
 *   no GPU was available; revisit with `bench/matmul.mjs` on one.
 * `forceMatmulPlan` overrides the rule (tests run every variant; benchmarks compare them).
 *
 * Fused tails (`matmulFused`): every variant stores through the epilogue of
 * kernels/matmul_epilogue.wgsl (bias, bias + GELU saving the GELU's input, GELU backward), applied
 * by matmul_splitk.wgsl when the k range is split. Row sums of op(a) (a bias gradient) come from
 * the reg-sg kernel itself when it runs unsplit; otherwise the caller (kernels.ts) reduces a.
 *
 * Operands above the binding limit: matmul-windows.ts runs the product in blocks over windows,
 * each block through `matmulDispatch`.
 */
import type { DType, MatmulArgs, MatmulFused, MatmulFusedArgs } from '../backend.js';
import { checkMatmulFused, type MatmulEpilogue } from '../matmul-fused-args.js';
import { dtypeBytes } from '../backend.js';
import { grid1d } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { checkFloatDtype, needBinding, runKernel } from './dispatch.js';
import { isLarge, windowBudget } from './windows.js';
import { matmulInWindows } from './matmul-windows.js';

/** A matmul kernel variant (see the file header). */
export type MatmulKernel = 'tiled' | 'reg' | 'reg-sg';

/** Which kernel runs a matmul and in how many k chunks. */
export interface MatmulPlan {
  kernel: MatmulKernel;
  /** Number of k chunks (1 = no split-K). */
  splits: number;
}

/** What the selection rule knows about the adapter. */
export interface AdapterProfile {
  /** Adapter description (device.ts `describeAdapter`). */
  name: string;
  /** A CPU implementation of WebGPU (device.ts: the fallback flag or a software rasterizer's name). */
  software: boolean;
  /** Whether the device was created with the 'subgroups' feature. */
  subgroups: boolean;
  /** Smallest subgroup size the adapter reports (0 when unknown). */
  subgroupMinSize: number;
}

/** Workgroup tile (rows, columns) of each kernel at its default override constants. */
const TILE: Record<MatmulKernel, { rows: number; cols: number }> = {
  tiled: { rows: 64, cols: 64 },
  reg: { rows: 16, cols: 32 },
  'reg-sg': { rows: 16, cols: 32 },
};
const REG_WG = 8;
/** Largest split-K partial buffer (and never above the binding limit). */
const PARTIAL_BYTES_MAX = 64 * 1024 * 1024;
const U: readonly [number, BindingKind] = [0, 'uniform'];

let forced: Partial<MatmulPlan> | null = null;

/**
 * Forces a kernel and/or split count for every following matmul on every WebGPU backend (tests,
 * benchmarks); `null` restores the selection rule. A forced `reg-sg` on an adapter that cannot run
 * it throws at dispatch.
 */
export function forceMatmulPlan(plan: Partial<MatmulPlan> | null): void {
  if (plan?.splits !== undefined && !(Number.isInteger(plan.splits) && plan.splits >= 1)) {
    throw new Error(`${ERR} forceMatmulPlan: splits must be a positive integer, got ${plan.splits}`);
  }
  forced = plan ? { ...plan } : null;
}

/** The plan `forceMatmulPlan` set (null: the selection rule decides). */
export function forcedMatmulPlan(): Readonly<Partial<MatmulPlan>> | null {
  return forced;
}

/** Whether an adapter is a CPU implementation of WebGPU (by its name). */
export function isSoftwareAdapter(name: string): boolean {
  return /llvmpipe|lavapipe|swiftshader|software/i.test(name);
}

/** Whether the adapter can run the `reg-sg` kernel. */
export function canUseSubgroupKernel(p: AdapterProfile): boolean {
  return p.subgroups && p.subgroupMinSize >= 8;
}

/** The selection rule of the file header, before any `forceMatmulPlan` override. */
export function planMatmul(p: AdapterProfile, batch: number, M: number, N: number, K: number): MatmulPlan {
  const software = p.software;
  const kernel: MatmulKernel = software ? (canUseSubgroupKernel(p) ? 'reg-sg' : 'reg') : 'tiled';
  const t = TILE[kernel];
  const groups = batch * Math.ceil(M / t.rows) * Math.ceil(N / t.cols);
  let splits = 1;
  if (software) {
    // A few fat workgroups cannot keep llvmpipe's threads (one per core) busy.
    if (groups < 8 && K >= 512) splits = Math.min(Math.ceil(8 / groups), Math.floor(K / 256));
  } else if (groups < 32 && K >= 1024) {
    splits = Math.min(32, Math.ceil(128 / groups), Math.floor(K / 256));
  }
  return { kernel, splits: Math.max(1, splits) };
}

/** Runs `args` on the GPU with the planned (or forced) variant; returns the [batch, M, N] output. */
export function webgpuMatmul(ctx: KernelContext, profile: AdapterProfile, args: MatmulArgs<GpuStorage>): GpuStorage {
  return webgpuMatmulFused(ctx, profile, args).out;
}

/** Bindings (after a, b, out) and storages of an epilogue (kernels/matmul_epilogue.wgsl). */
function epilogueBindings(epi: MatmulEpilogue): Array<readonly [number, BindingKind]> {
  return [
    ...(epi === 'bias' || epi === 'bias_gelu' ? [[5, 'read'] as const] : []),
    ...(epi === 'bias_gelu' || epi === 'gelu' ? [[6, 'write'] as const] : []),
    ...(epi === 'gelu_grad' ? [[7, 'read'] as const] : []),
  ];
}

/**
 * `matmulFused` on the GPU: the planned (or forced) variant with the epilogue in its stores (or in
 * the split-K combine). rowSums is null in the result when the kernel could not produce them
 * (another variant, split-K, or windows): the caller computes them then. When a storage exceeds
 * the binding limit the product runs in blocks over windows (matmul-windows.ts).
 */
export function webgpuMatmulFused(ctx: KernelContext, profile: AdapterProfile, args: MatmulFusedArgs<GpuStorage>): MatmulFused<GpuStorage> {
  const { a, b, dtype, batch, M, N, K, transA, transB, aBatchStride, bBatchStride } = args;
  ctx.check();
  if (dtype === 'i32') throw new Error(`${ERR} matmul is defined for f32 and f16 only`);
  checkFloatDtype(ctx, dtype, 'matmul');
  for (const [k, v] of Object.entries({ batch, M, N, K, aBatchStride, bBatchStride })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${ERR} matmul: ${k} must be a non-negative integer, got ${v}`);
  }
  const epi = checkMatmulFused(ERR, args);
  const aLen = batch > 0 && M * K > 0 ? (batch - 1) * aBatchStride + M * K : 0;
  const bLen = batch > 0 && K * N > 0 ? (batch - 1) * bBatchStride + K * N : 0;
  needBinding(a, aLen, dtype, 'matmul a');
  needBinding(b, bLen, dtype, 'matmul b');
  const nOut = batch * M * N;
  if (args.bias) needBinding(args.bias, N, dtype, 'matmulFused bias');
  const pre = epi === 'bias_gelu' || epi === 'gelu' ? ctx.pool.acquire(nOut * dtypeBytes(dtype), 'kernel') : null;
  if (args.geluGradOf) needBinding(args.geluGradOf, nOut, dtype, 'matmulFused geluGradOf');
  const o = ctx.pool.acquire(nOut * dtypeBytes(dtype), 'kernel');
  if (nOut === 0) return { out: o, pre, rowSums: null };
  const epiStorages = [args.bias, pre, args.geluGradOf].filter((s): s is GpuStorage => !!s);
  if ([a, b, o, ...epiStorages].some((s) => isLarge(ctx, s))) {
    matmulInWindows(ctx, args, epi, o, pre, (p) => matmulDispatch(ctx, profile, p));
    return { out: o, pre, rowSums: null };
  }
  // The epilogue's storages, in binding order 5 (bias), 6 (pre), 7 (h).
  const rowSums = matmulDispatch(ctx, profile, {
    a: storageBinding(a), b: storageBinding(b), out: storageBinding(o), epiBuffers: epiStorages.map(storageBinding),
    dtype, outType: dtype, epi, batch, M, N, K, aBatchStride, bBatchStride,
    aMs: transA ? 1 : K, aKs: transA ? M : 1, bKs: transB ? 1 : N, bNs: transB ? K : 1, rowSums: !!args.rowSums,
  });
  return { out: o, pre, rowSums };
}

/** One matmul on bindings: what `matmulDispatch` runs (strides in elements, as in the kernels). */
export interface MatmulDispatch {
  a: GPUBufferBinding;
  b: GPUBufferBinding;
  /** [batch, M, N] of outType. */
  out: GPUBufferBinding;
  /** The epilogue's bindings in binding order: bias [N], pre [batch, M, N], h [batch, M, N] (those it uses). */
  epiBuffers: GPUBufferBinding[];
  dtype: DType;
  /** dtype, or f32 for raw partial products (epilogue 'none'). */
  outType: DType;
  epi: MatmulEpilogue;
  batch: number; M: number; N: number; K: number;
  aBatchStride: number; bBatchStride: number;
  aMs: number; aKs: number; bKs: number; bNs: number;
  /** Ask the kernel for the row sums of op(a) (returned when the variant that runs gives them). */
  rowSums: boolean;
}

/**
 * Records one matmul with the planned (or forced) variant, split-K partials combined in a fixed
 * order. Returns the row sums of op(a) when asked for and the variant produced them, else null.
 */
export function matmulDispatch(ctx: KernelContext, profile: AdapterProfile, d: MatmulDispatch): GpuStorage | null {
  const { dtype, epi, batch, M, N, K } = d;
  const nOut = batch * M * N;
  const plan = { ...planMatmul(profile, batch, M, N, K), ...(forced ?? {}) };
  if (plan.kernel === 'reg-sg' && !canUseSubgroupKernel(profile)) {
    throw new Error(`${ERR} matmul variant 'reg-sg' needs the 'subgroups' feature with subgroups of >= 8 lanes`);
  }
  // K = 0 runs one slice that writes zeros; the f32 partials must fit one binding (64 MiB cap).
  const partialMax = Math.min(PARTIAL_BYTES_MAX, windowBudget(ctx));
  let splits = Math.max(1, Math.min(plan.splits, K));
  while (splits > 1 && batch * splits * M * N * 4 > partialMax) splits--;
  const kChunk = splits > 1 ? Math.ceil(K / splits) : Math.max(K, 1);
  const slices = batch * splits;
  const t = TILE[plan.kernel];
  const gx = Math.ceil(N / t.cols);
  const gy = Math.ceil(M / t.rows);
  if (gx > ctx.maxPerDim || gy > ctx.maxPerDim) throw new Error(`${ERR} matmul of ${M}x${N} exceeds the dispatch grid limit`);

  const split = splits > 1;
  const rowSums = d.rowSums && plan.kernel === 'reg-sg' && !split ? ctx.pool.acquire(M * dtypeBytes(dtype), 'kernel') : null;
  const outType = split ? 'f32' : d.outType;
  const target = split ? ctx.pool.acquire(slices * M * N * 4, 'kernel') : null;
  const sliceEpi: MatmulEpilogue = split ? 'none' : epi;
  const spec: KernelSpec = {
    file: plan.kernel === 'tiled' ? 'matmul' : plan.kernel === 'reg' ? 'matmul_reg' : 'matmul_reg_sg',
    include: plan.kernel === 'tiled' ? ['matmul_common', 'matmul_epilogue'] : plan.kernel === 'reg' ? ['matmul_common', 'matmul_reg_tile', 'matmul_epilogue'] : ['matmul_common', 'matmul_reg_tile', 'matmul_sg_step', 'matmul_epilogue'],
    subs: { ELEM: dtype, OUT: outType, EPI: `epi_${sliceEpi}`, ...(plan.kernel === 'reg-sg' ? { ROWSUM: String(!!rowSums), SA_STORE: rowSums ? 'sa_store' : 'sa_skip' } : {}) },
    f16: dtype === 'f16',
    subgroups: plan.kernel === 'reg-sg',
    ...(plan.kernel === 'tiled' ? {} : { overrides: { WG: REG_WG } }),
    bindings: [U, [1, 'read'], [2, 'read'], [3, 'write'], ...epilogueBindings(sliceEpi), ...(rowSums ? [[8, 'write'] as const] : [])],
  };
  const targetBinding = target ? storageBinding(target) : d.out;
  const sliceBuffers = [d.a, d.b, targetBinding, ...(split ? [] : d.epiBuffers), ...(rowSums ? [storageBinding(rowSums)] : [])];
  for (let base = 0; base < slices; base += ctx.maxPerDim) {
    const nz = Math.min(ctx.maxPerDim, slices - base);
    runKernel(ctx, spec, [M, N, K, base, d.aBatchStride, d.bBatchStride, d.aMs, d.aKs, d.bKs, d.bNs, splits, kChunk], sliceBuffers, [gx, gy, nz]);
  }
  if (target) {
    matmulCombine(ctx, { part: targetBinding, out: d.out, epiBuffers: d.epiBuffers, dtype: d.outType, epi, total: nOut, mn: M * N, splits, N });
    ctx.pool.release(target); // reusable by later kernel outputs only (pool.ts)
  }
  return rowSums;
}

/**
 * out[batch, i] = EPI(sum over s < splits of part[batch * splits + s, i]) (matmul_splitk.wgsl):
 * split-K partials summed in increasing s, through the epilogue; `dtype` is the output's.
 */
export function matmulCombine(
  ctx: KernelContext,
  c: { part: GPUBufferBinding; out: GPUBufferBinding; epiBuffers: GPUBufferBinding[]; dtype: DType; epi: MatmulEpilogue; total: number; mn: number; splits: number; N: number },
): void {
  runKernel(
    ctx,
    {
      file: 'matmul_splitk', include: ['matmul_epilogue'], subs: { ELEM: c.dtype, EPI: `epi_${c.epi}` }, f16: c.dtype === 'f16',
      bindings: [U, [1, 'read'], [2, 'write'], ...epilogueBindings(c.epi)],
    },
    [c.total, c.mn, c.splits, c.N],
    [c.part, c.out, ...c.epiBuffers],
    grid1d(c.total, 256, ctx.maxPerDim),
  );
}
