/**
 * Linear groups: the `linearGroup` / `linearGroupBackward` primitives (src/backend/linear-group.ts,
 * kernels/matmul_group.wgsl) and the `linearGroup` op on them (the fused q, k, v and gate / up
 * projections of the llama blocks).
 *  - every backend's primitive against float64 loops written here: 1 to 3 weights, sizes that are
 *    not multiples of the kernel tile, f32 and f16, partial gradient requests;
 *  - WebGPU: one dispatch forward and two backward on the software adapter, and bit for bit the
 *    result of the composed fallback (one product per weight, then adds) that a forced matmul
 *    variant selects;
 *  - the op against one `linear` per weight on every backend, outputs and gradients, including an
 *    output that the loss does not use; float64 finite-difference gradcheck; clear errors.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend, DType } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { WebGPUBackend } from '../src/backend/webgpu/index.js';
import { closeReport, loadBackends, webgpuOf, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();
const gpu = webgpuOf(backends);
const { forceMatmulPlan, isSoftwareAdapter } = await import('../src/backend/webgpu/matmul.js');

interface Case { rows: number; K: number; N: number[] }
const CASES: Case[] = [
  { rows: 37, K: 24, N: [20, 64, 48] }, // nothing a multiple of the 16 x 32 tile
  { rows: 64, K: 64, N: [64, 32, 32] }, // grouped-query shapes: q wider than k, v
  { rows: 5, K: 70, N: [3, 33] },
  { rows: 16, K: 32, N: [40] },
];

/** float64 reference: ys[s] = x W_sᵀ, dX = sum_s g_s W_s, dW_s = g_sᵀ x. */
function reference(c: Case, x: number[], ws: number[][], gs: number[][]) {
  const { rows, K, N } = c;
  const ys = N.map((n, s) => {
    const y = new Array<number>(rows * n).fill(0);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < K; k++) v += x[r * K + k]! * ws[s]![j * K + k]!;
      y[r * n + j] = v;
    }
    return y;
  });
  const dx = new Array<number>(rows * K).fill(0);
  N.forEach((n, s) => {
    for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += gs[s]![r * n + j]! * ws[s]![j * K + k]!;
      dx[r * K + k] += v;
    }
  });
  const dw = N.map((n, s) => {
    const d = new Array<number>(n * K).fill(0);
    for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) {
      let v = 0;
      for (let r = 0; r < rows; r++) v += gs[s]![r * n + j]! * x[r * K + k]!;
      d[j * K + k] = v;
    }
    return d;
  });
  return { ys, dx, dw };
}

function caseData(c: Case) {
  return {
    x: R.randomData(c.rows * c.K, c.rows + c.K, -1, 1),
    ws: c.N.map((n, s) => R.randomData(n * c.K, 100 + 7 * s + n, -1, 1)),
    gs: c.N.map((n, s) => R.randomData(c.rows * n, 200 + 3 * s + n, -1, 1)),
  };
}

/** Runs the primitive on a backend; returns ys, dx and dw as arrays (null where not asked for). */
async function runPrimitive(be: Backend<any>, c: Case, dtype: DType, needX: boolean, needW: boolean[]) {
  const d = caseData(c);
  const up = (v: number[]) => be.upload(Float32Array.from(v), dtype);
  const x = up(d.x), ws = d.ws.map(up), gs = d.gs.map(up);
  const args = { x, weights: ws, rows: c.rows, K: c.K, N: c.N, dtype };
  const ys = be.kernels.linearGroup(args);
  const g = be.kernels.linearGroupBackward({ ...args, grads: gs, needX, needW });
  const read = async (s: unknown, n: number) => (s ? Array.from(await be.read(s, n, dtype)) : null);
  const res = {
    ys: await Promise.all(ys.map((y, s) => read(y, c.rows * c.N[s]!))),
    dx: await read(g.dx, c.rows * c.K),
    dw: await Promise.all(g.dw.map((w, s) => read(w, c.N[s]! * c.K))),
  };
  for (const s of [x, ...ws, ...gs, ...ys, g.dx, ...g.dw]) if (s) be.free(s);
  return { res, ref: reference(c, d.x, d.ws, d.gs) };
}

