/**
 * Movement ops. Storage is always contiguous: reshape shares storage, everything else (permute,
 * transpose, slice, expand, concat) is one strided `copy` kernel per input.
 */
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { broadcastShapes, broadcastStrides, checkShape, contiguousStrides, fmt, normDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { backendOf, wrap } from './common.js';
import { sumTo } from './reduce.js';

/** Reshape (shares storage). One dim may be -1. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const infer = shape.indexOf(-1);
  const known = sizeOf(shape.filter((_, i) => i !== infer));
  const full = shape.slice();
  if (infer >= 0) {
    if (shape.lastIndexOf(-1) !== infer || known === 0 || x.size % known !== 0) {
      throw new Error(`storygrad: reshape: cannot reshape ${x.describe()} to ${fmt(shape)}`);
    }
    full[infer] = x.size / known;
  }
  checkShape('reshape', full);
  if (sizeOf(full) !== x.size) {
    throw new Error(`storygrad: reshape: cannot reshape ${x.describe()} (${x.size} elements) to ${fmt(shape)}`);
  }
  const out = x.shareAs(full);
  return record(out, 'reshape', [x], (g) => [g.shareAs(x.shape)]);
}

/** Copies x viewed through (shape, strides, offset) into a new contiguous tensor. */
function gatherView(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const b = backendOf('copy', x);
  const dst = b.empty(sizeOf(shape), x.dtype); // the copy writes every element
  if (sizeOf(shape) > 0) {
    b.kernels.copy({
      src: x.storage, dst, dtype: x.dtype, shape,
      srcOffset: offset, srcStrides: strides, dstOffset: 0, dstStrides: contiguousStrides(shape),
    });
  }
  return wrap(b, dst, shape, x.dtype);
}

/** Reorders dims: out.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, dims: number[]): Tensor {
  if (dims.length !== x.rank) throw new Error(`storygrad: permute: ${dims.length} dims given for ${x.describe()}`);
  const d = dims.map((v) => normDim('permute', v, x.rank));
  if (new Set(d).size !== d.length) throw new Error(`storygrad: permute: [${dims.join(', ')}] is not a permutation`);
  const strides = contiguousStrides(x.shape);
  const out = gatherView(x, d.map((i) => x.shape[i]!), d.map((i) => strides[i]!), 0);
  const inverse = new Array<number>(d.length);
  d.forEach((v, i) => (inverse[v] = i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const d = x.shape.map((_, i) => i);
  const a = normDim('transpose', dim0, x.rank), b = normDim('transpose', dim1, x.rank);
  [d[a], d[b]] = [d[b]!, d[a]!];
  return permute(x, d);
}

/** Elements start..end-1 along dim (negative indices count from the end; clamped like Python). */
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  const d = normDim('slice', dim, x.rank);
  const n = x.shape[d]!;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start), e = Math.max(clamp(end ?? n), s);
  const shape = x.shape.slice();
  shape[d] = e - s;
  const strides = contiguousStrides(x.shape);
  const out = gatherView(x, shape, strides, s * strides[d]!);
  return record(out, 'slice', [x], (g) => [padInto(g, x.shape, d, s)]);
}

/** A zero tensor of `shape` with g written at offset `start` along dim. */
function padInto(g: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const b = backendOf('slice', g);
  const dst = b.kernels.fill(sizeOf(shape), 0, g.dtype);
  const strides = contiguousStrides(shape);
  if (g.size > 0) {
    b.kernels.copy({
      src: g.storage, dst, dtype: g.dtype, shape: g.shape.slice(),
      srcOffset: 0, srcStrides: contiguousStrides(g.shape),
      dstOffset: start * strides[dim]!, dstStrides: strides,
    });
  }
  return wrap(b, dst, shape, g.dtype);
}

/** Broadcasts x to `shape` (a copy). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((v, i) => (v === -1 ? x.shape[i - (shape.length - x.rank)]! : v));
  if (sameShape(x.shape, target)) return record(x.shareAs(target), 'expand', [x], (g) => [g]);
  const b = broadcastShapes('expand', x.shape, target);
  if (!sameShape(b, target)) throw new Error(`storygrad: expand: cannot expand ${x.describe()} to ${fmt(shape)}`);
  checkShape('expand', target);
  const out = gatherView(x, target, broadcastStrides(x.shape, target), 0);
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** Inserts a size-1 dim. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.rank + 1);
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Removes one size-1 dim, or all of them when dim is omitted. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((v) => v !== 1));
  const d = normDim('squeeze', dim, x.rank);
  if (x.shape[d] !== 1) return reshape(x, x.shape.slice());
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/** Joins tensors along an existing dim. */
export function concat(xs: Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new Error('storygrad: concat needs at least one tensor');
  const first = xs[0]!;
  const d = normDim('concat', dim, first.rank);
  for (const t of xs) {
    if (t.dtype !== first.dtype || t.rank !== first.rank || t.shape.some((v, i) => i !== d && v !== first.shape[i])) {
      throw new Error(`storygrad: concat along dim ${dim}: ${t.describe()} does not match ${first.describe()}`);
    }
  }
  const b = backendOf('concat', ...xs);
  const shape = first.shape.slice();
  shape[d] = xs.reduce((n, t) => n + t.shape[d]!, 0);
  const dst = b.empty(sizeOf(shape), first.dtype); // the inputs' copies cover every element
  const strides = contiguousStrides(shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of xs) {
    starts.push(at);
    if (t.size > 0) {
      b.kernels.copy({
        src: t.storage, dst, dtype: t.dtype, shape: t.shape.slice(),
        srcOffset: 0, srcStrides: contiguousStrides(t.shape), dstOffset: at * strides[d]!, dstStrides: strides,
      });
    }
    at += t.shape[d]!;
  }
  const out = wrap(b, dst, shape, first.dtype);
  return record(out, 'concat', xs, (g) => xs.map((t, i) => (t.requiresGrad ? slice(g, d, starts[i]!, starts[i]! + t.shape[d]!) : null)));
}

/** Stacks same-shaped tensors along a new dim. */
export function stack(xs: Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new Error('storygrad: stack needs at least one tensor');
  const d = normDim('stack', dim, xs[0]!.rank + 1);
  return concat(xs.map((t) => unsqueeze(t, d)), d);
}
