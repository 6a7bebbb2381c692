/**
 * Batched, broadcasting matrix multiply with optional transposed operands (no copies for the
 * transposes: the kernel reads either layout). Backward uses the transpose flags too.
 */
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { broadcastShapes, fmt, sameShape, sizeOf } from '../shape.js';
import { kernelsOf, requireFloat, requireSameDtype, wrap } from './common.js';
import { sumTo } from './reduce.js';
import { expand, reshape } from './movement.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of a's last two dims. */
  transposeA?: boolean;
  /** Use the transpose of b's last two dims. */
  transposeB?: boolean;
}

/**
 * a @ b. a: [..., M, K] (or [..., K, M] with transposeA), b: [..., K, N] (or [..., N, K] with
 * transposeB); batch dims broadcast. 1-D operands are treated as a row / column vector.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  requireFloat('matmul', a);
  requireSameDtype('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) throw new Error(`storygrad: matmul needs at least 1-D operands, got ${a.describe()} and ${b.describe()}`);
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  let out = matmul2(a2, b2, !!opts.transposeA && a.rank > 1, !!opts.transposeB && b.rank > 1);
  if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]!]);
  if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

function matmul2(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  const [M, Ka] = tA ? [a.shape[a.rank - 1]!, a.shape[a.rank - 2]!] : [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [Kb, N] = tB ? [b.shape[b.rank - 1]!, b.shape[b.rank - 2]!] : [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  if (Ka !== Kb) {
    throw new Error(`storygrad: matmul: inner dims differ: ${a.describe()}${tA ? 'ᵀ' : ''} @ ${b.describe()}${tB ? 'ᵀ' : ''} (${Ka} vs ${Kb})`);
  }
  const out = raw(a, b, tA, tB, M, N, Ka);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? gradA(a, b, g, tA, tB) : null,
    b.requiresGrad ? gradB(a, b, g, tA, tB) : null,
  ]);
}

/** The kernel call with batch broadcasting (stride 0 for a shared matrix, expand otherwise). */
function raw(a: Tensor, b: Tensor, tA: boolean, tB: boolean, M: number, N: number, K: number): Tensor {
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const batchShape = broadcastShapes('matmul (batch dims)', ba, bb);
  const batch = sizeOf(batchShape);
  const prep = (t: Tensor, own: number[]): [Tensor, number] => {
    const mat = t.shape[t.rank - 2]! * t.shape[t.rank - 1]!;
    if (sizeOf(own) === 1) return [t, 0];
    const padded = [...new Array(batchShape.length - own.length).fill(1), ...own];
    if (sameShape(padded, batchShape)) return [t, mat];
    return [expand(t, [...batchShape, ...t.shape.slice(-2)]), mat];
  };
  const [ae, aStride] = prep(a, ba);
  const [be, bStride] = prep(b, bb);
  const k = kernelsOf('matmul', a, b);
  const s = k.matmul({
    a: ae.storage, b: be.storage, dtype: a.dtype, batch, M, N, K,
    transA: tA, transB: tB, aBatchStride: aStride, bBatchStride: bStride,
  });
  if (ae !== a) ae.dispose();
  if (be !== b) be.dispose();
  return wrap(a.backend, s, [...batchShape, M, N], a.dtype);
}

/** Gradient w.r.t. a's storage layout; g is [..., M, N]. */
function gradA(a: Tensor, b: Tensor, g: Tensor, tA: boolean, tB: boolean): Tensor {
  // op(A) = g @ op(B)^T ; if tA the stored A is op(A)^T = op(B) @ g^T.
  const full = tA ? mm(b, g, tB, true) : mm(g, b, false, !tB);
  return sumTo(full, a.shape);
}

/** Gradient w.r.t. b's storage layout. */
function gradB(a: Tensor, b: Tensor, g: Tensor, tA: boolean, tB: boolean): Tensor {
  // op(B) = op(A)^T @ g ; if tB the stored B is op(B)^T = g^T @ op(A).
  if (b.rank === 2 && g.rank > 2 && a.rank === g.rank) {
    // Shared weight: fold the batch into the rows instead of summing a batched product.
    const rowsA = tA ? null : reshape(a, [-1, a.shape[a.rank - 1]!]);
    if (rowsA) {
      const g2 = reshape(g, [-1, g.shape[g.rank - 1]!]);
      return tB ? mm(g2, rowsA, true, false) : mm(rowsA, g2, true, false);
    }
  }
  const full = tB ? mm(g, a, true, tA) : mm(a, g, !tA, false);
  return sumTo(full, b.shape);
}

function mm(x: Tensor, y: Tensor, tX: boolean, tY: boolean): Tensor {
  return matmul2(x, y, tX, tY);
}
