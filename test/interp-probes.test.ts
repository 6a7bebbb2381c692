// Linear (softmax) and ridge probes. Known answers: labels that are a linear function of the
// features with a margin are recovered on held-out data (~100%), random labels give chance; a
// noise-free linear target is recovered exactly by ridge (R² = 1, the true weights); token
// identity is read perfectly from cached token embeddings on either backend.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { loadBackends } from './helpers/backends.js';
import { randomModel } from './helpers/interp-models.js';

const backends = await loadBackends();

/** Seeded standard normal samples (Box–Muller over a small LCG), independent of the library's RNG. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** n rows of d features whose label is argmax(W* x), keeping only points with a margin ≥ 2 (scores have std ≈ 4). */
function separable(n: number, d: number, classes: number, seed: number): { x: number[][]; y: number[] } {
  const g = gaussian(seed);
  const W = Array.from({ length: classes }, () => Array.from({ length: d }, g));
  const x: number[][] = [], y: number[] = [];
  while (x.length < n) {
    const v = Array.from({ length: d }, g);
    const s = W.map((w) => w.reduce((acc, wi, i) => acc + wi * v[i]!, 0));
    const order = s.map((_, c) => c).sort((a, b) => s[b]! - s[a]!);
    if (s[order[0]!]! - s[order[1]!]! < 2) continue;
    x.push(v);
    y.push(order[0]!);
  }
  return { x, y };
}

describe('linear probe', () => {
  it('recovers linearly separable classes on held-out data, in raw feature units', async () => {
    const { x, y } = separable(320, 16, 3, 1);
    const before = sg.memory().liveTensors;
    const res = await sg.interp.linearProbe(x, y, { seed: 3 });
    expect(sg.memory().liveTensors).toBe(before);
    expect(res.classes).toBe(3);
    expect([res.trainSize, res.testSize]).toEqual([240, 80]);
    expect(res.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(res.trainAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(res.weights).toHaveLength(3);
    expect(res.weights[0]).toHaveLength(16);
    // Scaled and shifted features: the fit standardizes, the returned weights act on the raw values.
    const xs = x.map((r) => r.map((v, i) => 100 * v + 50 + i));
    const scaled = await sg.interp.linearProbe(xs, y, { seed: 3 });
    expect(scaled.testAccuracy).toBeGreaterThanOrEqual(0.97);
    const pred = scaled.predict(xs);
    expect(pred.filter((p, i) => p === y[i]).length / y.length).toBeGreaterThanOrEqual(0.97);
  });

  it('gives chance accuracy on random labels', async () => {
    const g = gaussian(7);
    const x = Array.from({ length: 400 }, () => Array.from({ length: 16 }, g));
    const y = x.map(() => (g() > 0 ? 1 : 0));
    const res = await sg.interp.linearProbe(x, y, { seed: 1 });
    expect(res.testAccuracy).toBeGreaterThan(0.35);
    expect(res.testAccuracy).toBeLessThan(0.65);
    expect(res.trainAccuracy).toBeGreaterThan(res.testAccuracy - 0.05);
  });

  it('rejects bad inputs naming the problem', async () => {
    await expect(sg.interp.linearProbe([[1, 2], [3, 4]], [0])).rejects.toThrow(/1 labels for 2 feature rows/);
    await expect(sg.interp.linearProbe([[1, 2], [3]], [0, 1])).rejects.toThrow(/row 1 has 1 values, row 0 has 2/);
    await expect(sg.interp.linearProbe([[1, 2], [3, 4]], [0, 1.5])).rejects.toThrow(/label 1.5 at row 1 is not an integer/);
    await expect(sg.interp.linearProbe([[1, 2], [3, 4]], [0, 0])).rejects.toThrow(/at least 2 classes/);
    await expect(sg.interp.linearProbe([[1, 2], [3, NaN]], [0, 1])).rejects.toThrow(/non-finite value NaN at row 1, column 1/);
    await expect(sg.interp.linearProbe([[1, 2], [3, 4]], [0, 1], { testFraction: 1 })).rejects.toThrow(/testFraction must be in \(0, 1\), got 1/);
    await expect(sg.interp.linearProbe([[1, 2], [3, 4]], [0, 1], { l2: -1 })).rejects.toThrow(/need l2 ≥ 0/);
  });
});

describe('ridge probe', () => {
  it('recovers a noise-free linear target exactly and finds nothing in noise', async () => {
    const g = gaussian(11);
    const wTrue = [[1.5, -2, 0.25, 0, 3, -0.5, 1, 2], [0, 1, 0, -1, 0, 1, 0, -1]];
    const x = Array.from({ length: 120 }, () => Array.from({ length: 8 }, () => 2 * g() + 1));
    const y = x.map((r) => wTrue.map((w, c) => w.reduce((s, wi, i) => s + wi * r[i]!, c === 0 ? 3 : -1)));
    const res = await sg.interp.ridgeProbe(x, y, { l2: 1e-9 });
    for (let c = 0; c < 2; c++) for (let i = 0; i < 8; i++) expect(res.weights[c]![i]).toBeCloseTo(wTrue[c]![i]!, 6);
    expect(res.bias[0]).toBeCloseTo(3, 6);
    expect(res.bias[1]).toBeCloseTo(-1, 6);
    expect(res.testR2).toBeGreaterThan(1 - 1e-9);
    const noise = await sg.interp.ridgeProbe(x, x.map(() => g()), { l2: 1 });
    expect(noise.weights).toHaveLength(1);
    expect(noise.testR2).toBeLessThan(0.2);
    await expect(sg.interp.ridgeProbe(x, [1, 2])).rejects.toThrow(/2 targets for 120 feature rows/);
  });
});

describe.each(backends)('probes on cached activations on $name', (entry) => {
  entry.describe('token identity', () => {
    it('is read perfectly from hook_embed [B, T, d]', async () => {
      const m = randomModel(entry.backend, 'llama');
      const tokens = Array.from({ length: 10 }, (_, b) => Array.from({ length: 8 }, (_, t) => (b * 5 + t * 3) % 6));
      const { logits, cache } = await m.runWithCache(tokens, { names: ['hook_embed'] });
      const res = await sg.interp.linearProbe(cache.get('hook_embed'), tokens.flat(), { seed: 2 });
      cache.dispose(); logits.dispose();
      expect(res.classes).toBe(6);
      expect(res.testSize).toBe(20);
      expect(res.testAccuracy).toBe(1);
    });
  });
});
