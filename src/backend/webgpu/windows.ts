/**
 * Windows of storages larger than the binding limit (see the header of webgpu-backend.ts).
 *
 * A kernel may bind at most `ctx.maxBinding` bytes of a buffer, at an offset that is a multiple of
 * `ctx.align`. An op whose operand or output is larger runs as several dispatches, each binding a
 * window [start, start + bytes) of the large storages:
 *   - `forRowChunks` splits an op along its rows (an operand's row = `perRow` elements; elementwise
 *     ops use rows of one element) into chunks whose windows fit, preferring chunk sizes that keep
 *     every window start aligned;
 *   - `readSlice` / `writeSlice` bind one window: directly when its start is aligned, else through
 *     a temporary storage filled (read) or copied back (write) by the copy kernel, whose element
 *     offsets reach any position;
 *   - `copyRange` and `fillRange` are the contiguous copy and fill of any size.
 * The fast path (no operand larger than the limit) binds every storage whole, as before.
 */
import type { DType } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { grid1d } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { runKernel } from './dispatch.js';
import { shape8, strides8 } from './uniforms.js';

const U: readonly [number, BindingKind] = [0, 'uniform'];

/** Whether a storage is larger than the binding limit (it must be bound in windows). */
export function isLarge(ctx: KernelContext, s: GpuStorage): boolean {
  return s.bytes > ctx.maxBinding;
}

/** Bytes a window may span: the limit less one alignment unit (room to start a window aligned down). */
export function windowBudget(ctx: KernelContext): number {
  return Math.floor((ctx.maxBinding - ctx.align) / 4) * 4;
}

/** Largest power of two dividing x, capped at cap (a power of two); cap for x = 0. */
function pow2Factor(x: number, cap: number): number {
  let p = 1;
  while (p < cap && x % (p * 2) === 0) p *= 2;
  return p;
}

/** Smallest row count r > 0 for which r * rowBytes is a multiple of the alignment. */
export function alignedRowStep(ctx: KernelContext, rowBytes: number): number {
  return ctx.align / pow2Factor(rowBytes, ctx.align);
}

/** A binding of a whole storage that must fit the limit (the part of it that holds `elems` elements when larger). */
export function wholeBinding(ctx: KernelContext, s: GpuStorage, elems: number, d: DType, op: string, what: string): GPUBufferBinding {
  if (!isLarge(ctx, s)) return storageBinding(s);
  const bytes = Math.ceil((elems * dtypeBytes(d)) / 4) * 4;
  if (bytes > ctx.maxBinding) throw tooLarge(ctx, op, `${what} (${elems} ${d} elements) is read whole and cannot be split into windows`);
  return { buffer: s.buffer, offset: s.offset, size: bytes };
}

/** The error of an op that cannot be split into windows that fit. */
export function tooLarge(ctx: KernelContext, op: string, detail: string): Error {
  return new Error(`${ERR} ${op}: ${detail}; the storage binding limit is ${ctx.maxBinding} bytes (maxStorageBufferBindingSize or the backend's maxBindingBytes)`);
}

/** A bound window; `finish()` after the dispatches that use it (copies a written temporary back). */
export interface Slice {
  binding: GPUBufferBinding;
  finish(): void;
}

const noop = (): void => {};

/** The window of `n` elements of `s` from element `e0`, aligned: a direct binding. */
function directWindow(s: GpuStorage, e0: number, n: number, d: DType): GPUBufferBinding {
  const eb = dtypeBytes(d);
  return { buffer: s.buffer, offset: s.offset + e0 * eb, size: Math.max(4, Math.ceil((n * eb) / 4) * 4) };
}

/**
 * Elements [e0, e0 + n) of s as a binding for reading: the window itself when its start is
 * aligned, else a temporary copy of it.
 */
export function readSlice(ctx: KernelContext, s: GpuStorage, e0: number, n: number, d: DType): Slice {
  if ((s.offset + e0 * dtypeBytes(d)) % ctx.align === 0) return { binding: directWindow(s, e0, n, d), finish: noop };
  const t = ctx.pool.acquire(n * dtypeBytes(d), 'kernel');
  copyRange(ctx, s, e0, t, 0, n, d);
  return { binding: storageBinding(t), finish: () => ctx.pool.release(t) };
}

/**
 * Elements [e0, e0 + n) of s as a binding a kernel writes (every element of it): the window
 * itself when aligned, else a temporary that `finish()` copies into place. With `keep` the
 * temporary starts as a copy of the window (a kernel that reads and writes it in place).
 */