const expectClose = (a: ArrayLike<number>, e: ArrayLike<number>, tol: Tol, what: string) => {
  const r = closeReport(a, e, tol, what);
  expect(r.ok, r.message).toBe(true);
};

describe('linearGroup primitive vs float64 loops', () => {
  for (const entry of backends) {
    entry.describe(entry.name, () => {
      const dtypes: DType[] = entry.name === 'webgpu' && (entry.backend as WebGPUBackend).supportsF16 ? ['f32', 'f16'] : ['f32'];
      for (const [i, c] of CASES.entries()) {
        for (const dtype of i === 0 ? dtypes : ['f32' as const]) { // f16 on one case: each kernel variant compiles for seconds on llvmpipe
          it(`rows ${c.rows}, K ${c.K}, N [${c.N}] ${dtype}`, async () => {
            const tol: Tol = dtype === 'f16' ? { atol: 0.08, rtol: 0.02 } : { atol: 2e-5, rtol: 1e-4 };
            const { res, ref } = await runPrimitive(entry.backend, c, dtype, true, c.N.map(() => true));
            c.N.forEach((_, s) => expectClose(res.ys[s]!, ref.ys[s]!, tol, `y${s}`));
            expectClose(res.dx!, ref.dx, tol, 'dx');
            c.N.forEach((_, s) => expectClose(res.dw[s]!, ref.dw[s]!, tol, `dW${s}`));
          });
        }
      }
      it('computes only what is asked for (no dx; dW of the first and last weight)', async () => {
        const c = CASES[0]!;
        const { res, ref } = await runPrimitive(entry.backend, c, 'f32', false, [true, false, true]);
        expect(res.dx).toBeNull();
        expect(res.dw[1]).toBeNull();
        expectClose(res.dw[0]!, ref.dw[0]!, { atol: 2e-5 }, 'dW0');
        expectClose(res.dw[2]!, ref.dw[2]!, { atol: 2e-5 }, 'dW2');
      });
      it('rejects bad arguments with a message', () => {
        const be = entry.backend;
        const x = be.upload(new Float32Array(8), 'f32');
        const w = be.upload(new Float32Array(8), 'f32');
        expect(() => be.kernels.linearGroup({ x, weights: [w, w, w, w], rows: 2, K: 4, N: [2, 2, 2, 2], dtype: 'f32' })).toThrow(/1 to 3 weights, got 4/);
        expect(() => be.kernels.linearGroup({ x, weights: [w, w], rows: 2, K: 4, N: [2], dtype: 'f32' })).toThrow(/2 weights but 1 output sizes/);
        expect(() => be.kernels.linearGroup({ x, weights: [w], rows: 0, K: 4, N: [2], dtype: 'f32' })).toThrow(/rows must be a positive integer/);
        expect(() => be.kernels.linearGroup({ x, weights: [w], rows: 2, K: 4, N: [2], dtype: 'i32' })).toThrow(/f32 and f16 only/);
        be.free(x);
        be.free(w);
      });
    });
  }
});

describe.skipIf(!gpu)('linearGroup on WebGPU: dispatches and the composed fallback', () => {
  it('runs the group in one dispatch forward and two backward on the software adapter, and equals the composed fallback bit for bit', async () => {
    const be = gpu!.backend as WebGPUBackend;
    // The fused kernels are chosen on software adapters with 8-lane subgroups (the test machines'
    // llvmpipe); elsewhere the group runs composed: forward 3 products, dX 3 products + 2 adds, dW 3.
    const fusedHere = isSoftwareAdapter(be.describe().adapter ?? '') && be.describe().features.includes('subgroups');
    const c = CASES[0]!;
    const d0 = be.batcher.dispatches;
    const fused = await runPrimitive(be, c, 'f32', true, [true, true, true]);
    expect(be.batcher.dispatches - d0).toBe(fusedHere ? 3 : 3 + 3 + 2 + 3);
    forceMatmulPlan({ kernel: 'reg' }); // another variant: the group runs as separate products and adds
    try {
      const d1 = be.batcher.dispatches;
      const composed = await runPrimitive(be, c, 'f32', true, [true, true, true]);
      expect(be.batcher.dispatches - d1).toBe(3 + 3 + 2 + 3); // forward 3, dX 3 products + 2 adds, dW 3
      // Bit for bit: the same k order per product, the input gradient's tiles added as (P0 + P1) + P2.
      expect(fused.res.ys).toEqual(composed.res.ys);
      expect(fused.res.dx).toEqual(composed.res.dx);
      expect(fused.res.dw).toEqual(composed.res.dw);
    } finally {
      forceMatmulPlan(null);
    }
  });
});

