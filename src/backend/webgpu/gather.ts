/**
 * The row gather and its backward in the WebGPU kernel table: `gatherRows` (embedding lookup,
 * kernels/gather_rows.wgsl) and `scatterAddRows` (its deterministic backward,
 * kernels/scatter_add_rows.wgsl), with their windows for storages above the binding limit
 * (windows.ts):
 *   gatherRows      output rows in windows (with their ids); a larger table in windows of table
 *                   rows, each writing the outputs whose id falls in it ('window' entry).
 *   scatterAddRows  the result (a table gradient) in windows of table rows, each accumulating the
 *                   ids that fall in it (the kernel's row0). The gradient and the ids are read
 *                   whole: a gradient above the limit throws.
 * Every output element is written by exactly one dispatch with the same arithmetic as the
 * unsplit kernel: results are identical.
 */
import type { DType, Kernels } from '../backend.js';
import { grid1d } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import type { GpuStorage } from './pool.js';
import { checkFloatDtype, needBinding, outputStorage, runKernel } from './dispatch.js';
import { chunkRows, fillRange, forRowChunks, isLarge, readSlice, rowsOf, wholeBinding, wholeOf } from './windows.js';

const WG = 256;
const U: readonly [number, BindingKind] = [0, 'uniform'];

export function makeGatherKernels(ctx: KernelContext): Pick<Kernels<GpuStorage>, 'gatherRows' | 'scatterAddRows'> {
  const grid = (n: number) => grid1d(n, WG, ctx.maxPerDim);

  function checkDtype(d: DType, op: string): void {
    if (d === 'i32') return;
    checkFloatDtype(ctx, d, op);
  }

  return {
    gatherRows(table, idx, nIdx, rows, rowLen, dtype) {
      ctx.check();
      checkDtype(dtype, 'gatherRows');
      needBinding(table, rows * rowLen, dtype, 'gatherRows table');
      needBinding(idx, nIdx, 'i32', 'gatherRows idx');
      const total = nIdx * rowLen;
      const o = outputStorage(ctx, total, dtype);
      if (total === 0) return o;
      const op = 'gatherRows', shape = () => `[${rows}, ${rowLen}] ${dtype} table, ${nIdx} ids`;
      const spec = (entry: string): KernelSpec => ({
        file: 'gather_rows', entry, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
      });
      if (!isLarge(ctx, table)) {
        const operands = [
          wholeOf(table, rows * rowLen, dtype, 'the table'),
          rowsOf(idx, 1, 'i32', 'read', 'the ids'),
          rowsOf(o, rowLen, dtype, 'write', 'the output'),
        ];
        forRowChunks(ctx, op, shape, nIdx, operands, (_n0, nc, bs) => runKernel(ctx, spec('main'), [nc * rowLen, rowLen, rows, 0], bs, grid(nc * rowLen)));
        return o;
      }
      // A table above the limit: zeros (ids outside the table), then each window of table rows.
      fillRange(ctx, o, total, 0, dtype);
      const tc = chunkRows(ctx, op, shape, rows, [rowsOf(table, rowLen, dtype, 'read', 'the table')]);
      for (let r0 = 0; r0 < rows; r0 += tc) {
        const rc = Math.min(tc, rows - r0);
        const tw = readSlice(ctx, table, r0 * rowLen, rc * rowLen, dtype);
        const operands = [rowsOf(idx, 1, 'i32', 'read', 'the ids'), rowsOf(o, rowLen, dtype, 'readwrite', 'the output')];
        forRowChunks(ctx, op, shape, nIdx, operands, (_n0, nc, [ib, ob]) =>
          runKernel(ctx, spec('window'), [nc * rowLen, rowLen, rc, r0], [tw.binding, ib!, ob!], grid(nc * rowLen)));
        tw.finish();
      }
      return o;
    },

    scatterAddRows(grad, idx, nIdx, rows, rowLen, dtype) {
      ctx.check();
      checkDtype(dtype, 'scatterAddRows');
      if (dtype === 'i32') throw new Error(`${ERR} scatterAddRows is defined for f32 and f16 only`);
      needBinding(grad, nIdx * rowLen, dtype, 'scatterAddRows grad');
      needBinding(idx, nIdx, 'i32', 'scatterAddRows idx');
      const o = outputStorage(ctx, rows * rowLen, dtype);
      fillRange(ctx, o, rows * rowLen, 0, dtype);
      const total = nIdx * rowLen;
      if (total === 0 || rows * rowLen === 0) return o;
      const op = 'scatterAddRows', shape = () => `[${rows}, ${rowLen}] ${dtype} result, ${nIdx} ids`;
      const gb = wholeBinding(ctx, grad, total, dtype, op, 'the gradient');
      const ib = wholeBinding(ctx, idx, nIdx, 'i32', op, 'the ids');
      const links = ctx.pool.acquire(2 * nIdx * 4, 'kernel');
      const lb = wholeBinding(ctx, links, 2 * nIdx, 'i32', op, 'the id links');
      const subs = { ELEM: dtype };
      runKernel(
        ctx,
        { file: 'scatter_add_rows', entry: 'link', subs, f16: dtype === 'f16', bindings: [U, [2, 'read'], [3, 'write']] },
        [nIdx, rowLen, rows, total, 0, 0, 0, 0],
        [ib, lb],
        grid(nIdx),
      );
      const accumulate: KernelSpec = {
        file: 'scatter_add_rows', entry: 'accumulate', subs, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [4, 'read'], [5, 'write']],
      };
      // Rows of the result in windows when it exceeds the limit (in place: rows without ids stay zero).
      forRowChunks(ctx, op, shape, rows, [rowsOf(o, rowLen, dtype, 'readwrite', 'the result')], (r0, rc, [ob]) =>
        runKernel(ctx, accumulate, [nIdx, rowLen, rc, total, r0, 0, 0, 0], [gb, ib, lb, ob!], grid(total)));
      ctx.pool.release(links); // reusable by later kernel outputs only (pool.ts)
      return o;
    },
  };
}
