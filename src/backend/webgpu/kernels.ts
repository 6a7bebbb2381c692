/**
 * The WebGPU implementation of the primitive kernel table (`Kernels<GpuStorage>`, see
 * ../backend.ts): argument checks, uniform packing, pipeline choice and dispatch geometry for each
 * kernel in kernels/*.wgsl. Every kernel returns a fresh pooled storage (copy writes into dst).
 * Elementwise kernels run in windows of rows (windows.ts) and the strided ones (binary, where,
 * copy) in pieces (strided-windows.ts) when a storage exceeds the binding limit; reduce.ts,
 * gather.ts, matmul-windows.ts, fused-kernels.ts and attention.ts do the same for theirs.
 */
import type {
  BinaryArgs, BinaryOp, CopyArgs, DType, Kernels, MatmulArgs, MatmulFusedArgs, RandKind, UnaryOp, WhereArgs,
} from '../backend.js';
import { grid1d, type CommandBatcher } from './batcher.js';
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
import { alignedDown, fillRange, forRowChunks, isLarge, rowsOf } from './windows.js';
import { planStrided, reach, runStridedPieces } from './strided-windows.js';
import { makeReduceKernel } from './reduce.js';
import { makeGatherKernels } from './gather.js';
import { makeLinearGroupKernels } from './linear-group.js';

/** What the kernel table needs from the backend. */
export interface KernelContext {
  pool: BufferPool;
  pipes: PipelineCache;
  batch: CommandBatcher;
  uniforms: UniformArena;
  maxPerDim: number;
  /**
   * Largest storage binding in bytes: the device's maxStorageBufferBindingSize, or the lower
   * `maxBindingBytes` of the backend options. Larger storages are bound in windows (windows.ts).
   */
  maxBinding: number;
  /** Byte alignment of binding offsets (minStorageBufferOffsetAlignment, or a stricter option). */
  align: number;
  supportsF16: boolean;
  /** A CPU-emulated adapter (device.ts): kernel variants are chosen differently there. */
  software: boolean;
  /** Adapter facts for the matmul variant selection (matmul.ts). */
  adapter: AdapterProfile;
  /** Throws pending device errors (device loss, uncaptured errors). */
  check(): void;
}

const WG = 256;

