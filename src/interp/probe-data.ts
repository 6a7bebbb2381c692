/**
 * Data handling shared by the probes: features (an activation tensor [..., d] or host rows) as a
 * float64 matrix [N, d], a seeded train/test split, and per-feature standardization.
 */
import type { Tensor } from '../tensor.js';

/** Probe inputs: a tensor [..., d] (leading dims are flattened into rows, e.g. [B, T, d] -> [B·T, d]) or rows [N][d]. */
export type ProbeFeatures = Tensor | readonly (readonly number[])[];

/** A row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Reads features into a float64 matrix [N, d]; rows must have equal lengths and finite values. */
export async function featureMatrix(features: ProbeFeatures): Promise<Matrix> {
  let m: Matrix;
  if (Array.isArray(features)) {
    const rows = features as readonly (readonly number[])[];
    const cols = rows[0]?.length ?? 0;
    const data = new Float64Array(rows.length * cols);
    rows.forEach((r, i) => {
      if (r.length !== cols) throw new Error(`storygrad: probe features: row ${i} has ${r.length} values, row 0 has ${cols}`);
      data.set(r, i * cols);
    });
    m = { rows: rows.length, cols, data };
  } else {
    const t = features as Tensor;
    if (t.rank < 2) throw new Error(`storygrad: probe features must be [..., d] with at least 2 dims, got ${t.describe()}`);
    const cols = t.shape[t.rank - 1]!;
    m = { rows: t.size / cols, cols, data: Float64Array.from(await t.data()) };
  }
  if (m.rows === 0 || m.cols === 0) throw new Error('storygrad: probe features are empty');
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`storygrad: probe features: non-finite value ${m.data[bad]} at row ${Math.floor(bad / m.cols)}, column ${bad % m.cols}`);
  return m;
}

/** A small seeded PRNG (mulberry32) returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded shuffle of 0..n-1 split into train and test (test gets round(n · testFraction), at least 1). */
export function trainTestSplit(n: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`storygrad: probe testFraction must be in (0, 1), got ${testFraction}`);
  const nTest = Math.max(1, Math.round(n * testFraction));
  if (n - nTest < 1) throw new Error(`storygrad: probe: ${n} examples are too few to hold out ${nTest} for testing`);
  const idx = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return { test: idx.slice(0, nTest), train: idx.slice(nTest) };
}

/** The rows of m at `index`, as a new matrix. */
export function takeRows(m: Matrix, index: readonly number[]): Matrix {
  const data = new Float64Array(index.length * m.cols);
  index.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { rows: index.length, cols: m.cols, data };
}

/** Per-column mean and standard deviation of m (a zero deviation is reported as 1). */
export function columnStats(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols), std = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) mean[c] += m.data[r * m.cols + c]! / m.rows;
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) std[c] += (m.data[r * m.cols + c]! - mean[c]!) ** 2 / m.rows;
  for (let c = 0; c < m.cols; c++) std[c] = Math.sqrt(std[c]!) || 1;
  return { mean, std };
}
