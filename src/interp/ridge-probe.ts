/**
 * Ridge regression probe: a closed-form linear map from activations [N, d] to real targets
 * [N] or [N, k], W = (X̃ᵀX̃ + λI)⁻¹ X̃ᵀỸ on the centred train split (the intercept is not
 * penalized), solved in float64 by Cholesky; scored by R² on the held-out split.
 */
import { featureMatrix, takeRows, trainTestSplit, type Matrix, type ProbeFeatures } from './probe-data.js';

/** Options of `ridgeProbe`. */
export interface RidgeProbeOptions {
  /** Ridge penalty λ (default 1e-3). */
  l2?: number;
  /** Fraction held out for testing (default 0.25). */
  testFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
}

/** A fitted ridge probe. */
export interface RidgeProbeResult {
  /** Weights [k][d] (k = number of target columns). */
  weights: number[][];
  /** Intercepts [k]. */
  bias: number[];
  /** R² on the train split, averaged over target columns. */
  trainR2: number;
  /** R² on the held-out split, averaged over target columns. */
  testR2: number;
  trainSize: number;
  testSize: number;
}

/** Solves A x = b for symmetric positive definite A [n, n] (row-major), for each column of B [n, k]. */
function choleskySolve(A: Float64Array, B: Float64Array, n: number, k: number): Float64Array {
  const Lm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let p = 0; p < j; p++) s -= Lm[i * n + p]! * Lm[j * n + p]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('storygrad: ridgeProbe: the regularized Gram matrix is not positive definite (raise l2)');
        Lm[i * n + i] = Math.sqrt(s);
      } else {
        Lm[i * n + j] = s / Lm[j * n + j]!;
      }
    }
  }
  const X = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) { // L y = b
      let s = B[i * k + c]!;
      for (let p = 0; p < i; p++) s -= Lm[i * n + p]! * y[p]!;
      y[i] = s / Lm[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) { // Lᵀ x = y
      let s = y[i]!;
      for (let p = i + 1; p < n; p++) s -= Lm[p * n + i]! * X[p * k + c]!;
      X[i * k + c] = s / Lm[i * n + i]!;
    }
  }
  return X;
}

/** Mean over columns of R² = 1 − SS_res / SS_tot for predictions of Y [n, k]. */
function rSquared(X: Matrix, Y: Matrix, W: number[][], bias: number[]): number {
  let total = 0;
  for (let c = 0; c < Y.cols; c++) {
    let mean = 0;
    for (let r = 0; r < Y.rows; r++) mean += Y.data[r * Y.cols + c]! / Y.rows;
    let res = 0, tot = 0;
    for (let r = 0; r < Y.rows; r++) {
      let pred = bias[c]!;
      for (let i = 0; i < X.cols; i++) pred += W[c]![i]! * X.data[r * X.cols + i]!;
      const y = Y.data[r * Y.cols + c]!;
      res += (y - pred) ** 2;
      tot += (y - mean) ** 2;
    }
    total += tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
  }
  return total / Y.cols;
}

/** Fits features [N, d] -> targets [N] or [N][k] by ridge regression and reports held-out R². */
export async function ridgeProbe(features: ProbeFeatures, targets: readonly number[] | readonly (readonly number[])[], opts: RidgeProbeOptions = {}): Promise<RidgeProbeResult> {
  const m = await featureMatrix(features);
  const Y = await featureMatrix((typeof targets[0] === 'number' ? (targets as readonly number[]).map((v) => [v]) : targets) as readonly (readonly number[])[]);
  if (Y.rows !== m.rows) throw new Error(`storygrad: ridgeProbe: ${Y.rows} targets for ${m.rows} feature rows`);
  const l2 = opts.l2 ?? 1e-3;
  if (!(l2 >= 0)) throw new Error(`storygrad: ridgeProbe: l2 must be ≥ 0, got ${l2}`);
  const split = trainTestSplit(m.rows, opts.testFraction ?? 0.25, opts.seed ?? 0);
  const [Xtr, Ytr, Xte, Yte] = [takeRows(m, split.train), takeRows(Y, split.train), takeRows(m, split.test), takeRows(Y, split.test)];
  const d = m.cols, k = Y.cols, n = Xtr.rows;
  const colMean = (M: Matrix) => Array.from({ length: M.cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < M.rows; r++) s += M.data[r * M.cols + c]!;
    return s / M.rows;
  });
  const xm = colMean(Xtr), ym = colMean(Ytr);
  const A = new Float64Array(d * d), Bm = new Float64Array(d * k);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      const xi = Xtr.data[r * d + i]! - xm[i]!;
      for (let j = 0; j < d; j++) A[i * d + j] += xi * (Xtr.data[r * d + j]! - xm[j]!);
      for (let c = 0; c < k; c++) Bm[i * k + c] += xi * (Ytr.data[r * k + c]! - ym[c]!);
    }
  }
  for (let i = 0; i < d; i++) A[i * d + i] += l2;
  const Wt = choleskySolve(A, Bm, d, k); // [d, k]
  const weights = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, i) => Wt[i * k + c]!));
  const bias = ym.map((y, c) => weights[c]!.reduce((s, w, i) => s - w * xm[i]!, y));
  return {
    weights, bias,
    trainR2: rSquared(Xtr, Ytr, weights, bias), testR2: rSquared(Xte, Yte, weights, bias),
    trainSize: n, testSize: Xte.rows,
  };
}
