/**
 * The fused primitives of the kernel table (part of `Kernels<S>`, see backend.ts): row-wise
 * normalisation (LayerNorm, RMSNorm), softmax, softmax + cross-entropy, each with its backward,
 * the AdamW update and the squared norms of many tensors (gradient clipping). One kernel (or two /
 * three for reductions over rows) replaces the dozens of elementwise dispatches of the composed
 * ops in src/ops/nn.ts, src/optim/adamw.ts and src/optim/clip.ts.
 *
 * Conventions: x is a contiguous [rows, C] matrix of dtype `dtype` (f32 or f16; f16 is computed
 * in f32). Per-row statistics (`mean`, `rstd`, `lse`) are f32 [rows] storages (float64 on the
 * float64 CPU backend). Every reduction has a fixed order and no atomics: a run is deterministic.
 * Every function returns fresh storages except `adamwStep`, which updates its inputs in place.
 */
import type { DType } from './backend.js';

/** Arguments of `layerNormForward`: y = (x - mean) * rstd * w + b per row. */
export interface LayerNormForwardArgs<S> {
  /** [rows, C] */
  x: S;
  /** [C] or null (no scale) */
  w: S | null;
  /** [C] or null (no shift) */
  b: S | null;
  rows: number;
  C: number;
  eps: number;
  dtype: DType;
}

/** Output of `layerNormForward`. */
export interface LayerNormForward<S> {
  /** [rows, C], dtype of x */
  y: S;
  /** f32 [rows]: row means */
  mean: S;
  /** f32 [rows]: 1 / sqrt(biased row variance + eps) */
  rstd: S;
}

/** Arguments of `layerNormBackward` (mean and rstd as returned by the forward). */
export interface LayerNormBackwardArgs<S> {
  /** gradient of y [rows, C] */
  dy: S;
  /** the forward input [rows, C] */
  x: S;
  /** [C] or null: the forward scale */
  w: S | null;
  /** f32 [rows] */
  mean: S;
  /** f32 [rows] */
  rstd: S;
  rows: number;
  C: number;
  dtype: DType;
  /** Compute dw = sum over rows of dy * xhat. */
  needDw: boolean;
  /** Compute db = sum over rows of dy. */
  needDb: boolean;
}

/** Output of `layerNormBackward`; dw / db are null unless asked for. */
export interface LayerNormBackward<S> {
  /** [rows, C] */
  dx: S;
  /** [C] */
  dw: S | null;
  /** [C] */
  db: S | null;
}

/** Arguments of `rmsNormForward`: y = x * rstd * w per row, rstd = 1 / sqrt(mean(x²) + eps). */
export interface RmsNormForwardArgs<S> {
  /** [rows, C] */
  x: S;
  /** [C] or null */
  w: S | null;
  rows: number;
  C: number;
  eps: number;
  dtype: DType;
}

/** Output of `rmsNormForward`. */
export interface RmsNormForward<S> {
  /** [rows, C] */
  y: S;
  /** f32 [rows] */
  rstd: S;
}

/** Arguments of `rmsNormBackward`. */
export interface RmsNormBackwardArgs<S> {
  /** [rows, C] */
  dy: S;
  /** [rows, C] */
  x: S;
  /** [C] or null */
  w: S | null;
  /** f32 [rows] */
  rstd: S;
  rows: number;
  C: number;
  dtype: DType;
  /** Compute dw = sum over rows of dy * x * rstd. */
  needDw: boolean;
}

/** Output of `rmsNormBackward`. */
export interface RmsNormBackward<S> {
  /** [rows, C] */
  dx: S;
  /** [C] or null */
  dw: S | null;
}

/** Arguments of `softmaxCrossEntropyForward`. */
export interface CrossEntropyForwardArgs<S> {
  /** [N, V] */
  logits: S;
  /** i32 [N] */
  targets: S;
  N: number;
  V: number;
  /** Rows whose target equals this (or lies outside [0, V)) get loss 0 and gradient 0. */
  ignoreIndex: number;
  dtype: DType;
}

/** Output of `softmaxCrossEntropyForward`. */
export interface CrossEntropyForward<S> {
  /** [N], dtype of the logits: lse - logits[n, t] (0 for ignored rows) */
  loss: S;
  /** f32 [N]: log-sum-exp of each row (every row, ignored ones too) */
  lse: S;
}

/** Arguments of `softmaxCrossEntropyBackward`: dlogits = gLoss * (softmax - onehot(t)). */
export interface CrossEntropyBackwardArgs<S> {
  /** [N, V] */
  logits: S;
  /** i32 [N] */
  targets: S;
  /** f32 [N], from the forward */
  lse: S;
  /** [N], dtype of the logits: gradient of the per-row loss; [1] with `gMean` */
  gLoss: S;
  N: number;
  V: number;
  ignoreIndex: number;
  dtype: DType;
  /**
   * f32 [1] or null: behind a 'mean' reduction (`lossMean`'s invCount), gLoss is the gradient of
   * the mean [1] and every row's gradient is gLoss[0] * gMean[0].
   */
  gMean?: S | null;
}

/** Arguments of `lossMean`: the 'mean' reduction of a per-row loss. */
export interface LossMeanArgs<S> {
  /** [N], dtype: per-row losses (0 on ignored rows, as the cross-entropy forward writes them) */
  loss: S;
  /** i32 [N] */
  targets: S;
  N: number;
  /** Rows whose target equals this do not count in the denominator. */
  ignoreIndex: number;
  dtype: DType;
}