export function writeSlice(ctx: KernelContext, s: GpuStorage, e0: number, n: number, d: DType, keep = false): Slice {
  if ((s.offset + e0 * dtypeBytes(d)) % ctx.align === 0) return { binding: directWindow(s, e0, n, d), finish: noop };
  const t = ctx.pool.acquire(n * dtypeBytes(d), 'kernel');
  if (keep) copyRange(ctx, s, e0, t, 0, n, d);
  return {
    binding: storageBinding(t),
    finish: () => {
      copyRange(ctx, t, 0, s, e0, n, d);
      ctx.pool.release(t); // reusable by later kernel outputs only (pool.ts)
    },
  };
}

/**
 * A binding of `n` elements from element `e0` of s that starts at the aligned position at or
 * before e0, with `skip` = the elements before e0 in it (for kernels that take element offsets).
 */
export function alignedDown(ctx: KernelContext, s: GpuStorage, e0: number, n: number, d: DType): { binding: GPUBufferBinding; skip: number } {
  const eb = dtypeBytes(d);
  const at = s.offset + e0 * eb;
  const start = at - (at % ctx.align);
  return { binding: { buffer: s.buffer, offset: start, size: Math.max(4, Math.ceil((at - start + n * eb) / 4) * 4) }, skip: (at - start) / eb };
}

/** Elements per piece of a contiguous copy / fill: a multiple of 256 bytes within the budget. */
function pieceElems(ctx: KernelContext, eb: number): number {
  return Math.max(1, Math.floor(windowBudget(ctx) / 256) * (256 / eb));
}

/** dst[dstE0 + i] = src[srcE0 + i] for i < n (the copy kernel, in pieces that fit). src and dst are different storages. */
export function copyRange(ctx: KernelContext, src: GpuStorage, srcE0: number, dst: GpuStorage, dstE0: number, n: number, d: DType): void {
  const piece = pieceElems(ctx, dtypeBytes(d));
  for (let i = 0; i < n; i += piece) {
    const m = Math.min(piece, n - i);
    copyBlock(ctx, src, srcE0 + i, m, dst, dstE0 + i, m, 1, m, d);
  }
}

/**
 * dst[dstE0 + r * dstLd + c] = src[srcE0 + r * srcLd + c] for r < rows, c < cols: one dispatch of
 * the copy kernel (the caller makes sure both spans fit the window budget).
 */
export function copyBlock(
  ctx: KernelContext, src: GpuStorage, srcE0: number, srcLd: number, dst: GpuStorage, dstE0: number, dstLd: number,
  rows: number, cols: number, d: DType,
): void {
  if (rows * cols === 0) return;
  const flat = rows === 1 || (srcLd === cols && dstLd === cols);
  const shape = flat ? [rows * cols] : [rows, cols];
  const sw = alignedDown(ctx, src, srcE0, (rows - 1) * srcLd + cols, d);
  const dw = alignedDown(ctx, dst, dstE0, (rows - 1) * dstLd + cols, d);
  runKernel(
    ctx,
    { file: 'copy', include: ['strided'], subs: { ELEM: d }, f16: d === 'f16', overrides: { RANK: shape.length }, bindings: [U, [1, 'read'], [2, 'write']] },
    [rows * cols, shape.length, sw.skip, dw.skip, ...shape8(shape), ...strides8(flat ? [1] : [srcLd, 1]), ...strides8(flat ? [1] : [dstLd, 1])],
    [sw.binding, dw.binding],
    grid1d(rows * cols, 256, ctx.maxPerDim),
  );
}

/** out[i] = a[i] OP b[i] for i < n over contiguous bindings (the binary kernel; `op` its f_ / i_ function). */
export function binaryFlat(ctx: KernelContext, op: string, a: GPUBufferBinding, b: GPUBufferBinding, out: GPUBufferBinding, n: number, d: DType): void {
  runKernel(
    ctx,
    {
      file: 'binary', include: ['strided'], subs: { ELEM: d, CT: d === 'i32' ? 'i32' : 'f32', OP: `${d === 'i32' ? 'i' : 'f'}_${op}` }, f16: d === 'f16',
      overrides: { RANK: 1 }, bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']],
    },
    [n, 1, 0, 0, ...shape8([n]), ...strides8([1]), ...strides8([1])],
    [a, b, out],
    grid1d(n, 256, ctx.maxPerDim),
  );
}

/**
 * s[i] = the f32 / i32 bit pattern `bits` for i < n, in windows that fit. Zeros of a whole number
 * of 4-byte words are a `clearBuffer` command instead of a dispatch: on a software adapter a
 * dispatch costs about 0.2 ms of waking and joining worker threads even when its work is small.
 */
