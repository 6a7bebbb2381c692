/**
 * Splitting the strided kernels (binary, where, copy: one thread per element of an index space,
 * each operand addressed by its strides) into pieces whose operand windows fit the binding limit
 * (see windows.ts). `planStrided` cuts the (collapsed) index space along its outermost axis into
 * runs of whole slices; when one slice of that axis is still too large for some operand, it takes
 * the slices one at a time and cuts the next axis, and so on. Each piece has the same strides and a
 * base element per operand; its window for operand k is the elements it reaches,
 * [base_k + lo_k, base_k + hi_k].
 */
import type { DType } from '../backend.js';
import { contiguousStrides } from '../../shape.js';
import { dtypeBytes } from '../backend.js';
import type { KernelContext } from './kernels.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { alignedRowStep, readSlice, tooLarge, windowBudget, writeSlice } from './windows.js';

/** An operand of a strided kernel: its strides over the index space and the element of index 0. */
export interface StridedOperand {
  strides: readonly number[];
  base: number;
  dtype: DType;
}

/** One dispatch of a split strided kernel: its index space and each operand's element of index 0. */
export interface StridedPiece {
  shape: number[];
  /** Strides per operand, restricted to the piece's axes. */
  strides: number[][];
  bases: number[];
}

/** Lowest and highest element offsets (relative to index 0) of `shape` under `strides`. */
export function reach(shape: readonly number[], strides: readonly number[]): { lo: number; hi: number } {
  let lo = 0, hi = 0;
  shape.forEach((n, d) => {
    const s = strides[d] ?? 0;
    if (s > 0) hi += s * (n - 1);
    else lo += s * (n - 1);
  });
  return { lo, hi };
}

/**
 * Pieces of the index space `shape` (no zero-sized axis) whose windows fit the budget for every
 * operand. One piece, the whole space, when everything fits.
 */
export function planStrided(ctx: KernelContext, op: string, shape: readonly number[], operands: readonly StridedOperand[]): StridedPiece[] {
  const budget = windowBudget(ctx);
  const pieces: StridedPiece[] = [];
  const spanBytes = (sh: readonly number[], st: readonly number[], d: DType): number => {
    const r = reach(sh, st);
    return (r.hi - r.lo + 1) * dtypeBytes(d);
  };
  const rec = (sh: number[], strides: number[][], bases: number[]): void => {
    if (operands.every((o, k) => spanBytes(sh, strides[k]!, o.dtype) <= budget)) {
      pieces.push({ shape: sh, strides, bases });
      return;
    }
    const n0 = sh[0]!, rest = sh.slice(1);
    const restStrides = strides.map((s) => s.slice(1));
    let most = n0, step = 1;
    operands.forEach((o, k) => {
      const eb = dtypeBytes(o.dtype);
      const slice = spanBytes(rest, restStrides[k]!, o.dtype);
      const s0 = Math.abs(strides[k]![0]!);
      if (slice > budget) most = 0;
      else if (s0 > 0) {
        most = Math.min(most, Math.floor((budget - slice) / (s0 * eb)) + 1);
        step = Math.max(step, alignedRowStep(ctx, s0 * eb));
      }
    });
    if (most >= 1) {
      const rc = most >= step ? most - (most % step) : most;
      for (let i = 0; i < n0; i += rc) {
        pieces.push({ shape: [Math.min(rc, n0 - i), ...rest], strides, bases: bases.map((b, k) => b + i * strides[k]![0]!) });
      }
      return;
    }
    if (rest.length === 0) throw tooLarge(ctx, op, `one element does not fit`); // unreachable: an element is 4 bytes
    for (let i = 0; i < n0; i++) rec(rest, restStrides, bases.map((b, k) => b + i * strides[k]![0]!));
  };
  if (shape.some((n) => n === 0)) return [];
  rec(shape.slice(), operands.map((o) => o.strides.slice()), operands.map((o) => o.base));
  return pieces;
}

/** An input of an elementwise strided kernel (binary, where). */
export interface StridedInput {
  s: GpuStorage;
  strides: readonly number[];
  dtype: DType;
}

/**
 * Runs an elementwise strided kernel over `shape` with a contiguous output `out`:
 * `body(shape, strides, bindings)` with the inputs' bindings then the output's. Once with whole
 * storages when none is larger than the limit, else once per piece (planStrided) with windows
 * (strides relative to the window start).
 */
export function runStridedPieces(
  ctx: KernelContext, op: string, shape: readonly number[], inputs: readonly StridedInput[], out: GpuStorage, outDtype: DType,
  body: (shape: readonly number[], strides: readonly (readonly number[])[], bindings: GPUBufferBinding[]) => void,
): void {
  let large = out.bytes > ctx.maxBinding;
  for (const i of inputs) if (i.s.bytes > ctx.maxBinding) large = true;
  if (!large) {
    const bindings = inputs.map((i) => storageBinding(i.s));
    bindings.push(storageBinding(out));
    body(shape, inputs.map((i) => i.strides), bindings);
    return;
  }
  const contiguous = contiguousStrides(shape);
  const all: StridedOperand[] = [...inputs.map((i) => ({ strides: i.strides, base: 0, dtype: i.dtype })), { strides: contiguous, base: 0, dtype: outDtype }];
  for (const i of inputs) {
    if (i.strides.some((s) => s < 0)) throw tooLarge(ctx, op, `over [${shape.join(', ')}] with negative strides is not split into windows`);
  }
  for (const p of planStrided(ctx, op, shape, all)) {
    const slices = inputs.map((inp, k) => readSlice(ctx, inp.s, p.bases[k]!, reach(p.shape, p.strides[k]!).hi + 1, inp.dtype));
    const n = p.shape.reduce((a, b) => a * b, 1);
    const o = writeSlice(ctx, out, p.bases[inputs.length]!, n, outDtype);
    body(p.shape, p.strides.slice(0, inputs.length), [...slices.map((s) => s.binding), o.binding]);
    for (const s of slices) s.finish();
    o.finish();
  }
}
