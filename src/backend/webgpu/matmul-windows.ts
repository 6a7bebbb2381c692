/**
 * A matmul whose operands or output exceed the binding limit (see webgpu-backend.ts), as blocks
 * over windows (windows.ts), each block one `matmulDispatch` (matmul.ts):
 *   - when every batch slice fits: windows of whole batch slices;
 *   - else each batch slice in blocks of (mc rows of the output, nc columns, kc of the reduction).
 *     An operand's window spans whole rows of its leading dimension, so the block shrinks the
 *     dimension that operand is stored along: op(a) [M, K] stored [M, K] -> mc, stored [K, M]
 *     (transA) -> kc; op(b) [K, N] stored [K, N] -> kc, stored [N, K] (transB) -> nc; the output
 *     [M, N] -> mc. Block sizes are rounded to keep window starts aligned where possible.
 *   - a block narrower than N writes a temporary [mc, nc] that the copy kernel places into the
 *     output (likewise the GELU input `pre`; the GELU-backward operand is gathered into one);
 *   - a reduction split into kc chunks (the weight gradient dYᵀ X over many rows, say) sums the
 *     chunks' f32 products in chunk order, then applies the epilogue in the split-K combine:
 *     deterministic, no atomics; equal to the unsplit product within f32 rounding of the regrouped
 *     sum. Blocks along M and N alone give the unsplit kernel's results.
 * Row sums of op(a) are not produced here (the caller reduces a).
 */
import type { MatmulFusedArgs } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import type { MatmulEpilogue } from '../matmul-fused-args.js';
import type { KernelContext } from './kernels.js';
import type { MatmulDispatch } from './matmul.js';
import { matmulCombine } from './matmul.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { alignedRowStep, binaryFlat, copyBlock, forRowChunks, readSlice, rowsOf, tooLarge, wholeOf, windowBudget, writeSlice, type RowOperand, type Slice } from './windows.js';

/** Block sizes of one batch slice: output rows, output columns, reduction length. */
export interface MatmulBlocks { mc: number; nc: number; kc: number }

/**
 * The largest blocks whose windows fit `E` elements (and, with the reduction split, whose f32
 * partial products fit `budget` bytes), rounded down to alignment steps where they fit.
 */
export function matmulBlocks(ctx: KernelContext, M: number, N: number, K: number, transA: boolean, transB: boolean, eb: number): MatmulBlocks {
  const budget = windowBudget(ctx);
  const E = Math.floor(budget / eb);
  let mc = M, nc = N, kc = K;
  // (major, minor, ld) of each window: span = (major - 1) * ld + minor.
  const fit = (major: number, minor: number, ld: number): [number, number] => {
    if ((major - 1) * ld + minor <= E) return [major, minor];
    if (minor <= E) return [Math.floor((E - minor) / ld) + 1, minor];
    return [1, E];
  };
  for (let pass = 0; pass < 8; pass++) {
    const before = `${mc},${nc},${kc}`;
    if (transA) [kc, mc] = fit(kc, mc, M);
    else [mc, kc] = fit(mc, kc, K);
    if (transB) [nc, kc] = fit(nc, kc, K);
    else [kc, nc] = fit(kc, nc, N);
    [mc, nc] = fit(mc, nc, N);
    if (kc < K && mc * nc * 4 > budget) {
      mc = Math.max(1, Math.floor(budget / (4 * nc)));
      if (mc * nc * 4 > budget) nc = Math.floor(budget / (4 * mc));
    }
    if (`${mc},${nc},${kc}` === before) break;
  }
  const round = (v: number, full: number, step: number): number => (v < full && v >= step ? v - (v % step) : v);
  const st = (elems: number): number => alignedRowStep(ctx, elems * eb);
  mc = round(mc, M, Math.max(st(transA ? 1 : K), st(N)));
  kc = round(kc, K, Math.max(st(transA ? M : 1), st(transB ? 1 : N)));
  nc = round(nc, N, Math.max(st(transB ? K : 1), st(1)));
  return { mc, nc, kc };
}

