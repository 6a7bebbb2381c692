/**
 * The WebGPU implementation of the primitive kernel table (`Kernels<GpuStorage>`, see
 * ../backend.ts): argument checks, uniform packing, pipeline choice and dispatch geometry for each
 * kernel in kernels/*.wgsl. Every kernel returns a fresh pooled storage (copy writes into dst).
 */
import type {
  BinaryArgs, BinaryOp, CopyArgs, DType, Kernels, MatmulArgs, MatmulFusedArgs, RandKind, ReduceOp, UnaryOp, WhereArgs,
} from '../backend.js';
import { grid1d, gridGroups, type CommandBatcher } from './batcher.js';
import { ERR } from './errors.js';
import { roundHalf } from './f16.js';
import type { BindingKind, KernelSpec, PipelineCache } from './pipelines.js';
import type { BufferPool, GpuStorage } from './pool.js';
import { collapseAxes, numel } from './shapes.js';
import { f32Bits, shape8, strides8, type UniformArena } from './uniforms.js';
import { webgpuMatmul, webgpuMatmulFused, type AdapterProfile } from './matmul.js';
import { makeFusedKernels } from './fused-kernels.js';
import { aliasingProblem, liveBinding, needBinding, outputStorage, runKernel } from './dispatch.js';
import { makeAttentionKernels } from './attention.js';

/** What the kernel table needs from the backend. */
export interface KernelContext {
  pool: BufferPool;
  pipes: PipelineCache;
  batch: CommandBatcher;
  uniforms: UniformArena;
  maxPerDim: number;
  supportsF16: boolean;
  /** A CPU-emulated adapter (device.ts): kernel variants are chosen differently there. */
  software: boolean;
  /** Adapter facts for the matmul variant selection (matmul.ts). */
  adapter: AdapterProfile;
  /** Throws pending device errors (device loss, uncaptured errors). */
  check(): void;
}

const WG = 256;

/**
 * Forces a kernel variant where the table picks one by shape and adapter ('auto'): tests use it to
 * cover every variant on every adapter, benchmarks to compare them.
 */
export const kernelVariants: { reduce: 'auto' | 'seq' | 'tree' } = { reduce: 'auto' };
const INT_UNARY: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'square']);
const INT_BINARY: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne']);
const UNARY_OPS: ReadonlySet<UnaryOp> = new Set([
  'neg', 'abs', 'sign', 'square', 'exp', 'log', 'sqrt', 'rsqrt', 'recip', 'tanh', 'sigmoid', 'relu', 'gelu', 'sin', 'cos',
]);
const BINARY_OPS: ReadonlySet<BinaryOp> = new Set([...INT_BINARY, 'pow', 'geluGrad', 'reluGrad']);

const U: readonly [number, BindingKind] = [0, 'uniform'];

