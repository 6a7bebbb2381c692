/**
 * Fused linear layers: the `matmulFused` primitive (bias / GELU / GELU-backward epilogue, row sums
 * of op(a)) and the ops on it (`linear`, `geluMlp`, src/ops/linear.ts).
 *  - CPU primitive against a plain float64 reference written here (matmul loops, gelu formula);
 *  - WebGPU primitive against the CPU one for every matmul variant (tiled, reg, reg-sg), unsplit
 *    and split-K, every epilogue, f32 and f16;
 *  - fused ops against the composed ones (matmul + add + gelu) on every backend: outputs and every
 *    gradient, including inputs that need no gradient;
 *  - float64 finite-difference gradcheck; bitwise determinism; clear errors.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend, DType, MatmulFusedArgs } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends, webgpuOf, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();
const gpu = webgpuOf(backends);
const { forceMatmulPlan } = await import('../src/backend/webgpu/matmul.js');

type Epi = 'none' | 'bias' | 'bias_gelu' | 'gelu' | 'gelu_grad';
const EPIS: Epi[] = ['none', 'bias', 'bias_gelu', 'gelu', 'gelu_grad'];

/** Independent tanh-form GELU and its derivative (float64). */
const geluRef = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const geluDRef = (x: number) => {
  const h = 1e-4;
  return (geluRef(x + h) - geluRef(x - h)) / (2 * h); // central difference: independent of the closed form
};

interface Case { M: number; N: number; K: number; transA: boolean; transB: boolean }
const label = (c: Case, epi: Epi, rowSums: boolean) => `${c.M}x${c.N}x${c.K} tA=${c.transA} tB=${c.transB} ${epi}${rowSums ? ' +rowSums' : ''}`;

/** Input data of a case: a (as stored), b (as stored), bias [N], h [M, N]. */
function data(c: Case) {
  return {
    a: R.randomData(c.M * c.K, c.M * 7 + c.K, -1, 1),
    b: R.randomData(c.K * c.N, c.N * 5 + c.K, -1, 1),
    bias: R.randomData(c.N, c.N + 11, -1, 1),
    h: R.randomData(c.M * c.N, c.M + c.N + 3, -3, 3),
  };
}

/** Runs matmulFused on a backend; returns out, pre and rowSums as arrays (null where absent). */
async function runFused(be: Backend<any>, c: Case, epi: Epi, rowSums: boolean, dtype: DType = 'f32') {
  const d = data(c);
  const up = (v: number[]) => be.upload(Float32Array.from(v), dtype);
  const a = up(d.a), b = up(d.b), bias = up(d.bias), h = up(d.h);
  const args: MatmulFusedArgs<unknown> = {
    a, b, dtype, batch: 1, M: c.M, N: c.N, K: c.K, transA: c.transA, transB: c.transB, aBatchStride: 0, bBatchStride: 0,
    bias: epi === 'bias' || epi === 'bias_gelu' ? bias : null,
    activation: epi === 'bias_gelu' || epi === 'gelu' ? 'gelu' : null,
    geluGradOf: epi === 'gelu_grad' ? h : null,
    rowSums,
  };
  const r = be.kernels.matmulFused(args);
  const read = async (s: unknown, n: number) => (s ? Array.from(await be.read(s, n, dtype)) : null);
  const res = { out: (await read(r.out, c.M * c.N))!, pre: await read(r.pre, c.M * c.N), rowSums: await read(r.rowSums, c.M) };
  for (const s of [a, b, bias, h, r.out, r.pre, r.rowSums]) if (s) be.free(s);
  return res;
}

/** The float64 reference of the same call, written from the definition. */
function reference(c: Case, epi: Epi) {
  const d = data(c);
  const A = (m: number, k: number) => d.a[c.transA ? k * c.M + m : m * c.K + k]!;
  const B = (k: number, n: number) => d.b[c.transB ? n * c.K + k : k * c.N + n]!;
  const out: number[] = [], pre: number[] = [], rowSums: number[] = [];
  for (let m = 0; m < c.M; m++) {
    let s = 0;
    for (let k = 0; k < c.K; k++) s += A(m, k);
    rowSums.push(s);
    for (let n = 0; n < c.N; n++) {
      let p = 0;
      for (let k = 0; k < c.K; k++) p += A(m, k) * B(k, n);
      const x = epi === 'bias' || epi === 'bias_gelu' ? p + d.bias[n]! : p;
      pre.push(x);
      out.push(epi === 'bias_gelu' || epi === 'gelu' ? geluRef(x) : epi === 'gelu_grad' ? p * geluDRef(d.h[m * c.N + n]!) : x);
    }
  }
  return { out, pre, rowSums };
}