/** Runs `args` (whose storages exceed the limit) into `o` (and `pre`) in windows; see the file header. */
export function matmulInWindows(
  ctx: KernelContext, args: MatmulFusedArgs<GpuStorage>, epi: MatmulEpilogue, o: GpuStorage, pre: GpuStorage | null,
  dispatch: (d: MatmulDispatch) => GpuStorage | null,
): void {
  const { a, b, dtype, batch, M, N, K, transA, transB, aBatchStride: aBs, bBatchStride: bBs } = args;
  const bias = args.bias ?? null, h = args.geluGradOf ?? null;
  const eb = dtypeBytes(dtype);
  const E = Math.floor(windowBudget(ctx) / eb);
  const op = `matmul [${M}, ${K}] x [${K}, ${N}]${batch > 1 ? ` over ${batch} batches` : ''}${transA ? ', a transposed' : ''}${transB ? ', b transposed' : ''}`;
  if (bias && N > E) throw tooLarge(ctx, op, `the bias of ${N} elements is read whole`);
  const strides = { aMs: transA ? 1 : K, aKs: transA ? M : 1, bKs: transB ? 1 : N, bNs: transB ? K : 1 };
  const base = { dtype, epi, M, N, K, aBatchStride: aBs, bBatchStride: bBs, ...strides, rowSums: false };

  if (batch > 1 && Math.max(M * K, K * N, M * N) <= E && (aBs === 0 || aBs === M * K) && (bBs === 0 || bBs === K * N)) {
    // Windows of whole batch slices.
    const operand = (s: GpuStorage, stride: number, n: number, what: string): RowOperand =>
      stride === 0 ? wholeOf(s, n, dtype, what) : rowsOf(s, stride, dtype, 'read', what);
    const ops: RowOperand[] = [
      operand(a, aBs, M * K, 'a'), operand(b, bBs, K * N, 'b'), rowsOf(o, M * N, dtype, 'write', 'out'),
      ...(bias ? [operand(bias, 0, N, 'the bias')] : []),
      ...(pre ? [rowsOf(pre, M * N, dtype, 'write', 'pre')] : []),
      ...(h ? [operand(h, M * N, M * N, 'geluGradOf')] : []),
    ];
    forRowChunks(ctx, op, () => `[${batch}]`, batch, ops, (_z0, zc, [ab, bb, ob, ...epiBuffers]) =>
      dispatch({ ...base, a: ab!, b: bb!, out: ob!, epiBuffers, outType: dtype, batch: zc }));
    return;
  }

  const { mc, nc, kc } = matmulBlocks(ctx, M, N, K, transA, transB, eb);
  const spanA = (mr: number, kr: number): number => (transA ? (kr - 1) * M + mr : (mr - 1) * K + kr);
  const spanB = (kr: number, nr: number): number => (transB ? (nr - 1) * K + kr : (kr - 1) * N + nr);
  for (let z = 0; z < batch; z++) {
    const aBase = z * aBs, bBase = z * bBs, oBase = z * M * N;
    for (let m0 = 0; m0 < M; m0 += mc) {
      const mr = Math.min(mc, M - m0);
      for (let n0 = 0; n0 < N; n0 += nc) {
        const nr = Math.min(nc, N - n0);
        const whole = nr === N; // the block's output rows are one contiguous window
        const at = oBase + m0 * N + n0;
        const outT = whole ? writeSlice(ctx, o, at, mr * N, dtype) : placedTemp(ctx, o, at, N, mr, nr, dtype);
        const preT = pre ? (whole ? writeSlice(ctx, pre, at, mr * N, dtype) : placedTemp(ctx, pre, at, N, mr, nr, dtype)) : null;
        const hT = h ? (whole ? readSlice(ctx, h, at, mr * N, dtype) : gatheredTemp(ctx, h, at, N, mr, nr, dtype)) : null;
        const biasT = bias ? readSlice(ctx, bias, n0, nr, dtype) : null;
        const epiSlices = [biasT, preT, hT].filter((x): x is Slice => x !== null);
        const epiBuffers = epiSlices.map((x) => x.binding);
        const block = { ...base, batch: 1, aBatchStride: 0, bBatchStride: 0, M: mr, N: nr };
        if (kc >= K) {
          const aw = readSlice(ctx, a, aBase + m0 * strides.aMs, spanA(mr, K), dtype);
          const bw = readSlice(ctx, b, bBase + n0 * strides.bNs, spanB(K, nr), dtype);
          dispatch({ ...block, a: aw.binding, b: bw.binding, out: outT.binding, epiBuffers, outType: dtype });
          aw.finish();
          bw.finish();
        } else {
          // The reduction in chunks: f32 products summed in chunk order, then the epilogue.
          let acc: GpuStorage | null = null;
          for (let k0 = 0; k0 < K; k0 += kc) {
            const kr = Math.min(kc, K - k0);
            const aw = readSlice(ctx, a, aBase + m0 * strides.aMs + k0 * strides.aKs, spanA(mr, kr), dtype);
            const bw = readSlice(ctx, b, bBase + k0 * strides.bKs + n0 * strides.bNs, spanB(kr, nr), dtype);
            const part = ctx.pool.acquire(mr * nr * 4, 'kernel');
            dispatch({ ...block, K: kr, epi: 'none', a: aw.binding, b: bw.binding, out: storageBinding(part), epiBuffers: [], outType: 'f32' });
            aw.finish();
            bw.finish();
            if (!acc) {
              acc = part;
              continue;
            }
            const sum = ctx.pool.acquire(mr * nr * 4, 'kernel');
            binaryFlat(ctx, 'add', storageBinding(acc), storageBinding(part), storageBinding(sum), mr * nr, 'f32');
            ctx.pool.release(acc); // reusable by later kernel outputs only (pool.ts)
            ctx.pool.release(part);
            acc = sum;
          }
          matmulCombine(ctx, { part: storageBinding(acc!), out: outT.binding, epiBuffers, dtype, epi, total: mr * nr, mn: mr * nr, splits: 1, N: nr });
          ctx.pool.release(acc!);
        }
        for (const x of epiSlices) x.finish();
        outT.finish();
      }
    }
  }
}

/** A temporary [rows, cols] block that finish() copies into s at element `at` with row stride ld. */
function placedTemp(ctx: KernelContext, s: GpuStorage, at: number, ld: number, rows: number, cols: number, d: MatmulFusedArgs<GpuStorage>['dtype']): Slice {
  const t = ctx.pool.acquire(rows * cols * dtypeBytes(d), 'kernel');
  return {
    binding: storageBinding(t),
    finish: () => {
      copyBlock(ctx, t, 0, cols, s, at, ld, rows, cols, d);
      ctx.pool.release(t); // reusable by later kernel outputs only (pool.ts)
    },
  };
}

/** A temporary holding the [rows, cols] block of s at element `at` with row stride ld. */
function gatheredTemp(ctx: KernelContext, s: GpuStorage, at: number, ld: number, rows: number, cols: number, d: MatmulFusedArgs<GpuStorage>['dtype']): Slice {
  const t = ctx.pool.acquire(rows * cols * dtypeBytes(d), 'kernel');
  copyBlock(ctx, s, at, ld, t, 0, cols, rows, cols, d);
  return { binding: storageBinding(t), finish: () => ctx.pool.release(t) };
}