describe('linearGroup op vs one linear per weight', () => {
  for (const entry of backends) {
    entry.describe(entry.name, () => {
      const run = (useGroup: boolean, useAll: boolean) => sg.withBackend(entry.backend, () => sg.tidy(() => {
        const x = sg.tensor(Float32Array.from(R.randomData(2 * 7 * 24, 5, -1, 1)), { shape: [2, 7, 24], requiresGrad: true });
        const ws = [40, 24, 24].map((n, s) => sg.tensor(Float32Array.from(R.randomData(n * 24, 9 + s, -1, 1)), { shape: [n, 24], requiresGrad: true }));
        const ys = useGroup ? sg.linearGroup(x, ws) : ws.map((w) => sg.linear(x, w));
        // The first output feeds the loss twice, the third not at all when !useAll.
        const loss = ys[0]!.square().sum().add(ys[1]!.mul(ys[0]!.slice(-1, 0, 24)).sum()).add(useAll ? ys[2]!.sin().sum() : sg.tensor(0));
        loss.backward();
        return [loss, ...ys, x.grad!, ...ws.map((w) => w.grad)].map((t) => (t ? sg.keep(t) : null));
      }));
      for (const useAll of [true, false]) {
        it(`outputs and gradients${useAll ? '' : ' (an output the loss does not use)'}`, async () => {
          const [a, b] = [run(true, useAll), run(false, useAll)];
          const names = ['loss', 'y0', 'y1', 'y2', 'dx', 'dW0', 'dW1', 'dW2'];
          if (!useAll) {
            // As with separate linears, the weight of the unused output gets no gradient.
            expect(a[7]).toBeNull();
            expect(b[7]).toBeNull();
            a.pop();
            b.pop();
          }
          for (let i = 0; i < a.length; i++) {
            expect(a[i]!.shape).toEqual(b[i]!.shape);
            expectClose(await a[i]!.data(), await b[i]!.data(), { atol: 1e-4, rtol: 1e-4 }, names[i]!);
          }
          [...a, ...b].forEach((t) => t?.dispose());
        });
      }
      it('gives no input gradient when x needs none, and falls back to separate linears when the weights do not fit a group', async () => {
        sg.withBackend(entry.backend, () => sg.tidy(() => {
          const x = sg.randn([3, 8], { seed: 1 });
          const w = [sg.randn([4, 8], { seed: 2, requiresGrad: true }), sg.randn([2, 8], { seed: 3, requiresGrad: true })];
          const [p, q] = sg.linearGroup(x, w);
          p!.sum().add(q!.sum()).backward();
          expect(x.grad).toBeNull();
          expect(w[0]!.grad!.shape).toEqual([4, 8]);
          expect(sg.linearGroup(x, [w[0]!]).length).toBe(1); // one weight: a plain linear
          expect(() => sg.linearGroup(x, [w[0]!, sg.randn([4, 5])])).toThrow(/linear|shape|matmul/i); // in size 5 != 8
        }));
      });
    });
  }
});

describe('linearGroup op: gradcheck (float64 finite differences)', () => {
  const cpu = new CpuBackend();
  const up = (shape: number[], seed: number) => sg.withBackend(cpu, () => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), seed, -1.5, 1.5)), { shape }));
  it('three weights, x [2, 3, 4]', async () => {
    const ts = [up([2, 3, 4], 1), up([5, 4], 2), up([3, 4], 3), up([2, 4], 4)];
    const res = await sg.gradcheck((x, a, b, c) => {
      const [p, q, r] = sg.linearGroup(x!, [a!, b!, c!]);
      return p!.square().sum().add(q!.mul(2).sum()).add(r!.tanh().sum());
    }, ts, { atol: 1e-6, rtol: 1e-4 });
    ts.forEach((t) => t.dispose());
    expect(res.ok, `${res.firstFailure} (max abs error ${res.maxAbsError})`).toBe(true);
  });
});
