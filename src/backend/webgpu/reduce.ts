/**
 * The `reduce` entry of the WebGPU kernel table (kernels/reduce.wgsl): sum / max over the middle
 * axis of x viewed as [outer, r, inner], with the variant choice, and its windows when x exceeds
 * the binding limit (windows.ts): windows of whole outer slices when one slice fits, else windows
 * of rows of the reduced axis (and blocks of columns when one row exceeds the limit too), whose
 * partial results are combined in order (deterministic; the partials are stored in the tensor's
 * dtype, so a split sum of f16 data rounds them to f16).
 */
import type { DType, Kernels, ReduceOp } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { grid1d, gridGroups } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { needBinding, outputStorage, runKernel } from './dispatch.js';
import { alignedRowStep, binaryFlat, chunkRows, copyBlock, forRowChunks, readSlice, rowsOf, windowBudget, writeSlice, type Slice } from './windows.js';

/**
 * Forces a kernel variant where the table picks one by shape and adapter ('auto'): tests use it to
 * cover every variant on every adapter, benchmarks to compare them.
 */
export const kernelVariants: { reduce: 'auto' | 'seq' | 'tree' } = { reduce: 'auto' };

const WG = 256;
const U: readonly [number, BindingKind] = [0, 'uniform'];

export function makeReduceKernel(ctx: KernelContext): Kernels<GpuStorage>['reduce'] {
  const ct = (d: DType): string => (d === 'i32' ? 'i32' : 'f32');

  /** One reduce dispatch of x [outer, r, inner] -> out [outer, inner] (bindings). */
  function dispatch(op: ReduceOp, xb: GPUBufferBinding, ob: GPUBufferBinding, outer: number, r: number, inner: number, dtype: DType): void {
    const nOut = outer * inner;
    const float = dtype !== 'i32';
    const subs = {
      ELEM: dtype,
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
      runKernel(
        ctx,
        { file: 'reduce', entry: 'reduce_seq', subs, f16: dtype === 'f16', overrides: { WG }, bindings: [U, [1, 'read'], [2, 'write']] },
        [outer, r, inner, nOut],
        [xb, ob],
        grid1d(nOut, WG, ctx.maxPerDim),
      );
    } else {
      const wg = r >= 2048 ? 256 : 64;
      runKernel(
        ctx,
        { file: 'reduce', entry: 'reduce_tree', subs, f16: dtype === 'f16', overrides: { WG: wg }, bindings: [U, [1, 'read'], [2, 'write']] },
        [outer, r, inner, nOut],
        [xb, ob],
        gridGroups(nOut, ctx.maxPerDim),
      );
    }
  }

  return function reduce(op, x, outer, r, inner, dtype) {
    ctx.check();
    if (dtype === 'f16' && !ctx.supportsF16) {
      throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
    }
    if (dtype !== 'f32' && dtype !== 'i32' && dtype !== 'f16') throw new Error(`${ERR} unknown dtype '${String(dtype)}'`);
    if (op !== 'sum' && op !== 'max') throw new Error(`${ERR} unknown reduce op '${op}'`);
    needBinding(x, outer * r * inner, dtype, `reduce ${op} input`);
    const nOut = outer * inner;
    const o = outputStorage(ctx, nOut, dtype);
    if (nOut === 0) return o;
    const what = `reduce ${op}`, shape = () => `[${outer}, ${r}, ${inner}] ${dtype}`;
    const budget = windowBudget(ctx);
    if (r * inner * dtypeBytes(dtype) <= budget || (x.bytes <= ctx.maxBinding && o.bytes <= ctx.maxBinding)) {
      // Whole storages, or windows of whole outer slices.
      const operands = [rowsOf(x, r * inner, dtype, 'read', 'the input'), rowsOf(o, inner, dtype, 'write', 'the output')];
      forRowChunks(ctx, what, shape, outer, operands, (_o0, oc, [xb, ob]) => dispatch(op, xb!, ob!, oc, r, inner, dtype));
      return o;
    }
    // One outer slice exceeds the limit: windows of rc rows of the reduced axis (and of jc columns
    // when a row exceeds it too, gathered into a temporary), partials combined in order.
    const E = Math.floor(budget / dtypeBytes(dtype));
    const jc = inner <= E ? inner : E - (E % Math.min(E, alignedRowStep(ctx, dtypeBytes(dtype))));
    const rc = jc === inner
      ? chunkRows(ctx, what, shape, r, [rowsOf(x, inner, dtype, 'read', 'the input')])
      : Math.floor((E - jc) / inner) + 1;
    for (let oi = 0; oi < outer; oi++) {
      for (let j0 = 0; j0 < inner; j0 += jc) {
        const cols = Math.min(jc, inner - j0);
        let acc: GpuStorage | null = null;
        for (let r0 = 0; r0 < r; r0 += rc) {
          const m = Math.min(rc, r - r0);
          const last = r0 + rc >= r;
          const at = (oi * r + r0) * inner + j0;
          let xs: Slice;
          if (cols === inner) xs = readSlice(ctx, x, at, m * inner, dtype);
          else {
            const t = outputStorage(ctx, m * cols, dtype);
            copyBlock(ctx, x, at, inner, t, 0, cols, m, cols, dtype);
            xs = { binding: storageBinding(t), finish: () => ctx.pool.release(t) };
          }
          // The last partial (or the only one) goes straight to the output when nothing is left to add.
          const dst = last ? writeSlice(ctx, o, oi * inner + j0, cols, dtype) : null;
          const part: GpuStorage | null = acc || !dst ? outputStorage(ctx, cols, dtype) : null;
          dispatch(op, xs.binding, part ? storageBinding(part) : dst!.binding, 1, m, cols, dtype);
          xs.finish();
          if (acc && part) {
            const next = dst ? null : outputStorage(ctx, cols, dtype);
            binaryFlat(ctx, op === 'sum' ? 'add' : 'max', storageBinding(acc), storageBinding(part), dst ? dst.binding : storageBinding(next!), cols, dtype);
            ctx.pool.release(acc); // reusable by later kernel outputs only (pool.ts)
            ctx.pool.release(part);
            acc = next;
          } else acc = part;
          dst?.finish();
        }
      }
    }
    return o;
  };
}