export function makeWebGPUKernels(ctx: KernelContext): Kernels<GpuStorage> {
  const wgsl = (d: DType): string => d; // WGSL scalar type names equal the dtype names
  const ct = (d: DType): string => (d === 'i32' ? 'i32' : 'f32');

  function checkDtype(d: DType): void {
    if (d === 'f16' && !ctx.supportsF16) {
      throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
    }
    if (d !== 'f32' && d !== 'i32' && d !== 'f16') throw new Error(`${ERR} unknown dtype '${String(d)}'`);
  }

  const live = liveBinding;
  const need = needBinding;
  const out = (n: number, d: DType): GpuStorage => outputStorage(ctx, n, d);
  const run = (spec: KernelSpec, uniform: number[], buffers: GPUBufferBinding[], groups: readonly [number, number, number]): void =>
    runKernel(ctx, spec, uniform, buffers, groups);

  const grid = (n: number) => grid1d(n, WG, ctx.maxPerDim);

  /** Largest index an operand reaches under (shape, strides, offset): its required length. */
  function extent(shape: readonly number[], strides: readonly number[], offset = 0): number {
    if (numel(shape) === 0) return 0;
    let hi = offset;
    let lo = offset;
    shape.forEach((n, d) => {
      const s = strides[d] ?? 0;
      if (s > 0) hi += s * (n - 1);
      else lo += s * (n - 1);
    });
    if (lo < 0) throw new Error(`${ERR} strided access reaches a negative index (${lo})`);
    return hi + 1;
  }

  function checkRank(shape: readonly number[], ...strides: (readonly number[])[]): void {
    if (shape.length > 8) throw new Error(`${ERR} rank ${shape.length} exceeds 8`);
    for (const s of strides) {
      if (s.length !== shape.length) throw new Error(`${ERR} strides of rank ${s.length} for a shape of rank ${shape.length}`);
    }
  }

  const table: Kernels<GpuStorage> = {
    ...makeFusedKernels(ctx),
    unary(op: UnaryOp, x, n, dtype) {
      ctx.check();
      checkDtype(dtype);
      if (!UNARY_OPS.has(op)) throw new Error(`${ERR} unknown unary op '${op}'`);
      if (dtype === 'i32' && !INT_UNARY.has(op)) throw new Error(`${ERR} unary '${op}' is not defined for i32`);
      const xb = need(x, n, dtype, `unary ${op} input`);
      const o = out(n, dtype);
      if (n === 0) return o;
      run(
        {
          file: 'unary',
          subs: { ELEM: wgsl(dtype), CT: ct(dtype), OP: `${dtype === 'i32' ? 'i' : 'f'}_${op}` },
          f16: dtype === 'f16',
          bindings: [U, [1, 'read'], [2, 'write']],
        },
        [n, 0, 0, 0],
        [xb, live(o, 'out')],
        grid(n),
      );
      return o;
    },

    binary({ op, a, b, dtype, outShape, aStrides, bStrides }: BinaryArgs<GpuStorage>) {
      ctx.check();
      checkDtype(dtype);
      if (!BINARY_OPS.has(op)) throw new Error(`${ERR} unknown binary op '${op}'`);
      if (dtype === 'i32' && !INT_BINARY.has(op)) throw new Error(`${ERR} binary '${op}' is not defined for i32`);
      checkRank(outShape, aStrides, bStrides);
      const n = numel(outShape);
      const ab = need(a, extent(outShape, aStrides), dtype, `binary ${op} a`);
      const bb = need(b, extent(outShape, bStrides), dtype, `binary ${op} b`);
      const o = out(n, dtype);
      if (n === 0) return o;
      const c = collapseAxes(outShape, [aStrides, bStrides]);
      run(
        {
          file: 'binary',
          include: ['strided'],
          subs: { ELEM: wgsl(dtype), CT: ct(dtype), OP: `${dtype === 'i32' ? 'i' : 'f'}_${op}` },
          f16: dtype === 'f16',
          overrides: { RANK: c.shape.length },
          bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
        },
        [n, c.shape.length, 0, 0, ...shape8(c.shape), ...strides8(c.strides[0]!), ...strides8(c.strides[1]!)],
        [ab, bb, live(o, 'out')],
        grid(n),
      );
      return o;
    },

    where({ cond, condDtype, condStrides, a, aStrides, b, bStrides, dtype, outShape }: WhereArgs<GpuStorage>) {
      ctx.check();
      checkDtype(dtype);
      checkDtype(condDtype);
      checkRank(outShape, condStrides, aStrides, bStrides);
      const n = numel(outShape);
      const cb = need(cond, extent(outShape, condStrides), condDtype, 'where cond');
      const ab = need(a, extent(outShape, aStrides), dtype, 'where a');
      const bb = need(b, extent(outShape, bStrides), dtype, 'where b');
      const o = out(n, dtype);
      if (n === 0) return o;
      const c = collapseAxes(outShape, [condStrides, aStrides, bStrides]);
      run(
        {
          file: 'where',
          subs: { ELEM: wgsl(dtype), COND: wgsl(condDtype) },
          f16: dtype === 'f16' || condDtype === 'f16',
          overrides: { RANK: c.shape.length },
          bindings: [U, [1, 'read'], [2, 'read'], [3, 'read'], [4, 'write']],
        },
        [n, c.shape.length, 0, 0, ...shape8(c.shape), ...strides8(c.strides[0]!), ...strides8(c.strides[1]!), ...strides8(c.strides[2]!)],
        [cb, ab, bb, live(o, 'out')],
        grid(n),
      );
      return o;
    },

    reduce(op: ReduceOp, x, outer, r, inner, dtype) {
      ctx.check();
      checkDtype(dtype);
      if (op !== 'sum' && op !== 'max') throw new Error(`${ERR} unknown reduce op '${op}'`);
      const xb = need(x, outer * r * inner, dtype, `reduce ${op} input`);
      const nOut = outer * inner;
      const o = out(nOut, dtype);
      if (nOut === 0) return o;
      const float = dtype !== 'i32';
      const subs = {
        ELEM: wgsl(dtype),
        CT: ct(dtype),
        OP: op === 'sum' ? 'red_sum' : float ? 'red_max_f' : 'red_max_i',
        IDENT: op === 'sum' ? 'ident_zero' : float ? 'ident_max_f' : 'ident_max_i',
      };
      // One thread per output looping over r in order, or one workgroup per output with a tree
      // reduction. Measured on llvmpipe (2 cores, profiler): the sequential loop wins on every
      // shape except a lone output of a very long axis ([1024 rows, 64] 0.20 vs 4.1 ms; [4096,
      // 128] 0.75 vs 13 ms; [1, 1024, 512] 0.66 vs 5.3 ms; [1, 65536, 1] 0.38 vs 0.26 ms), since
      // barriers serialise the SIMD lanes there. Real GPUs need the tree when outputs are few.
      const auto = ctx.software ? !(nOut < 8 && r >= 16384) : r <= 32 || (inner >= 16 && nOut >= 2048);
      const seq = kernelVariants.reduce === 'auto' ? auto : kernelVariants.reduce === 'seq';
      if (seq) {
        run(
          { file: 'reduce', entry: 'reduce_seq', subs, f16: dtype === 'f16', overrides: { WG }, bindings: [U, [1, 'read'], [2, 'write']] },
          [outer, r, inner, nOut],
          [xb, live(o, 'out')],
          grid(nOut),
        );
      } else {
        const wg = r >= 2048 ? 256 : 64;
        run(
          { file: 'reduce', entry: 'reduce_tree', subs, f16: dtype === 'f16', overrides: { WG: wg }, bindings: [U, [1, 'read'], [2, 'write']] },
          [outer, r, inner, nOut],
          [xb, live(o, 'out')],
          gridGroups(nOut, ctx.maxPerDim),
        );
      }
      return o;
    },

    matmul: (args: MatmulArgs<GpuStorage>) => webgpuMatmul(ctx, ctx.adapter, args),

    matmulFused(args: MatmulFusedArgs<GpuStorage>) {
      const r = webgpuMatmulFused(ctx, ctx.adapter, args);
      if (args.rowSums && !r.rowSums) {
        // The variant that ran has no row-sum pass: reduce op(a) over k (batch is 1).
        const { M, K } = args;
        r.rowSums = args.transA ? table.reduce('sum', args.a, 1, K, M, args.dtype) : table.reduce('sum', args.a, M, K, 1, args.dtype);
      }
      return r;
    },

    copy({ src, dst, dtype, shape, srcOffset, srcStrides, dstOffset, dstStrides }: CopyArgs<GpuStorage>) {
      ctx.check();
      checkDtype(dtype);
      checkRank(shape, srcStrides, dstStrides);
      const n = numel(shape);
      const sb = need(src, extent(shape, srcStrides, srcOffset), dtype, 'copy src');
      const db = need(dst, extent(shape, dstStrides, dstOffset), dtype, 'copy dst');
      if (n === 0) return;
      const problem = aliasingProblem([dst], [src]);
      if (problem) throw new Error(`${ERR} copy: src and dst must be different storages (${problem})`);
      const c = collapseAxes(shape, [srcStrides, dstStrides]);
      run(
        { file: 'copy', include: ['strided'], subs: { ELEM: wgsl(dtype) }, f16: dtype === 'f16', overrides: { RANK: c.shape.length }, bindings: [U, [1, 'read'], [2, 'write']] },
        [n, c.shape.length, srcOffset, dstOffset, ...shape8(c.shape), ...strides8(c.strides[0]!), ...strides8(c.strides[1]!)],
        [sb, db],
        grid(n),
      );
    },

    gatherRows(table, idx, nIdx, rows, rowLen, dtype) {
      ctx.check();
      checkDtype(dtype);
      const tb = need(table, rows * rowLen, dtype, 'gatherRows table');
      const ib = need(idx, nIdx, 'i32', 'gatherRows idx');
      const total = nIdx * rowLen;
      const o = out(total, dtype);
      if (total === 0) return o;
      run(
        { file: 'gather_rows', subs: { ELEM: wgsl(dtype) }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']] },
        [total, rowLen, rows, 0],
        [tb, ib, live(o, 'out')],
        grid(total),
      );
      return o;
    },

    scatterAddRows(grad, idx, nIdx, rows, rowLen, dtype) {
      ctx.check();
      checkDtype(dtype);
      if (dtype === 'i32') throw new Error(`${ERR} scatterAddRows is defined for f32 and f16 only`);
      const gb = need(grad, nIdx * rowLen, dtype, 'scatterAddRows grad');
      const ib = need(idx, nIdx, 'i32', 'scatterAddRows idx');
      const o = fillStorage(rows * rowLen, 0, dtype);
      const total = nIdx * rowLen;
      if (total === 0 || rows * rowLen === 0) return o;
      const links = ctx.pool.acquire(2 * nIdx * 4, 'kernel');
      const params = [nIdx, rowLen, rows, total];
      const subs = { ELEM: wgsl(dtype) };
      run(
        { file: 'scatter_add_rows', entry: 'link', subs, f16: dtype === 'f16', bindings: [U, [2, 'read'], [3, 'write']] },
        params,
        [ib, live(links, 'links')],
        grid(nIdx),
      );
      run(
        {
          file: 'scatter_add_rows',
          entry: 'accumulate',
          subs,
          f16: dtype === 'f16',
          bindings: [U, [1, 'read'], [2, 'read'], [4, 'read'], [5, 'write']],
        },
        params,
        [gb, ib, live(links, 'links'), live(o, 'out')],
        grid(total),
      );
      ctx.pool.release(links); // reusable by later kernel outputs only (pool.ts)
      return o;
    },

    pick(x, idx, n, c, dtype) {
      ctx.check();
      checkDtype(dtype);
      const xb = need(x, n * c, dtype, 'pick x');
      const ib = need(idx, n, 'i32', 'pick idx');
      const o = out(n, dtype);
      if (n === 0) return o;
      run(
        { file: 'pick', entry: 'pick', subs: { ELEM: wgsl(dtype) }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']] },
        [n, c, n, 0],
        [xb, ib, live(o, 'out')],
        grid(n),
      );
      return o;
    },

    pickBackward(g, idx, n, c, dtype) {
      ctx.check();
      checkDtype(dtype);
      const gb = need(g, n, dtype, 'pickBackward g');
      const ib = need(idx, n, 'i32', 'pickBackward idx');
      const total = n * c;
      const o = out(total, dtype);
      if (total === 0) return o;
      run(
        {
          file: 'pick',
          entry: 'pick_backward',
          subs: { ELEM: wgsl(dtype) },
          f16: dtype === 'f16',
          bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
        },
        [n, c, total, 0],
        [gb, ib, live(o, 'out')],
        grid(total),
      );
      return o;
    },

    rand(kind: RandKind, n, seed, offset) {
      ctx.check();
      if (kind !== 'uniform' && kind !== 'normal') throw new Error(`${ERR} unknown rand kind '${kind}'`);
      const o = out(n, 'f32');
      if (n === 0) return o;
      run(
        { file: 'rand', entry: `rand_${kind}`, bindings: [U, [1, 'write']] },
        [n, seed >>> 0, offset >>> 0, 0],
        [live(o, 'out')],
        grid(n),
      );
      return o;
    },

    cast(x, n, from, to) {
      ctx.check();
      checkDtype(from);
      checkDtype(to);
      const xb = need(x, n, from, 'cast input');
      const o = out(n, to);
      if (n === 0) return o;
      const anyHalf = from === 'f16' || to === 'f16';
      run(
        {
          file: 'cast',
          subs: { IN: wgsl(from), OUT: wgsl(to), VIA: anyHalf ? 'f32' : wgsl(to) },
          f16: anyHalf,
          bindings: [U, [1, 'read'], [2, 'write']],
        },
        [n, 0, 0, 0],
        [xb, live(o, 'out')],
        grid(n),
      );
      return o;
    },

    fill(n, value, dtype) {
      ctx.check();
      checkDtype(dtype);
      return fillStorage(n, value, dtype);
    },

    ...makeAttentionKernels(ctx),
  };
  return table;

  function fillStorage(n: number, value: number, dtype: DType): GpuStorage {
    const o = out(n, dtype);
    if (n === 0) return o;
    const bits = dtype === 'i32' ? value | 0 : f32Bits(dtype === 'f16' ? roundHalf(value) : value);
    run(
      { file: 'fill', subs: { ELEM: wgsl(dtype), CT: ct(dtype) }, f16: dtype === 'f16', bindings: [U, [1, 'write']] },
      [n, bits, 0, 0],
      [live(o, 'out')],
      grid(n),
    );
    return o;
  }
}