const CASES: Case[] = [
  { M: 19, N: 37, K: 23, transA: false, transB: true },   // x Wᵀ (a linear forward)
  { M: 37, N: 23, K: 19, transA: true, transB: false },   // dYᵀ x (a weight gradient)
  { M: 5, N: 70, K: 9, transA: false, transB: false },    // dY W (an input gradient)
  { M: 1, N: 3, K: 1, transA: true, transB: true },
];

describe('matmulFused on the CPU matches a plain float64 reference', () => {
  const cpu = new CpuBackend();
  for (const c of CASES) {
    for (const epi of EPIS) {
      it(label(c, epi, true), async () => {
        const got = await runFused(cpu, c, epi, true);
        const ref = reference(c, epi);
        const tol: Tol = { atol: 2e-5, rtol: 1e-4 };
        allClose(got.out, ref.out, tol, 'out');
        allClose(got.rowSums!, ref.rowSums, tol, 'rowSums');
        if (epi === 'bias_gelu' || epi === 'gelu') allClose(got.pre!, ref.pre, tol, 'pre');
        else expect(got.pre).toBeNull();
      });
    }
  }
  it('without rowSums returns none', async () => {
    expect((await runFused(cpu, CASES[0]!, 'bias', false)).rowSums).toBeNull();
  });
});

(gpu ? describe : describe.skip)('matmulFused on WebGPU matches the CPU backend, every variant', () => {
  const cpu = new CpuBackend();
  const kernels = (): ('tiled' | 'reg' | 'reg-sg')[] => (gpu!.backend.describe().features.includes('subgroups') ? ['tiled', 'reg', 'reg-sg'] : ['tiled', 'reg']);
  for (const splits of [1, 3]) {
    it(`every epilogue and row sums, ${splits === 1 ? 'unsplit' : 'split-K (3 chunks)'}`, async () => {
      for (const kernel of kernels()) {
        forceMatmulPlan({ kernel, splits });
        try {
          for (const c of CASES) {
            for (const epi of EPIS) {
              const rowSums = epi !== 'gelu_grad';
              const [got, ref] = [await runFused(gpu!.backend, c, epi, rowSums), await runFused(cpu, c, epi, rowSums)];
              const what = `${kernel} splits ${splits} ${label(c, epi, rowSums)}`;
              const tol: Tol = { atol: 2e-5, rtol: 2e-4 };
              allClose(got.out, ref.out, tol, `${what} out`);
              if (ref.pre) allClose(got.pre!, ref.pre, tol, `${what} pre`);
              else expect(got.pre, what).toBeNull();
              if (ref.rowSums) allClose(got.rowSums!, ref.rowSums, tol, `${what} rowSums`);
            }
          }
        } finally {
          forceMatmulPlan(null);
        }
      }
    }, 600_000);
  }

  it('f16 storage (when the adapter has shader-f16)', async () => {
    if (!gpu!.backend.supportsF16) return;
    for (const epi of EPIS) {
      const c = CASES[0]!;
      const [got, ref] = [await runFused(gpu!.backend, c, epi, true, 'f16'), await runFused(cpu, c, epi, true, 'f16')];
      const tol: Tol = { atol: 1e-2, rtol: 1e-2 };
      allClose(got.out, ref.out, tol, `f16 ${epi} out`);
      allClose(got.rowSums!, ref.rowSums!, tol, `f16 ${epi} rowSums`);
      if (ref.pre) allClose(got.pre!, ref.pre, tol, `f16 ${epi} pre`);
    }
  }, 300_000);

  it('deterministic: two runs are bitwise equal', async () => {
    const c: Case = { M: 70, N: 33, K: 130, transA: true, transB: false };
    const [a, b] = [await runFused(gpu!.backend, c, 'bias_gelu', true), await runFused(gpu!.backend, c, 'bias_gelu', true)];
    expect(b).toEqual(a);
  }, 120_000);
});

