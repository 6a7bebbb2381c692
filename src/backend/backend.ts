/**
 * The backend contract: storage management plus the primitive kernel table.
 *
 * Every op in `src/ops/` is built from these few primitives (tinygrad style). Each backend
 * implements the whole `Kernels` interface, so a missing kernel is a compile error. The CPU backend
 * (`cpu/`) is the plain reference; the WebGPU backend (`webgpu/`) must match it.
 *
 * Layout convention: all storages hold contiguous row-major data. Movement ops are explicit
 * strided copies (`copy`). Shapes, strides and offsets are in elements, never bytes.
 */
import type { FusedKernels } from './fused.js';

/** Element types. `f16` is storage-only on CPU (values rounded to half precision). */
export type DType = 'f32' | 'i32' | 'f16';

/** Host-side arrays: f32 and f16 data travel as Float32Array, i32 as Int32Array. */
export type HostArray = Float32Array | Int32Array;

/** Elementwise unary kernels (float dtypes only, except neg/abs/sign/square which also take i32). */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'square'
  | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'recip'
  | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'sin' | 'cos';

/**
 * Elementwise binary kernels with broadcasting. Comparisons (`lt`..`ne`) return 1 or 0 in the
 * input dtype. `geluGrad(x, g)` = g * d/dx gelu_tanh(x). `reluGrad(x, g)` = x > 0 ? g : 0.
 * Integer `div` truncates toward zero and gives 0 for a zero divisor; integer `pow`, `geluGrad` and
 * `reluGrad` are not supported.
 */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
  | 'geluGrad' | 'reluGrad';

/** Reductions over one axis of a [outer, r, inner] view. `max` of an empty axis is -Infinity. */
export type ReduceOp = 'sum' | 'max';

/** Random distributions: uniform in [0, 1) and standard normal (Box-Muller). */
export type RandKind = 'uniform' | 'normal';

/** Arguments of a broadcasting binary kernel. Strides are 0 on broadcast axes. */
export interface BinaryArgs<S> {
  op: BinaryOp;
  a: S; b: S;
  dtype: DType;          // dtype of a, b and the output
  outShape: number[];    // rank <= 8
  aStrides: number[];    // same rank as outShape
  bStrides: number[];
}

/** Arguments of `where(cond, a, b)`: cond is any dtype, non-zero selects a. */
export interface WhereArgs<S> {
  cond: S; condDtype: DType; condStrides: number[];
  a: S; aStrides: number[];
  b: S; bStrides: number[];
  dtype: DType; outShape: number[];
}

/** Batched matmul: out[batch, M, N] = op(a)[M, K] @ op(b)[K, N] (+ nothing else). */
export interface MatmulArgs<S> {
  a: S; b: S; dtype: DType;
  batch: number; M: number; N: number; K: number;
  /** a is stored [K, M] per batch when true, else [M, K]. */
  transA: boolean;
  /** b is stored [N, K] per batch when true, else [K, N]. */
  transB: boolean;
  /** Element stride between consecutive batches (0 broadcasts one matrix over the batch). */
  aBatchStride: number; bBatchStride: number;
}

/**
 * A matmul with an elementwise tail applied to each output as it is stored (one pass over memory:
 * a linear layer's bias, its GELU, or a GELU's backward), and optionally the row sums of op(a).
 * With none of the options it equals `matmul`.
 */
export interface MatmulFusedArgs<S> extends MatmulArgs<S> {
  /** [N], added to every output row. */
  bias?: S | null;
  /** 'gelu': out = gelu(product + bias) and `pre` returns product + bias (the GELU's input). */
  activation?: 'gelu' | null;
  /**
   * Shape [batch, M, N]. out = product * gelu'(geluGradOf): the backward of a GELU whose input
   * was geluGradOf when the product is the gradient of its output. Not with bias / activation.
   */
  geluGradOf?: S | null;
  /** Also return rowSums[m] = sum over k of op(a)[m, k] (batch must be 1): a bias gradient dYᵀ·1. */
  rowSums?: boolean;
}

/** Results of `matmulFused`. */
export interface MatmulFused<S> {
  /** [batch, M, N] */
  out: S;
  /** [batch, M, N], the GELU's input, with activation 'gelu' (else null). */
  pre: S | null;
  /** [M], with rowSums (else null). */
  rowSums: S | null;
}

/** Most weights a linear group takes (the q, k, v projections of attention). */
export const LINEAR_GROUP_MAX = 3;

