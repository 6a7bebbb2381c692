/**
 * Reductions over dims (sum, mean, max) built on the one-axis `reduce` kernel: the tensor is viewed
 * as [outer, r, inner] per reduced dim. Also `sumTo`, which undoes broadcasting in backward rules.
 */
import type { ReduceOp } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { fmt, normDim, sameShape, sizeOf, type Shape } from '../shape.js';
import { kernelsOf, wrap } from './common.js';
import { div, eq, mul } from './elementwise.js';
import { expand } from './movement.js';

function normDims(op: string, x: Tensor, dim?: number | number[]): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(op, d, x.rank));
  if (new Set(dims).size !== dims.length) throw new Error(`storygrad: ${op}: repeated dim in [${dims.join(', ')}]`);
  return dims.sort((a, b) => b - a);
}

/** Reduces the given dims (keepdim shape) without autograd. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: number[]): Tensor {
  let cur = x;
  const k = kernelsOf(op, x);
  for (const d of dims) {
    const shape = cur.shape.slice();
    const outer = sizeOf(shape.slice(0, d));
    const r = shape[d]!;
    const inner = sizeOf(shape.slice(d + 1));
    shape[d] = 1;
    const next = wrap(x.backend, k.reduce(op, cur.storage, outer, r, inner, x.dtype), shape, x.dtype);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? x.shareAs(x.shape) : cur;
}

function squeezeDims(shape: Shape, dims: number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

function keepShape(shape: Shape, dims: number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** Sum over dims (all when omitted). */
export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dims = normDims('sum', x, dim);
  const kept = reduceRaw('sum', x, dims);
  const out = keepdim ? kept : reshapeRaw(kept, squeezeDims(x.shape, dims));
  return record(out, 'sum', [x], (g) => [expand(g.shareAs(keepShape(x.shape, dims)), x.shape)]);
}

/** Mean over dims (all when omitted). */
export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dims = normDims('mean', x, dim);
  const count = dims.reduce((n, d) => n * x.shape[d]!, 1);
  return div(sum(x, dims, keepdim), count);
}

/** Max over dims (all when omitted); the gradient is shared evenly among tied maxima. */
export function max(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dims = normDims('max', x, dim);
  if (dims.some((d) => x.shape[d] === 0)) throw new Error(`storygrad: max over an empty dim of ${x.describe()}`);
  const kept = reduceRaw('max', x, dims);
  const out = keepdim ? kept : reshapeRaw(kept, squeezeDims(x.shape, dims));
  return record(out, 'max', [x], (g) => {
    const ks = keepShape(x.shape, dims);
    const mask = eq(x, out.shareAs(ks));
    const count = reduceRaw('sum', mask, dims);
    return [mul(mask, div(g.shareAs(ks), count))];
  });
}

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new Error(`storygrad: internal: sumTo ${fmt(g.shape)} -> ${fmt(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const r = dims.length ? reduceRaw('sum', g, dims.sort((a, b) => b - a)) : g.shareAs(g.shape);
  const out = r.shareAs(shape);
  r.dispose();
  return out;
}

function reshapeRaw(x: Tensor, shape: number[]): Tensor {
  const out = x.shareAs(shape);
  x.dispose();
  return out;
}