/** Output of `lossMean`. */
export interface LossMean<S> {
  /** [1], dtype: sum of loss / count (NaN when count is 0) */
  mean: S;
  /** f32 [1]: 1 / count (0 when count is 0), the backward's factor (`gMean`) */
  invCount: S;
}

/** Output of `clipScale`. */
export interface ClipScale<S> {
  /** f32 [1]: sqrt of the sum of the squared norms */
  norm: S;
  /** f32 [1]: min(1, maxNorm / (norm + 1e-6)); NaN when the norm is NaN */
  scale: S;
}

/** Hyper-parameters of one AdamW step (c1 = 1 - beta1^t, c2 = 1 - beta2^t). */
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Bias correction of the first moment, 1 - beta1^t. */
  c1: number;
  /** Bias correction of the second moment, 1 - beta2^t. */
  c2: number;
}

/**
 * Arguments of `adamwStep`. param, m and v are updated IN PLACE (the kernel writes into these
 * storages); the caller makes sure no other tensor shares them (src/optim/adamw.ts copies first).
 */
export interface AdamWStepArgs<S> {
  /** [n], read and written */
  param: S;
  /** [n], read */
  grad: S;
  /** [n], first moment, read and written */
  m: S;
  /** [n], second moment, read and written */
  v: S;
  n: number;
  dtype: DType;
  hyper: AdamWHyper;
  /**
   * f32 [1] or null: the gradient is multiplied by this device-side factor first (rounded to the
   * storage precision, as a stored scaled gradient would be), e.g. a gradient-clipping factor.
   */
  gradScale?: S | null;
}

/** Arguments of `rope`: x [rows, H * D] with rows = B * T (position of row r: (r mod T)). */
export interface RopeArgs<S> {
  x: S;
  /** cos and sin tables [T, D / 2] in x's dtype. */
  cos: S;
  sin: S;
  rows: number;
  T: number;
  /** Heads per row and head size (even). */
  heads: number;
  dHead: number;
  dtype: DType;
  /** Rotate by minus the angle: the backward pass. */
  inverse: boolean;
}

/** The fused kernels every backend implements (merged into `Kernels<S>`). */
export interface FusedKernels<S> {
  /** LayerNorm over the last axis of x [rows, C]; returns y and the row statistics. */
  layerNormForward(a: LayerNormForwardArgs<S>): LayerNormForward<S>;
  /**
   * Backward of layerNormForward: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with
   * g = dy * w, xhat = (x - mean) * rstd; dw, db summed over rows in a fixed order.
   */
  layerNormBackward(a: LayerNormBackwardArgs<S>): LayerNormBackward<S>;
  /** RMSNorm over the last axis of x [rows, C]. */
  rmsNormForward(a: RmsNormForwardArgs<S>): RmsNormForward<S>;
  /** Backward of rmsNormForward: dx = rstd * (g - xhat * mean(g * xhat)), g = dy * w, xhat = x * rstd. */
  rmsNormBackward(a: RmsNormBackwardArgs<S>): RmsNormBackward<S>;
  /** Softmax over the last axis of x [rows, C] (shifted by the row max). */
  softmaxForward(x: S, rows: number, C: number, dtype: DType): S;
  /** Backward of softmaxForward from its output y: dx = y * (dy - sum(dy * y)). */
  softmaxBackward(y: S, dy: S, rows: number, C: number, dtype: DType): S;
  /** Per-row cross-entropy of logits [N, V] against targets i32 [N]. */
  softmaxCrossEntropyForward(a: CrossEntropyForwardArgs<S>): CrossEntropyForward<S>;
  /** dlogits [N, V] = gLoss[n] * (exp(logits - lse) - onehot(target)); 0 on ignored rows. */
  softmaxCrossEntropyBackward(a: CrossEntropyBackwardArgs<S>): S;
  /**
   * The 'mean' reduction of a per-row loss in one pass: sum(loss) / count and 1 / count, count =
   * the rows whose target is not ignoreIndex (f32 accumulation in a fixed order).
   */
  lossMean(a: LossMeanArgs<S>): LossMean<S>;
  /**
   * One AdamW update, in place: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²;
   * p = p (1 - lr wd) - lr (m / c1) / (sqrt(v / c2) + eps).
   */
  adamwStep(a: AdamWStepArgs<S>): void;
  /**
   * Squared L2 norms of several tensors of one dtype: f32 [xs.length], element t = sum of
   * xs[t][i]² over i < sizes[t] (f32 accumulation in a fixed order: deterministic). The first
   * pass of a global gradient-norm clip, in a few dispatches instead of several per tensor.
   */
  sumSquares(xs: readonly S[], sizes: readonly number[], dtype: DType): S;
  /**
   * The factor of a global-norm clip from n f32 squared norms (or partial sums of them, e.g.
   * `sumSquares` output), added in index order: norm = sqrt(sum), scale = min(1, maxNorm / (norm +
   * 1e-6)), in one pass.
   */
  clipScale(sumsOfSquares: S, n: number, maxNorm: number): ClipScale<S>;
  /**
   * Rotary position embedding: in each head, pair (x[2i], x[2i+1]) at position t rotated by the
   * angle whose cos/sin are the tables' [t, i]; `inverse` rotates back (the backward pass).
   */
  rope(a: RopeArgs<S>): S;
  /** SwiGLU gate, elementwise over n: h = silu(g) * l. */
  swigluForward(g: S, l: S, n: number, dtype: DType): S;
  /** Backward of swigluForward: dg = dh * l * σ(g) * (1 + g (1 - σ(g))), dl = dh * silu(g). */
  swigluBackward(g: S, l: S, dh: S, n: number, dtype: DType): { dg: S; dl: S };
}
