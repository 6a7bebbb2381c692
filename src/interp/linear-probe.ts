/**
 * Linear probe: a softmax (multinomial logistic) classifier from activations [N, d] to integer
 * labels, fitted on a seeded train split with L2 regularization by full-batch AdamW on the CPU
 * backend (our own autograd), and scored on the held-out split. Features are standardized with
 * the train statistics while fitting; the returned weights act on the raw features.
 */
import type { Backend } from '../backend/backend.js';
import { CpuBackend } from '../backend/cpu/cpu-backend.js';
import { tensor, zeros } from '../ops/creation.js';
import { add, mul, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { crossEntropy, linear } from '../ops/nn.js';
import { AdamW } from '../optim/adamw.js';
import { tidy } from '../memory/scope.js';
import { withBackend } from '../runtime.js';
import { columnStats, featureMatrix, takeRows, trainTestSplit, type Matrix, type ProbeFeatures } from './probe-data.js';

/** Options of `linearProbe`. */
export interface LinearProbeOptions {
  /** Fraction of examples held out for testing (default 0.25). */
  testFraction?: number;
  /** L2 penalty l2 · ‖W‖² added to the mean cross-entropy (default 1e-3). */
  l2?: number;
  /** Full-batch optimization steps (default 300). */
  steps?: number;
  /** AdamW learning rate (default 0.05). */
  lr?: number;
  /** Seed of the train/test split (default 0). */
  seed?: number;
}

/** A fitted linear probe. */
export interface LinearProbeResult {
  /** Number of classes (max label + 1). */
  classes: number;
  trainSize: number;
  testSize: number;
  /** Accuracy on the train split. */
  trainAccuracy: number;
  /** Accuracy on the held-out split. */
  testAccuracy: number;
  /** Mean cross-entropy on the train split after fitting (without the L2 term). */
  trainLoss: number;
  /** Weights [classes][d] on the raw features. */
  weights: number[][];
  /** Bias [classes]. */
  bias: number[];
  /** The predicted class of each feature row [N][d]. */
  predict(rows: readonly (readonly number[])[]): number[];
}

let cpu: Backend<any> | null = null;
/** The CPU backend probes train on (created on first use). */
function probeBackend(): Backend<any> {
  cpu ??= new CpuBackend();
  return cpu;
}

/** Class scores x·W_cᵀ + b_c of one row. */
function scores(x: ArrayLike<number>, off: number, W: number[][], b: number[]): number[] {
  return W.map((w, c) => w.reduce((s, wi, i) => s + wi * x[off + i]!, b[c]!));
}

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

/** Accuracy and mean cross-entropy of (W, b) on the rows of m. */
function evaluate(m: Matrix, labels: readonly number[], W: number[][], b: number[]): { accuracy: number; loss: number } {
  let right = 0, loss = 0;
  for (let r = 0; r < m.rows; r++) {
    const s = scores(m.data, r * m.cols, W, b);
    const mx = Math.max(...s);
    const lse = mx + Math.log(s.reduce((acc, v) => acc + Math.exp(v - mx), 0));
    loss += lse - s[labels[r]!]!;
    if (argmax(s) === labels[r]) right++;
  }
  return { accuracy: right / m.rows, loss: loss / m.rows };
}

/** Fits (W, b) on standardized rows by full-batch AdamW on the CPU backend; returns them as host arrays. */
async function fit(z: Matrix, labels: readonly number[], classes: number, opts: Required<Omit<LinearProbeOptions, 'testFraction' | 'seed'>>): Promise<{ W: Float32Array; b: Float32Array }> {
  const [W, b] = withBackend(probeBackend(), () => {
    const X = tensor(Float32Array.from(z.data), { shape: [z.rows, z.cols] });
    const y = tensor(Int32Array.from(labels), { dtype: 'i32' });
    const W = zeros([classes, z.cols], { requiresGrad: true });
    const b = zeros([classes], { requiresGrad: true });
    const opt = new AdamW([W, b], { lr: opts.lr, weightDecay: 0 });
    let done = false;
    try {
      for (let step = 0; step < opts.steps; step++) {
        tidy(() => {
          const loss = add(crossEntropy(linear(X, W, b), y), mul(sum(square(W)), opts.l2)); // []
          loss.backward();
        });
        opt.step();
        opt.zeroGrad();
      }
      done = true;
      return [W, b] as const;
    } finally {
      const st = opt.state();
      for (const t of [X, y, ...st.m, ...st.v, ...(done ? [] : [W, b])]) t?.dispose();
    }
  });
  try {
    return { W: Float32Array.from(await W.data()), b: Float32Array.from(await b.data()) };
  } finally {
    W.dispose();
    b.dispose();
  }
}

/**
 * Fits a softmax classifier features [N, d] -> labels [N] (integers ≥ 0) on a seeded train split
 * and reports held-out accuracy. Linearly separable classes give ~100% test accuracy; labels
 * unrelated to the features give chance.
 */
export async function linearProbe(features: ProbeFeatures, labels: readonly number[], opts: LinearProbeOptions = {}): Promise<LinearProbeResult> {
  const m = await featureMatrix(features);
  if (labels.length !== m.rows) throw new Error(`storygrad: linearProbe: ${labels.length} labels for ${m.rows} feature rows`);
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0) throw new Error(`storygrad: linearProbe: label ${l} at row ${i} is not an integer ≥ 0`);
  });
  const classes = Math.max(...labels) + 1;
  if (classes < 2) throw new Error('storygrad: linearProbe needs at least 2 classes');
  const cfg = { l2: opts.l2 ?? 1e-3, steps: opts.steps ?? 300, lr: opts.lr ?? 0.05 };
  if (!(cfg.l2 >= 0) || !Number.isInteger(cfg.steps) || cfg.steps < 1 || !(cfg.lr > 0)) {
    throw new Error(`storygrad: linearProbe: need l2 ≥ 0, steps ≥ 1 (integer), lr > 0; got l2 ${cfg.l2}, steps ${cfg.steps}, lr ${cfg.lr}`);
  }
  const split = trainTestSplit(m.rows, opts.testFraction ?? 0.25, opts.seed ?? 0);
  const train = takeRows(m, split.train), test = takeRows(m, split.test);
  const yTrain = split.train.map((i) => labels[i]!), yTest = split.test.map((i) => labels[i]!);
  const { mean, std } = columnStats(train);
  const z: Matrix = { ...train, data: train.data.map((v, k) => (v - mean[k % m.cols]!) / std[k % m.cols]!) };
  const fitted = await fit(z, yTrain, classes, cfg);
  // Back to raw features: W_raw = W / std, b_raw = b − Σ W · mean / std.
  const d = m.cols;
  const weights = Array.from({ length: classes }, (_, c) => Array.from({ length: d }, (_, i) => fitted.W[c * d + i]! / std[i]!));
  const bias = Array.from({ length: classes }, (_, c) => weights[c]!.reduce((s, w, i) => s - w * mean[i]!, fitted.b[c]!));
  const tr = evaluate(train, yTrain, weights, bias);
  const te = evaluate(test, yTest, weights, bias);
  return {
    classes, trainSize: train.rows, testSize: test.rows,
    trainAccuracy: tr.accuracy, testAccuracy: te.accuracy, trainLoss: tr.loss,
    weights, bias,
    predict: (rows) => rows.map((r) => {
      if (r.length !== d) throw new Error(`storygrad: linearProbe.predict: rows must have ${d} values, got ${r.length}`);
      return argmax(scores(r, 0, weights, bias));
    }),
  };
}