/** Output and the gradient of every input of f(...inputs) for sum(out * g). */
async function grads(be: Backend<any>, shapes: number[][], needGrad: boolean[], fn: (...ts: (Tensor | null)[]) => Tensor, seed: number): Promise<number[][]> {
  const ts = shapes.map((s, i) => sg.withBackend(be, () => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(s), seed + i, -1, 1)), { shape: s, requiresGrad: needGrad[i] })));
  const res = sg.withBackend(be, () => sg.tidy(() => {
    const y = fn(...ts);
    const g = sg.tensor(Float32Array.from(R.randomData(y.size, seed + 99, -1, 1)), { shape: y.shape });
    y.backward(g);
    return y.detach();
  }));
  const out = [Array.from(await res.data())];
  for (const t of ts) out.push(t.grad ? Array.from(await t.grad.data()) : []);
  for (const t of ts) { t.grad?.dispose(); t.dispose(); }
  res.dispose();
  return out;
}

describe.each(backends.filter((b) => b.available))('fused linear ops vs the composed ops on $name', (entry) => {
  const tol: Tol = { atol: 3e-5, rtol: 3e-4 };
  const linearCases: { what: string; shapes: number[][]; need: boolean[] }[] = [
    { what: 'x [2, 5, 6], bias', shapes: [[2, 5, 6], [7, 6], [7]], need: [true, true, true] },
    { what: 'x [9, 33], no bias', shapes: [[9, 33], [20, 33]], need: [true, true] },
    { what: 'x [4], bias', shapes: [[4], [3, 4], [3]], need: [true, true, true] },
    { what: 'frozen weight, bias trained', shapes: [[3, 4, 8], [5, 8], [5]], need: [true, false, true] },
    { what: 'only the weight trained', shapes: [[6, 8], [5, 8], [5]], need: [false, true, false] },
  ];
  for (const c of linearCases) {
    it(`linear: ${c.what}`, async () => {
      const [f, r] = [
        await grads(entry.backend, c.shapes, c.need, (x, w, b) => {
          const y = sg.linear(x!, w!, b);
          expect(y.node?.op ?? 'linear').toBe('linear'); // the fused op (no node when nothing needs a gradient)
          return y;
        }, 3),
        await grads(entry.backend, c.shapes, c.need, (x, w, b) => sg.linearComposed(x!, w!, b), 3),
      ];
      f.forEach((v, i) => allClose(v, r[i]!, tol, `${c.what} ${i === 0 ? 'out' : `grad ${i - 1}`}`));
    }, 120_000);
  }

  const mlpCases: { what: string; shapes: (number[] | null)[]; need: boolean[] }[] = [
    { what: 'x [2, 9, 8], biases', shapes: [[2, 9, 8], [32, 8], [32], [8, 32], [8]], need: [true, true, true, true, true] },
    { what: 'x [5, 6], no biases', shapes: [[5, 6], [10, 6], null, [3, 10], null], need: [true, true, false, true, false] },
    { what: 'only the outer layer trained', shapes: [[4, 6], [10, 6], [10], [3, 10], [3]], need: [false, false, false, true, true] },
    { what: 'only the input needs a gradient', shapes: [[4, 6], [10, 6], [10], [3, 10], [3]], need: [true, false, false, false, false] },
  ];
  for (const c of mlpCases) {
    it(`geluMlp: ${c.what}`, async () => {
      const present = c.shapes.map((s) => s !== null);
      const shapes = c.shapes.filter((s): s is number[] => s !== null);
      const need = c.need.filter((_, i) => present[i]);
      const spread = (ts: (Tensor | null)[]): (Tensor | null)[] => { let j = 0; return present.map((p) => (p ? ts[j++]! : null)); };
      const [f, r] = [
        await grads(entry.backend, shapes, need, (...ts) => {
          const [x, wi, bi, wo, bo] = spread(ts);
          const y = sg.geluMlp(x!, wi!, bi, wo!, bo);
          expect(y.node?.op).toBe('geluMlp');
          return y;
        }, 7),
        await grads(entry.backend, shapes, need, (...ts) => {
          const [x, wi, bi, wo, bo] = spread(ts);
          return sg.geluMlpComposed(x!, wi!, bi, wo!, bo);
        }, 7),
      ];
      f.forEach((v, i) => allClose(v, r[i]!, tol, `${c.what} ${i === 0 ? 'out' : `grad ${i - 1}`}`));
    }, 120_000);
  }

  it('empty inner size: x [3, 0] gives the bias in every row', async () => {
    const y = sg.withBackend(entry.backend, () => sg.linear(sg.zeros([3, 0]), sg.zeros([2, 0]), sg.tensor([1.5, -2])));
    expect(y.shape).toEqual([3, 2]);
    expect(Array.from(await y.data())).toEqual([1.5, -2, 1.5, -2, 1.5, -2]);
    y.dispose();
  });

  it('shapes the fused path does not take fall back to the composed ops', () => {
    sg.withBackend(entry.backend, () => sg.tidy(() => {
      const x = sg.randn([2, 3, 4], { seed: 1, requiresGrad: true });
      expect(sg.linear(x, sg.randn([2, 5, 4], { seed: 2 })).node?.op).toBe('matmul'); // batched weight
      expect(sg.linear(x, sg.randn([5, 4], { seed: 2 }), sg.randn([1, 5], { seed: 3 })).node?.op).toBe('add'); // bias [1, 5]
      expect(sg.geluMlp(x, sg.randn([6, 4], { seed: 4 }), null, sg.randn([2, 6, 6], { seed: 5 }), null).node?.op).toBe('matmul');
    }));
  });

  it('no tensors leak (inference and training)', () => {
    const x = sg.withBackend(entry.backend, () => sg.randn([3, 4], { seed: 1, requiresGrad: true }));
    const w = sg.withBackend(entry.backend, () => sg.randn([5, 4], { seed: 2, requiresGrad: true }));
    const w2 = sg.withBackend(entry.backend, () => sg.randn([4, 5], { seed: 3, requiresGrad: true }));
    const before = sg.liveTensors();
    sg.withBackend(entry.backend, () => sg.noGrad(() => sg.tidy(() => { sg.geluMlp(x, w, null, w2, null); sg.linear(x, w); })));
    expect(sg.liveTensors()).toBe(before);
    sg.withBackend(entry.backend, () => sg.tidy(() => { sg.geluMlp(x, w, null, w2, null).sum().backward(); }));
    expect(sg.liveTensors() - before).toBe(3); // the three .grad tensors
    for (const t of [x, w, w2]) { t.grad?.dispose(); t.dispose(); }
  });
});

