/**
 * Elementwise ops: unary math, broadcasting binary arithmetic and comparisons, where, cast.
 * Each op states its backward rule in terms of other ops; broadcast gradients are summed back
 * to the input's shape with `sumTo`.
 */
import type { BinaryOp, DType, UnaryOp } from '../backend/backend.js';
import { isFloat } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { kernelsOf, lift, requireFloat, requireSameDtype, wrap } from './common.js';
import { sumTo } from './reduce.js';

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const k = kernelsOf(op, x);
  return wrap(x.backend, k.unary(op, x.storage, x.size, x.dtype), x.shape, x.dtype);
}

function unaryOp(op: UnaryOp, x: Tensor, grad: (x: Tensor, out: Tensor, g: Tensor) => Tensor, intOk = false): Tensor {
  if (!intOk) requireFloat(op, x);
  const out = unaryRaw(op, x);
  return record(out, op, [x], (g) => [grad(x, out, g)]);
}

/** Broadcasting binary kernel without autograd. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  requireSameDtype(op, a, b);
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const k = kernelsOf(op, a, b);
  const s = k.binary({
    op, a: a.storage, b: b.storage, dtype: a.dtype, outShape,
    aStrides: broadcastStrides(a.shape, outShape), bStrides: broadcastStrides(b.shape, outShape),
  });
  return wrap(a.backend, s, outShape, a.dtype);
}

function binaryOp(
  op: BinaryOp, x: TensorLike, y: TensorLike,
  grad: (a: Tensor, b: Tensor, out: Tensor, g: Tensor) => [Tensor | null, Tensor | null],
): Tensor {
  const [a, b] = operands(x, y);
  const out = binaryRaw(op, a, b);
  return record(out, op, [a, b], (g) => {
    const [ga, gb] = grad(a, b, out, g);
    return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
  });
}

function operands(x: TensorLike, y: TensorLike): [Tensor, Tensor] {
  if (typeof x === 'number' && typeof y === 'number') throw new Error('storygrad: binary op needs at least one tensor');
  const a = typeof x === 'number' ? lift(x, y as Tensor) : x;
  const b = lift(y, a);
  return [a, b];
}

// ---- arithmetic ----
/** a + b (broadcasting). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b, (_a, _b, _o, g) => [g, g]);
/** a - b (broadcasting). */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b, (_a, _b, _o, g) => [g, neg(g)]);
/** a * b (broadcasting). */
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp('mul', a, b, (a, b, _o, g) => [a.requiresGrad ? mul(g, b) : null, b.requiresGrad ? mul(g, a) : null]);
/** a / b (broadcasting; i32 truncates). */
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp('div', a, b, (a, b, out, g) => [
    a.requiresGrad ? div(g, b) : null,
    b.requiresGrad ? neg(div(mul(g, out), b)) : null,
  ]);
/** a ** b (float only). */
export const pow = (x: TensorLike, y: TensorLike): Tensor => {
  const [a, b] = operands(x, y);
  requireFloat('pow', a);
  return binaryOp('pow', a, b, (a, b, out, g) => [
    a.requiresGrad ? mul(g, mul(b, binaryRaw('pow', a, sub(b, 1)))) : null,
    b.requiresGrad ? mul(g, mul(out, log(a))) : null,
  ]);
};
/** Elementwise maximum; ties split the gradient evenly. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp('max', a, b, (a, b, _o, g) => {
    const wa = add(gt(a, b), mul(eq(a, b), 0.5));
    return [mul(g, wa), mul(g, sub(1, wa))];
  });
/** Elementwise minimum; ties split the gradient evenly. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp('min', a, b, (a, b, _o, g) => {
    const wa = add(lt(a, b), mul(eq(a, b), 0.5));
    return [mul(g, wa), mul(g, sub(1, wa))];
  });

// ---- comparisons (no gradient; 1/0 in the input dtype) ----
const cmp = (op: BinaryOp) => (x: TensorLike, y: TensorLike): Tensor => {
  const [a, b] = operands(x, y);
  return binaryRaw(op, a, b);
};
/** a < b as 1/0. */ export const lt = cmp('lt');
/** a <= b as 1/0. */ export const le = cmp('le');
/** a > b as 1/0. */ export const gt = cmp('gt');
/** a >= b as 1/0. */ export const ge = cmp('ge');
/** a == b as 1/0. */ export const eq = cmp('eq');
/** a != b as 1/0. */ export const ne = cmp('ne');