/**
 * Linear layers without bias that read one input (a transformer block's q, k, v projections, or
 * its gate and up projections): x [rows, K] and weights[s] [N[s], K] (PyTorch layout), all
 * contiguous, 1 to LINEAR_GROUP_MAX weights. Backends may run the group in one dispatch each way.
 */
export interface LinearGroupArgs<S> {
  x: S;
  weights: readonly S[];
  rows: number; K: number;
  /** Output features of each weight. */
  N: readonly number[];
  dtype: DType;
}

/** The backward of a linear group, given the gradient of every output: grads[s] [rows, N[s]]. */
export interface LinearGroupBackwardArgs<S> extends LinearGroupArgs<S> {
  grads: readonly S[];
  /** Compute dX = sum over s of grads[s] weights[s] [rows, K]. */
  needX: boolean;
  /** Compute dW[s] = grads[s]ᵀ x [N[s], K], per weight. */
  needW: readonly boolean[];
}

/** Results of `linearGroupBackward` (null where not asked for). */
export interface LinearGroupGrads<S> {
  dx: S | null;
  dw: (S | null)[];
}

/** Strided copy: dst[dstOffset + sum(i_d * dstStrides_d)] = src[srcOffset + sum(i_d * srcStrides_d)]. */
export interface CopyArgs<S> {
  src: S; dst: S; dtype: DType;
  shape: number[];       // rank <= 8, the index space
  srcOffset: number; srcStrides: number[];
  dstOffset: number; dstStrides: number[];
}

/**
 * Memory layout of the fused attention operands (all contiguous row-major):
 * - 'bhtd' (heads first): q, out, dOut, dq [B, H, Tq, D]; k, v, dk, dv [B, Hkv, Tk, D];
 * - 'bthd' (positions first, what a projection [B, T, H * D] reshapes to without a copy):
 *   q, out, dOut, dq [B, Tq, H, D]; k, v, dk, dv [B, Tk, Hkv, D].
 * lse (and the backward's delta) are [B, H, Tq] in both.
 */
export type AttentionLayout = 'bhtd' | 'bthd';

/**
 * Fused causal / full scaled-dot-product attention (flash-attention style). Tensors are contiguous
 * in `layout` (default 'bhtd': q [B, H, Tq, D], k and v [B, Hkv, Tk, D]). Query head h reads kv head
 * floor(h / (H / Hkv)) (grouped-query attention; H must be a multiple of Hkv). With `causal`,
 * query i sees keys j <= i + (Tk - Tq); a query that sees no key gives a zero output row and
 * lse = -Infinity. Scores are computed in f32 for every storage dtype.
 */
export interface AttentionArgs<S> {
  q: S; k: S; v: S;
  dtype: DType;          // dtype of q, k, v, out (and dOut, dq, dk, dv); lse is always f32
  B: number; H: number; Hkv: number; Tq: number; Tk: number; D: number;
  scale: number;
  causal: boolean;
  /** Layout of q, k, v and of every output but lse (default 'bhtd'). */
  layout?: AttentionLayout;
}

/** Arguments of the attention backward: the forward's inputs and outputs plus dOut (laid out as q). */
export interface AttentionBackwardArgs<S> extends AttentionArgs<S> {
  out: S;
  /** Log-sum-exp of each query's scaled scores, f32 [B, H, Tq]. */
  lse: S;
  dOut: S;
}

/**
 * The primitive kernel table. Each returns a fresh storage except `copy`, which writes into `dst`
 * (and `adamwStep`, which updates in place: see fused.ts for the fused kernels).
 * Integer index arguments (`idx`) are i32 storages.
 */