export function fillRange(ctx: KernelContext, s: GpuStorage, n: number, bits: number, d: DType): void {
  if (n === 0) return;
  const bytes = n * dtypeBytes(d);
  if (bits === 0 && bytes % 4 === 0) {
    ctx.batch.clear(s.buffer, s.offset, bytes);
    return;
  }
  const ct = d === 'i32' ? 'i32' : 'f32';
  forRowChunks(ctx, 'fill', () => `[${n}]`, n, [rowsOf(s, 1, d, 'write')], (_r0, rc, [b]) => {
    runKernel(
      ctx,
      { file: 'fill', subs: { ELEM: d, CT: ct }, f16: d === 'f16', bindings: [U, [1, 'write']] },
      [rc, bits, 0, 0],
      [b!],
      grid1d(rc, 256, ctx.maxPerDim),
    );
  });
}

/** An operand of an op split by rows (made by `rowsOf` / `wholeOf`, so every one has the same shape). */
export interface RowOperand {
  readonly s: GpuStorage;
  /** Elements per row (0: not split, bound whole; `elems` then says how many elements it holds). */
  readonly perRow: number;
  readonly dtype: DType;
  /** read, write (every element of each window written), or readwrite (updated in place). */
  readonly mode: 'read' | 'write' | 'readwrite';
  /** Elements of a whole operand (perRow 0). */
  readonly elems: number;
  /** Name in errors. */
  readonly what: string;
}

/** An operand split with the op's rows: `perRow` elements of dtype per row. */
export function rowsOf(s: GpuStorage, perRow: number, dtype: DType, mode: RowOperand['mode'] = 'read', what = 'an operand'): RowOperand {
  return { s, perRow, dtype, mode, elems: 0, what };
}

/** An operand every window binds whole (`elems` elements; it must fit the limit). */
export function wholeOf(s: GpuStorage, elems: number, dtype: DType, what: string): RowOperand {
  return { s, perRow: 0, dtype, mode: 'read', elems, what };
}

/**
 * Runs `body(r0, rc, bindings)` over rows [r0, r0 + rc) of a `rows`-row op, the bindings in the
 * order of `operands`. When no operand is larger than the limit: once, over every row, with every
 * storage bound whole (no cost beyond a size test). Otherwise over chunks of rows whose windows
 * fit (windowBudget), a multiple of the alignment step when one fits, so that windows start
 * aligned; misaligned windows go through temporaries (readSlice, writeSlice). `rowsPerChunk`
 * overrides the chunk size (a caller that needs chunks of whole blocks; it must fit).
 */
export function forRowChunks(
  ctx: KernelContext, op: string, shape: () => string, rows: number, operands: readonly RowOperand[],
  body: (r0: number, rc: number, bindings: GPUBufferBinding[]) => void,
  rowsPerChunk?: number,
): void {
  let large = false;
  const whole: GPUBufferBinding[] = [];
  for (const o of operands) {
    if (o.s.bytes > ctx.maxBinding) large = true;
    whole.push(storageBinding(o.s));
  }
  if (!large) {
    body(0, rows, whole);
    return;
  }
  const rc = rowsPerChunk ?? chunkRows(ctx, op, shape, rows, operands);
  for (let r0 = 0; r0 < rows; r0 += rc) {
    const n = Math.min(rc, rows - r0);
    const slices = operands.map((o): Slice => {
      if (o.perRow === 0) return { binding: wholeBinding(ctx, o.s, o.elems, o.dtype, op, o.what), finish: noop };
      const e0 = r0 * o.perRow, len = n * o.perRow;
      return o.mode === 'write' || o.mode === 'readwrite' ? writeSlice(ctx, o.s, e0, len, o.dtype, o.mode === 'readwrite') : readSlice(ctx, o.s, e0, len, o.dtype);
    });
    body(r0, n, slices.map((sl) => sl.binding));
    for (const sl of slices) sl.finish();
  }
}

/** Rows per chunk of forRowChunks (throws when one row of an operand exceeds the budget). */
export function chunkRows(ctx: KernelContext, op: string, shape: () => string, rows: number, operands: readonly RowOperand[]): number {
  const budget = windowBudget(ctx);
  let most = Math.max(rows, 1), step = 1;
  for (const o of operands) {
    if (o.perRow === 0) continue;
    const rowBytes = o.perRow * dtypeBytes(o.dtype);
    const fit = Math.floor(budget / rowBytes);
    if (fit < 1) throw tooLarge(ctx, op, `over ${shape()}, one row of ${o.what} is ${rowBytes} bytes, so no window of whole rows fits`);
    most = Math.min(most, fit);
    step = Math.max(step, alignedRowStep(ctx, rowBytes));
  }
  return most >= step ? most - (most % step) : most;
}
