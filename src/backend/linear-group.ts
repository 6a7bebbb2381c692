/**
 * Linear groups (`linearGroup`, `linearGroupBackward` in the kernel table, backend.ts): argument
 * checks shared by the backends, and the composed implementation — one matmul per weight and
 * elementwise adds for the input gradient, summed in increasing s — which is the CPU backend's
 * implementation, the reference the fused WebGPU kernels (kernels/matmul_group.wgsl) are tested
 * against, and their fallback where they do not apply.
 */
import { LINEAR_GROUP_MAX, type BinaryArgs, type LinearGroupArgs, type LinearGroupBackwardArgs, type LinearGroupGrads, type MatmulArgs } from './backend.js';

/** Throws a message naming the problem when the group's arguments are inconsistent. */
export function checkLinearGroup<S>(err: string, args: LinearGroupArgs<S> | LinearGroupBackwardArgs<S>): void {
  const { weights, N, rows, K, dtype } = args;
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`${err} linearGroup is defined for f32 and f16 only, got '${String(dtype)}'`);
  if (weights.length < 1 || weights.length > LINEAR_GROUP_MAX) {
    throw new Error(`${err} linearGroup takes 1 to ${LINEAR_GROUP_MAX} weights, got ${weights.length}`);
  }
  if (N.length !== weights.length) throw new Error(`${err} linearGroup: ${weights.length} weights but ${N.length} output sizes`);
  for (const [k, v] of [['rows', rows], ['K', K], ...N.map((n, i) => [`N[${i}]`, n] as const)] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${err} linearGroup: ${k} must be a positive integer, got ${v}`);
  }
  if ('grads' in args) {
    if (args.grads.length !== weights.length) throw new Error(`${err} linearGroupBackward: ${weights.length} weights but ${args.grads.length} output gradients`);
    if (args.needW.length !== weights.length) throw new Error(`${err} linearGroupBackward: ${weights.length} weights but ${args.needW.length} needW flags`);
  }
}

/** What the composed implementation needs of a kernel table. */
export interface LinearGroupTable<S> {
  matmul(args: MatmulArgs<S>): S;
  binary(args: BinaryArgs<S>): S;
  free(s: S): void;
}

const plain = { batch: 1, aBatchStride: 0, bBatchStride: 0 } as const;

/** y[s] = x weights[s]ᵀ, one matmul each. */
export function linearGroupComposed<S>(t: LinearGroupTable<S>, args: LinearGroupArgs<S>): S[] {
  const { x, weights, rows, K, N, dtype } = args;
  return weights.map((w, s) => t.matmul({ ...plain, a: x, b: w, dtype, M: rows, N: N[s]!, K, transA: false, transB: true }));
}

/** dX = ((g0 W0 + g1 W1) + g2 W2) and dW[s] = g[s]ᵀ x, one matmul each. */
export function linearGroupBackwardComposed<S>(t: LinearGroupTable<S>, args: LinearGroupBackwardArgs<S>): LinearGroupGrads<S> {
  const { x, weights, grads, rows, K, N, dtype } = args;
  let dx: S | null = null;
  if (args.needX) {
    weights.forEach((w, s) => {
      const part = t.matmul({ ...plain, a: grads[s]!, b: w, dtype, M: rows, N: K, K: N[s]!, transA: false, transB: false }); // [rows, K]
      if (!dx) { dx = part; return; }
      const sum = t.binary({ op: 'add', a: dx, b: part, dtype, outShape: [rows, K], aStrides: [K, 1], bStrides: [K, 1] });
      t.free(dx);
      t.free(part);
      dx = sum;
    });
  }
  const dw = weights.map((_, s) =>
    args.needW[s] ? t.matmul({ ...plain, a: grads[s]!, b: x, dtype, M: N[s]!, N: K, K: rows, transA: true, transB: false }) : null, // [N_s, K]
  );
  return { dx, dw };
}