export interface Kernels<S> extends FusedKernels<S> {
  /** out[i] = op(x[i]), n elements. */
  unary(op: UnaryOp, x: S, n: number, dtype: DType): S;
  /** Broadcasting binary op; output is contiguous with shape outShape. */
  binary(args: BinaryArgs<S>): S;
  /** Broadcasting select. */
  where(args: WhereArgs<S>): S;
  /** x viewed as [outer, r, inner] -> out [outer, inner]; fixed summation order (deterministic). */
  reduce(op: ReduceOp, x: S, outer: number, r: number, inner: number, dtype: DType): S;
  /** Batched matmul, see MatmulArgs; output contiguous [batch, M, N]. */
  matmul(args: MatmulArgs<S>): S;
  /** Matmul with a fused bias / GELU / GELU-backward tail and optional row sums of op(a). */
  matmulFused(args: MatmulFusedArgs<S>): MatmulFused<S>;
  /** The outputs y[s] = x weights[s]ᵀ [rows, N[s]] of a linear group (see LinearGroupArgs). */
  linearGroup(args: LinearGroupArgs<S>): S[];
  /** The input and weight gradients of a linear group (see LinearGroupBackwardArgs). */
  linearGroupBackward(args: LinearGroupBackwardArgs<S>): LinearGroupGrads<S>;
  /** Strided copy into an existing storage. */
  copy(args: CopyArgs<S>): void;
  /** out[n, :] = table[idx[n], :] for table [rows, rowLen]; ids outside [0, rows) give zeros. */
  gatherRows(table: S, idx: S, nIdx: number, rows: number, rowLen: number, dtype: DType): S;
  /**
   * Deterministic scatter-add, the backward of gatherRows: out[r, :] = sum over n with idx[n] == r
   * of grad[n, :], summed in increasing n. out is [rows, rowLen]. Ids outside [0, rows) are ignored.
   */
  scatterAddRows(grad: S, idx: S, nIdx: number, rows: number, rowLen: number, dtype: DType): S;
  /** out[n] = x[n, idx[n]] for x [n, c]; ids outside [0, c) give 0 (used for ignore_index). */
  pick(x: S, idx: S, n: number, c: number, dtype: DType): S;
  /** out[n, j] = (j == idx[n]) ? g[n] : 0, out [n, c]; the backward of pick. */
  pickBackward(g: S, idx: S, n: number, c: number, dtype: DType): S;
  /**
   * Counter-based random numbers (f32): element i of the result depends only on (seed, offset + i)
   * through `randomBits` in `src/backend/rng.ts`; CPU and WebGPU give the same uniforms bit for bit.
   */
  rand(kind: RandKind, n: number, seed: number, offset: number): S;
  /** Elementwise dtype conversion (float -> i32 truncates toward zero). */
  cast(x: S, n: number, from: DType, to: DType): S;
  /** A storage of n elements all equal to value. */
  fill(n: number, value: number, dtype: DType): S;
  /**
   * Fused attention forward: out (laid out as q) = softmax(q kᵀ * scale, causal mask) v and the
   * row log-sum-exp lse (f32 [B, H, Tq]) the backward recomputes the probabilities from.
   */
  attentionForward(args: AttentionArgs<S>): { out: S; lse: S };
  /**
   * Fused attention backward: dq (laid out as q); dk, dv (laid out as k) summed over the query
   * heads sharing each kv head, in a fixed order (deterministic).
   */
  attentionBackward(args: AttentionBackwardArgs<S>): { dq: S; dk: S; dv: S };
}

/** Memory counters of a backend. */
export interface BackendMemory {
  /** Bytes held by live storages. */
  bytesInUse: number;
  /** Bytes allocated from the device/host, including pooled free buffers. */
  bytesAllocated: number;
}

/** A compute backend: storage management plus the kernel table. */
export interface Backend<S = unknown> {
  readonly name: 'cpu' | 'webgpu';
  /** Whether f16 storage is available. */
  readonly supportsF16: boolean;
  readonly kernels: Kernels<S>;
  /** Copies host data into a new storage (f16 data is given as Float32Array). */
  upload(data: HostArray, dtype: DType): S;
  /**
   * A new storage of n elements with unspecified contents, for outputs a kernel overwrites
   * entirely (a full strided copy, a concat): saves the fill a zeroed storage costs.
   */
  empty(n: number, dtype: DType): S;
  /** Reads n elements back to the host (f16 comes back as Float32Array). */
  read(s: S, n: number, dtype: DType): Promise<HostArray>;
  /** Returns a storage to the pool; it must not be used afterwards. */
  free(s: S): void;
  /** Submits any queued work (no-op on CPU). */
  flush(): void;
  /** Waits until all submitted work has finished. */
  sync(): Promise<void>;
  memory(): BackendMemory;
  /** Human-readable description: adapter name, features, limits. */
  describe(): BackendDescription;
  /** Releases the device (and lets the process exit). */
  destroy(): void;
}

/** What `storygrad info` prints about a backend. */
export interface BackendDescription {
  backend: 'cpu' | 'webgpu';
  adapter: string;
  features: string[];
  limits: Record<string, number>;
  notes: string[];
}

/** Bytes per element. */
export function dtypeBytes(dtype: DType): number {
  return dtype === 'f16' ? 2 : 4;
}

/** Whether a dtype holds floating-point values. */
export function isFloat(dtype: DType): boolean {
  return dtype !== 'i32';
}

/** Largest rank a kernel accepts. */
export const MAX_RANK = 8;