export { kernelVariants } from './reduce.js';
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
    ...makeLinearGroupKernels(ctx, { matmul: (a) => table.matmul(a), binary: (a) => table.binary(a), free: (s) => ctx.pool.release(s) }),
    unary(op: UnaryOp, x, n, dtype) {
      ctx.check();
      checkDtype(dtype);
      if (!UNARY_OPS.has(op)) throw new Error(`${ERR} unknown unary op '${op}'`);
      if (dtype === 'i32' && !INT_UNARY.has(op)) throw new Error(`${ERR} unary '${op}' is not defined for i32`);
      need(x, n, dtype, `unary ${op} input`);
      const o = out(n, dtype);
      if (n === 0) return o;
      const spec: KernelSpec = {
        file: 'unary',
        subs: { ELEM: wgsl(dtype), CT: ct(dtype), OP: `${dtype === 'i32' ? 'i' : 'f'}_${op}` },
        f16: dtype === 'f16',
        bindings: [U, [1, 'read'], [2, 'write']],
      };
      forRowChunks(ctx, 'unary', () => `[${n}]`, n, [rowsOf(x, 1, dtype), rowsOf(o, 1, dtype, 'write')], (_e0, m, bs) =>
        run(spec, [m, 0, 0, 0], bs, grid(m)));
      return o;
    },

    binary({ op, a, b, dtype, outShape, aStrides, bStrides }: BinaryArgs<GpuStorage>) {
      ctx.check();
      checkDtype(dtype);
      if (!BINARY_OPS.has(op)) throw new Error(`${ERR} unknown binary op '${op}'`);
      if (dtype === 'i32' && !INT_BINARY.has(op)) throw new Error(`${ERR} binary '${op}' is not defined for i32`);
      checkRank(outShape, aStrides, bStrides);
      const n = numel(outShape);
      need(a, extent(outShape, aStrides), dtype, `binary ${op} a`);
      need(b, extent(outShape, bStrides), dtype, `binary ${op} b`);
      const o = out(n, dtype);
      if (n === 0) return o;
      const c = collapseAxes(outShape, [aStrides, bStrides]);
      const inputs = [{ s: a, strides: c.strides[0]!, dtype }, { s: b, strides: c.strides[1]!, dtype }];
      runStridedPieces(ctx, `binary ${op}`, c.shape, inputs, o, dtype, (sh, st, bs) => {
        const m = numel(sh);
        run(
          {
            file: 'binary',
            include: ['strided'],
            subs: { ELEM: wgsl(dtype), CT: ct(dtype), OP: `${dtype === 'i32' ? 'i' : 'f'}_${op}` },
            f16: dtype === 'f16',
            overrides: { RANK: sh.length },
            bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
          },
          [m, sh.length, 0, 0, ...shape8(sh), ...strides8(st[0]!), ...strides8(st[1]!)],
          bs,
          grid(m),
        );
      });
      return o;
    },

    where({ cond, condDtype, condStrides, a, aStrides, b, bStrides, dtype, outShape }: WhereArgs<GpuStorage>) {
      ctx.check();
      checkDtype(dtype);
      checkDtype(condDtype);
      checkRank(outShape, condStrides, aStrides, bStrides);
      const n = numel(outShape);
      need(cond, extent(outShape, condStrides), condDtype, 'where cond');
      need(a, extent(outShape, aStrides), dtype, 'where a');
      need(b, extent(outShape, bStrides), dtype, 'where b');
      const o = out(n, dtype);
      if (n === 0) return o;
      const c = collapseAxes(outShape, [condStrides, aStrides, bStrides]);
      const inputs = [
        { s: cond, strides: c.strides[0]!, dtype: condDtype }, { s: a, strides: c.strides[1]!, dtype }, { s: b, strides: c.strides[2]!, dtype },
      ];
      runStridedPieces(ctx, 'where', c.shape, inputs, o, dtype, (sh, st, bs) => {
        const m = numel(sh);
        run(
          {
            file: 'where',
            subs: { ELEM: wgsl(dtype), COND: wgsl(condDtype) },
            f16: dtype === 'f16' || condDtype === 'f16',
            overrides: { RANK: sh.length },
            bindings: [U, [1, 'read'], [2, 'read'], [3, 'read'], [4, 'write']],
          },
          [m, sh.length, 0, 0, ...shape8(sh), ...strides8(st[0]!), ...strides8(st[1]!), ...strides8(st[2]!)],
          bs,
          grid(m),
        );
      });
      return o;
    },

    reduce: makeReduceKernel(ctx),

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
      need(src, extent(shape, srcStrides, srcOffset), dtype, 'copy src');
      need(dst, extent(shape, dstStrides, dstOffset), dtype, 'copy dst');
      if (n === 0) return;
      const problem = aliasingProblem([dst], [src]);
      if (problem) throw new Error(`${ERR} copy: src and dst must be different storages (${problem})`);
      const c = collapseAxes(shape, [srcStrides, dstStrides]);
      const spec = (rank: number): KernelSpec => ({
        file: 'copy', include: ['strided'], subs: { ELEM: wgsl(dtype) }, f16: dtype === 'f16', overrides: { RANK: rank }, bindings: [U, [1, 'read'], [2, 'write']],
      });
      if (!isLarge(ctx, src) && !isLarge(ctx, dst)) {
        run(
          spec(c.shape.length),
          [n, c.shape.length, srcOffset, dstOffset, ...shape8(c.shape), ...strides8(c.strides[0]!), ...strides8(c.strides[1]!)],
          [live(src, 'copy src'), live(dst, 'copy dst')],
          grid(n),
        );
        return;
      }
      // Windows of the reached ranges, started at the aligned position below; the kernel's element
      // offsets skip to each piece's first element.
      const operands = [{ strides: c.strides[0]!, base: srcOffset, dtype }, { strides: c.strides[1]!, base: dstOffset, dtype }];
      for (const p of planStrided(ctx, 'copy', c.shape, operands)) {
        const rs = reach(p.shape, p.strides[0]!), rd = reach(p.shape, p.strides[1]!);
        const sw = alignedDown(ctx, src, p.bases[0]! + rs.lo, rs.hi - rs.lo + 1, dtype);
        const dw = alignedDown(ctx, dst, p.bases[1]! + rd.lo, rd.hi - rd.lo + 1, dtype);
        const m = numel(p.shape);
        run(
          spec(p.shape.length),
          [m, p.shape.length, sw.skip - rs.lo, dw.skip - rd.lo, ...shape8(p.shape), ...strides8(p.strides[0]!), ...strides8(p.strides[1]!)],
          [sw.binding, dw.binding],
          grid(m),
        );
      }
    },

    ...makeGatherKernels(ctx),

    pick(x, idx, n, c, dtype) {
      ctx.check();
      checkDtype(dtype);
      need(x, n * c, dtype, 'pick x');
      need(idx, n, 'i32', 'pick idx');
      const o = out(n, dtype);
      if (n === 0) return o;
      const operands = [rowsOf(x, c, dtype, 'read', 'x'), rowsOf(idx, 1, 'i32'), rowsOf(o, 1, dtype, 'write')];
      forRowChunks(ctx, 'pick', () => `[${n}, ${c}]`, n, operands, (_r0, m, bs) => run(
        { file: 'pick', entry: 'pick', subs: { ELEM: wgsl(dtype) }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']] },
        [m, c, m, 0],
        bs,
        grid(m),
      ));
      return o;
    },

    pickBackward(g, idx, n, c, dtype) {
      ctx.check();
      checkDtype(dtype);
      need(g, n, dtype, 'pickBackward g');
      need(idx, n, 'i32', 'pickBackward idx');
      const total = n * c;
      const o = out(total, dtype);
      if (total === 0) return o;
      const operands = [rowsOf(g, 1, dtype), rowsOf(idx, 1, 'i32'), rowsOf(o, c, dtype, 'write', 'out')];
      forRowChunks(ctx, 'pickBackward', () => `[${n}, ${c}]`, n, operands, (_r0, m, bs) => run(
        {
          file: 'pick',
          entry: 'pick_backward',
          subs: { ELEM: wgsl(dtype) },
          f16: dtype === 'f16',
          bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
        },
        [m, c, m * c, 0],
        bs,
        grid(m * c),
      ));
      return o;
    },

    rand(kind: RandKind, n, seed, offset) {
      ctx.check();
      if (kind !== 'uniform' && kind !== 'normal') throw new Error(`${ERR} unknown rand kind '${kind}'`);
      const o = out(n, 'f32');
      if (n === 0) return o;
      forRowChunks(ctx, 'rand', () => `[${n}]`, n, [rowsOf(o, 1, 'f32', 'write')], (e0, m, bs) => run(
        { file: 'rand', entry: `rand_${kind}`, bindings: [U, [1, 'write']] },
        [m, seed >>> 0, (offset + e0) >>> 0, 0],
        bs,
        grid(m),
      ));
      return o;
    },

    cast(x, n, from, to) {
      ctx.check();
      checkDtype(from);
      checkDtype(to);
      need(x, n, from, 'cast input');
      const o = out(n, to);
      if (n === 0) return o;
      const anyHalf = from === 'f16' || to === 'f16';
      const spec: KernelSpec = {
        file: 'cast',
        subs: { IN: wgsl(from), OUT: wgsl(to), VIA: anyHalf ? 'f32' : wgsl(to) },
        f16: anyHalf,
        bindings: [U, [1, 'read'], [2, 'write']],
      };
      forRowChunks(ctx, 'cast', () => `[${n}]`, n, [rowsOf(x, 1, from), rowsOf(o, 1, to, 'write')], (_e0, m, bs) =>
        run(spec, [m, 0, 0, 0], bs, grid(m)));
      return o;
    },

    fill(n, value, dtype) {
      ctx.check();
      checkDtype(dtype);
      const o = out(n, dtype);
      fillRange(ctx, o, n, fillBits(value, dtype), dtype);
      return o;
    },

    ...makeAttentionKernels(ctx),
  };
  return table;
}

/** The bit pattern the fill kernel stores for `value` in dtype d. */
function fillBits(value: number, d: DType): number {
  return d === 'i32' ? value | 0 : f32Bits(d === 'f16' ? roundHalf(value) : value);
}