describe('fused linear ops: gradcheck (float64 finite differences)', () => {
  const cpu = new CpuBackend();
  const up = (shape: number[], seed: number) => sg.withBackend(cpu, () => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), seed, -1.5, 1.5)), { shape }));
  it('linear with bias, x [2, 3, 4]', async () => {
    const ts = [up([2, 3, 4], 1), up([5, 4], 2), up([5], 3)];
    const res = await sg.gradcheck((x, w, b) => sg.linear(x!, w!, b), ts, { atol: 1e-6, rtol: 1e-4 });
    ts.forEach((t) => t.dispose());
    expect(res.ok, `${res.firstFailure} (max abs error ${res.maxAbsError})`).toBe(true);
  });
  it('geluMlp with biases, x [3, 4]', async () => {
    const ts = [up([3, 4], 4), up([6, 4], 5), up([6], 6), up([2, 6], 7), up([2], 8)];
    const res = await sg.gradcheck((x, wi, bi, wo, bo) => sg.geluMlp(x!, wi!, bi!, wo!, bo!), ts, { atol: 1e-6, rtol: 1e-4 });
    ts.forEach((t) => t.dispose());
    expect(res.ok, `${res.firstFailure} (max abs error ${res.maxAbsError})`).toBe(true);
  });
});

describe('matmulFused errors (every backend says the same)', () => {
  for (const entry of backends.filter((b) => b.available)) {
    it(`on ${entry.name}`, () => {
      const be = entry.backend;
      const s = be.upload(Float32Array.from([1, 2, 3, 4]), 'f32');
      const base = { a: s, b: s, dtype: 'f32' as const, batch: 1, M: 2, N: 2, K: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      expect(() => be.kernels.matmulFused({ ...base, bias: s, geluGradOf: s })).toThrow(/geluGradOf .* cannot be combined with a bias or an activation/);
      expect(() => be.kernels.matmulFused({ ...base, batch: 2, aBatchStride: 0, rowSums: true })).toThrow(/rowSums needs batch 1, got batch 2/);
      expect(() => be.kernels.matmulFused({ ...base, activation: 'relu' as any })).toThrow(/unknown activation 'relu'/);
      be.free(s);
    });
  }
});