// ---- unary ----
/** -x. */ export const neg = (x: Tensor): Tensor => unaryOp('neg', x, (_x, _o, g) => neg(g), true);
/** |x|. */ export const abs = (x: Tensor): Tensor => unaryOp('abs', x, (x, _o, g) => mul(g, unaryRaw('sign', x)), true);
/** x². */ export const square = (x: Tensor): Tensor => unaryOp('square', x, (x, _o, g) => mul(g, mul(x, 2)), true);
/** eˣ. */ export const exp = (x: Tensor): Tensor => unaryOp('exp', x, (_x, o, g) => mul(g, o));
/** Natural log. */ export const log = (x: Tensor): Tensor => unaryOp('log', x, (x, _o, g) => div(g, x));
/** √x. */ export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x, (_x, o, g) => div(mul(g, 0.5), o));
/** 1/√x. */ export const rsqrt = (x: Tensor): Tensor =>
  unaryOp('rsqrt', x, (_x, o, g) => mul(g, mul(unaryRaw('square', o), mul(o, -0.5))));
/** 1/x. */ export const reciprocal = (x: Tensor): Tensor =>
  unaryOp('recip', x, (_x, o, g) => neg(mul(g, unaryRaw('square', o))));
/** tanh. */ export const tanh = (x: Tensor): Tensor =>
  unaryOp('tanh', x, (_x, o, g) => mul(g, sub(1, unaryRaw('square', o))));
/** Logistic sigmoid. */ export const sigmoid = (x: Tensor): Tensor =>
  unaryOp('sigmoid', x, (_x, o, g) => mul(g, mul(o, sub(1, o))));
/** max(x, 0). */ export const relu = (x: Tensor): Tensor => unaryOp('relu', x, (x, _o, g) => binaryRaw('reluGrad', x, g));
/** GELU, tanh approximation (GPT-2's). */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x, (x, _o, g) => binaryRaw('geluGrad', x, g));
/** sin. */ export const sin = (x: Tensor): Tensor => unaryOp('sin', x, (x, _o, g) => mul(g, unaryRaw('cos', x)));
/** cos. */ export const cos = (x: Tensor): Tensor => unaryOp('cos', x, (x, _o, g) => neg(mul(g, unaryRaw('sin', x))));

/** Selects a where cond is non-zero, else b (broadcasting all three). */
export function where(cond: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(x, y);
  requireSameDtype('where', a, b);
  const outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const k = kernelsOf('where', cond, a, b);
  const s = k.where({
    cond: cond.storage, condDtype: cond.dtype, condStrides: broadcastStrides(cond.shape, outShape),
    a: a.storage, aStrides: broadcastStrides(a.shape, outShape),
    b: b.storage, bStrides: broadcastStrides(b.shape, outShape),
    dtype: a.dtype, outShape,
  });
  const out = wrap(a.backend, s, outShape, a.dtype);
  return record(out, 'where', [cond, a, b], (g) => {
    const zero = lift(0, g);
    return [
      null,
      a.requiresGrad ? sumTo(where(cond, g, zero), a.shape) : null,
      b.requiresGrad ? sumTo(where(cond, zero, g), b.shape) : null,
    ];
  });
}

/** Converts to another dtype (float -> i32 truncates). Gradients flow between float dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return record(x.shareAs(x.shape), 'cast', [x], (g) => [g]);
  if (dtype === 'f16' && !x.backend.supportsF16) {
    throw new Error(`storygrad: cast to f16: the ${x.backend.name} backend has no f16 support (adapter lacks shader-f16)`);
  }
  const k = kernelsOf('cast', x);
  const out = wrap(x.backend, k.cast(x.storage, x.size, x.dtype, dtype), x.shape, dtype);
  if (!isFloat(dtype) || !isFloat(x.dtype)) return out;
  return record(out, 'cast', [x], (g) => [cast(g, x.dtype)]);
}
