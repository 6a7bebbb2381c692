/**
 * The ops routed through the fused kernels against their compositions from primitive ops, on
 * every backend: layerNorm / rmsNorm / last-dim softmax / crossEntropy (every reduction, ignored
 * and out-of-range targets) forward and gradients; AdamW fused vs composed over 5 steps, its
 * in-place safety (views, detached copies, state() tensors); dispatch counts; determinism of a
 * whole GPT training step; no leaked statistics under noGrad.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend, DType } from '../src/backend/backend.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();

interface In { shape: number[]; data: number[]; dtype?: DType }
const U = (shape: number[], seed: number, lo = -2, hi = 2): In => ({ shape, data: R.randomData(R.sizeOf(shape), seed, lo, hi) });
const I = (shape: number[], data: number[]): In => ({ shape, data, dtype: 'i32' });

function upload(be: Backend<any>, x: In): Tensor {
  return sg.withBackend(be, () => sg.tensor(x.dtype === 'i32' ? Int32Array.from(x.data) : Float32Array.from(x.data), { shape: x.shape, dtype: x.dtype ?? 'f32' }));
}

/** Output and every float input's gradient of sum(fn(...) * w), w fixed. */
async function evalWithGrads(be: Backend<any>, fn: (...ts: Tensor[]) => Tensor, ins: In[]): Promise<{ out: number[]; grads: (number[] | null)[] }> {
  return sg.withBackend(be, async () => {
    const ts = ins.map((x) => upload(be, x));
    ts.forEach((t) => { if (t.dtype !== 'i32') t.requiresGrad = true; });
    const out = sg.tidy(() => {
      const y = fn(...ts);
      const w = sg.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.cos(i * 0.7 + 0.2)), { shape: y.shape.slice() });
      sg.sum(sg.mul(y, w)).backward();
      return y.detach();
    });
    const res = { out: Array.from(await out.data()), grads: [] as (number[] | null)[] };
    out.dispose();
    for (const t of ts) {
      res.grads.push(t.grad ? Array.from(await t.grad.data()) : null);
      t.grad?.dispose();
      t.dispose();
    }
    return res;
  });
}

interface Pair {
  name: string;
  inputs: () => In[];
  fused: (...ts: Tensor[]) => Tensor;
  composed: (...ts: Tensor[]) => Tensor;
  tol?: Tol;
}

const CE_T = [3, -100, 0, 9, 2, -5, 4, 1]; // 9 and -5 are out of range for V = 7
const pairs: Pair[] = [
  { name: 'layerNorm weight+bias [4,33]', inputs: () => [U([4, 33], 1, -3, 3), U([33], 2, 0.5, 1.5), U([33], 3)], fused: (x, w, b) => sg.layerNorm(x, w, b), composed: (x, w, b) => sg.layerNormComposed(x, w, b) },
  { name: 'layerNorm no affine [2,3,7]', inputs: () => [U([2, 3, 7], 4, -3, 3)], fused: (x) => sg.layerNorm(x), composed: (x) => sg.layerNormComposed(x) },
  { name: 'layerNorm weight only, eps 1e-3', inputs: () => [U([5, 8], 5), U([8], 6)], fused: (x, w) => sg.layerNorm(x, w, null, 1e-3), composed: (x, w) => sg.layerNormComposed(x, w, null, 1e-3) },
  { name: 'layerNorm bias only [1,257]', inputs: () => [U([1, 257], 7), U([257], 8)], fused: (x, b) => sg.layerNorm(x, null, b), composed: (x, b) => sg.layerNormComposed(x, null, b) },
  { name: 'layerNorm rows of one element', inputs: () => [U([6, 1], 9), U([1], 10), U([1], 11)], fused: (x, w, b) => sg.layerNorm(x, w, b), composed: (x, w, b) => sg.layerNormComposed(x, w, b) },
  { name: 'rmsNorm weight [3,2,33]', inputs: () => [U([3, 2, 33], 12), U([33], 13)], fused: (x, w) => sg.rmsNorm(x, w, 1e-6), composed: (x, w) => sg.rmsNormComposed(x, w, 1e-6) },
  { name: 'rmsNorm no weight [7,1000]', inputs: () => [U([7, 1000], 14)], fused: (x) => sg.rmsNorm(x), composed: (x) => sg.rmsNormComposed(x) },
  { name: 'softmax last dim [3,4,33]', inputs: () => [U([3, 4, 33], 15, -5, 5)], fused: (x) => sg.softmax(x, -1), composed: (x) => sg.softmaxComposed(x, -1) },
  {
    name: 'softmax causal-masked scores (where -Infinity)', inputs: () => [U([2, 7, 7], 16, -3, 3)],
    fused: (x) => sg.softmax(sg.where(sg.tensor(R.randomInts(49, 3, 0, 1).map((v, i) => (i % 8 === 0 ? 1 : v)), { shape: [7, 7], dtype: 'i32' }), x, -Infinity)),
    composed: (x) => sg.softmaxComposed(sg.where(sg.tensor(R.randomInts(49, 3, 0, 1).map((v, i) => (i % 8 === 0 ? 1 : v)), { shape: [7, 7], dtype: 'i32' }), x, -Infinity)),
  },
  ...(['mean', 'sum', 'none'] as const).flatMap((reduction) => [-100, 0].map((ignoreIndex): Pair => ({
    name: `crossEntropy ${reduction} ignoreIndex ${ignoreIndex} (ignored and out-of-range targets)`,
    inputs: () => [U([8, 7], 17, -4, 4), I([8], CE_T)],
    fused: (l, t) => sg.crossEntropy(l, t, { reduction, ignoreIndex }),
    composed: (l, t) => sg.crossEntropyComposed(l, t, { reduction, ignoreIndex }),
  }))),
  { name: 'crossEntropy 3-D logits [2,3,257]', inputs: () => [U([2, 3, 257], 18, -6, 6), I([2, 3], [5, 256, 0, -100, 100, 7])], fused: (l, t) => sg.crossEntropy(l, t), composed: (l, t) => sg.crossEntropyComposed(l, t) },
  { name: 'crossEntropy 1-D logits (one row)', inputs: () => [U([33], 19), I([], [4])], fused: (l, t) => sg.crossEntropy(l, t), composed: (l, t) => sg.crossEntropyComposed(l, t) },
];

describe.each(backends)('fused ops vs compositions on $name', (entry) => {
  entry.describe('forward and gradients', () => {
    for (const p of pairs) {
      it(p.name, async () => {
        const ins = p.inputs();
        const a = await evalWithGrads(entry.backend, p.fused, ins);
        const b = await evalWithGrads(entry.backend, p.composed, ins);
        const tol = p.tol ?? { atol: 2e-5, rtol: 1e-4 };
        allClose(a.out, b.out, tol, `${p.name}: output`);
        b.grads.forEach((g, i) => {
          if (!g) { expect(a.grads[i], `input ${i}: gradient only on the fused op`).toBeNull(); return; }
          allClose(a.grads[i]!, g, tol, `${p.name}: grad of input ${i}`);
        });
      });
    }
  });

  entry.describe('semantics', () => {
    it('crossEntropy mean: the denominator counts targets != ignoreIndex; all ignored gives NaN', async () => {
      await sg.withBackend(entry.backend, async () => {
        const l = sg.tensor([[0, 0], [0, 0], [0, 0]]);
        const t = sg.tensor([1, -100, 5], { dtype: 'i32' }); // 5 is out of range: 0 but counted
        expect(await sg.crossEntropy(l, t).item()).toBeCloseTo(Math.log(2) / 2, 6);
        expect(await sg.crossEntropy(l, t, { reduction: 'sum' }).item()).toBeCloseTo(Math.log(2), 6);
        expect(Array.from(await sg.crossEntropy(l, t, { reduction: 'none' }).data()).map((v) => +v.toFixed(6))).toEqual([+Math.log(2).toFixed(6), 0, 0]);
        const all = sg.tensor([-100, -100, -100], { dtype: 'i32' });
        expect(Number.isNaN(await sg.crossEntropy(l, all).item())).toBe(true);
      });
    });

    it('crossEntropy rejects bad targets; norms reject a mismatched weight', () => {
      sg.withBackend(entry.backend, () => {
        const l = sg.zeros([2, 3]);
        expect(() => sg.crossEntropy(l, sg.tensor([0, 1]))).toThrow(/targets must be i32/);
        expect(() => sg.crossEntropy(l, sg.tensor([0, 1, 2], { dtype: 'i32' }))).toThrow(/must have shape \[2\]/);
        expect(() => sg.layerNorm(l, sg.ones([2]))).toThrow(/weight must be \[3\]/);
        expect(() => sg.rmsNorm(l, sg.ones([3], { dtype: 'i32' }))).toThrow(/dtype mismatch/);
        expect(() => sg.layerNorm(sg.tensor(1))).toThrow(/at least one dim/);
      });
    });

    it('under noGrad the saved statistics are freed at once (no extra live tensors)', () => {
      sg.withBackend(entry.backend, () => {
        const x = sg.randn([4, 8], { seed: 1 }), w = sg.ones([8], { requiresGrad: true }), b = sg.zeros([8], { requiresGrad: true });
        const t = sg.tensor([1, 2, 3, 0], { dtype: 'i32' });
        const before = sg.liveTensors();
        const outs = sg.noGrad(() => [sg.layerNorm(x, w, b), sg.rmsNorm(x, w), sg.nn.functional.crossEntropy(x, t, { reduction: 'none' })]);
        expect(sg.liveTensors() - before).toBe(3);
        for (const o of [...outs, x, w, b, t]) o.dispose();
      });
    });
  });

  entry.describe('AdamW', () => {
    /** 5 steps of AdamW (fused or composed) on a tiny model; returns params, moments and losses. */
    async function train(fused: boolean, weightDecay: number, clip = 0): Promise<{ params: number[][]; m: number[][]; v: number[][]; losses: number[] }> {
      return sg.withBackend(entry.backend, async () => {
        const mk = (shape: number[], seed: number, s: number) => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), seed, -s, s)), { shape, requiresGrad: true });
        const params = [mk([7, 5], 1, 0.5), mk([7], 2, 0.1), mk([3, 7], 3, 0.5), mk([7], 4, 1)];
        const x = sg.tensor(Float32Array.from(R.randomData(6 * 5, 5)), { shape: [6, 5] });
        const t = sg.tensor([0, 2, 1, -100, 2, 0], { dtype: 'i32' });
        const opt = new sg.optim.AdamW(params, { lr: 0.05, betas: [0.9, 0.99], eps: 1e-8, weightDecay, fused });
        const losses: number[] = [];
        for (let step = 0; step < 5; step++) {
          const loss = sg.tidy(() => {
            const [w1, b1, w2, g] = params as [Tensor, Tensor, Tensor, Tensor];
            const l = sg.crossEntropy(sg.linear(sg.layerNorm(sg.gelu(sg.linear(x, w1, b1)), g), w2), t);
            opt.zeroGrad();
            l.backward();
            opt.step({ gradScale: clip > 0 ? sg.optim.clipScaleOnDevice(params, clip)!.scale : null });
            return l;
          });
          losses.push(await loss.item());
          loss.dispose();
        }
        const st = opt.state();
        const read = async (ts: (Tensor | undefined)[]) => Promise.all(ts.map(async (q) => Array.from(await q!.data())));
        const res = { params: await read(params), m: await read(st.m), v: await read(st.v), losses };
        opt.zeroGrad();
        for (const q of [...params, ...st.m, ...st.v, x, t]) q!.dispose();
        return res;
      });
    }

    for (const wd of [0.1, 0]) {
      it(`fused matches composed over 5 steps (weightDecay ${wd}): params, m, v to 1e-6 relative`, async () => {
        const f = await train(true, wd), c = await train(false, wd);
        expect(f.losses[4]!).toBeLessThan(f.losses[0]!);
        allClose(f.losses, c.losses, { atol: 1e-6, rtol: 1e-6 }, 'losses');
        for (const k of ['params', 'm', 'v'] as const) {
          f[k].forEach((p, i) => allClose(p, c[k][i]!, { atol: 1e-9, rtol: 1e-6 }, `${k} ${i}`));
        }
      });
    }

    it('a clip factor as gradScale: fused matches composed, and both match clipping the gradients first', async () => {
      const f = await train(true, 0.1, 0.05), c = await train(false, 0.1, 0.05);
      allClose(f.losses, c.losses, { atol: 1e-6, rtol: 1e-6 }, 'losses');
      for (const k of ['params', 'm', 'v'] as const) f[k].forEach((p, i) => allClose(p, c[k][i]!, { atol: 1e-9, rtol: 1e-6 }, `${k} ${i}`));
      // The reference: clipGradNormOnDevice rewrites the gradients, then a plain composed step.
      const r = await sg.withBackend(entry.backend, async () => {
        const p = sg.tensor(Float32Array.from(R.randomData(12, 9, -1, 1)), { shape: [3, 4], requiresGrad: true });
        const q = sg.tensor(Float32Array.from(R.randomData(12, 9, -1, 1)), { shape: [3, 4], requiresGrad: true });
        const optP = new sg.optim.AdamW([p], { lr: 0.1, fused: false }), optQ = new sg.optim.AdamW([q], { lr: 0.1 });
        sg.tidy(() => {
          p.square().sum().backward();
          sg.optim.clipGradNormOnDevice([p], 0.3);
          optP.step();
          q.square().sum().backward();
          optQ.step({ gradScale: sg.optim.clipScaleOnDevice([q], 0.3)!.scale });
        });
        const out = [Array.from(await p.data()), Array.from(await q.data())];
        optP.zeroGrad(); optQ.zeroGrad();
        for (const t of [p, q, ...optP.state().m, ...optP.state().v, ...optQ.state().m, ...optQ.state().v]) t?.dispose();
        return out;
      });
      allClose(r[1]!, r[0]!, { atol: 1e-7, rtol: 1e-6 }, 'gradScale = clipping first');
      expect(() => sg.withBackend(entry.backend, () => new sg.optim.AdamW([sg.zeros([2], { requiresGrad: true })], { lr: 1 }).step({ gradScale: sg.zeros([2]) })))
        .toThrow(/gradScale must be one f32 value/);
    });

    it('a training loop on the fused ops keeps memory and live tensors flat', async () => {
      await sg.withBackend(entry.backend, async () => {
        const w = sg.randn([6, 5], { seed: 1, scale: 0.3, requiresGrad: true });
        const g = sg.ones([6], { requiresGrad: true }), b = sg.zeros([6], { requiresGrad: true });
        const x = sg.randn([10, 5], { seed: 2 });
        const t = sg.tensor([0, 1, 2, 3, 4, 5, -100, 0, 1, 2], { dtype: 'i32' });
        const opt = new sg.optim.AdamW([w, g, b], { lr: 0.05 });
        const marks: [number, number][] = [];
        for (let step = 0; step < 30; step++) {
          sg.tidy(() => {
            const h = sg.layerNorm(sg.linear(x, w), g, b);
            const l = sg.add(sg.crossEntropy(h, t), sg.mean(sg.rmsNorm(sg.softmax(h))));
            opt.zeroGrad();
            l.backward();
            opt.step();
          });
          if (step === 4 || step === 29) marks.push([sg.memory().bytesInUse, sg.liveTensors()]);
        }
        expect(marks[1]).toEqual(marks[0]);
        opt.zeroGrad();
        for (const q of [w, g, b, x, t, ...opt.state().m, ...opt.state().v]) q?.dispose();
      });
    });

    it('in-place updates never show through other tensors: views, detached copies, state() tensors', async () => {
      await sg.withBackend(entry.backend, async () => {
        const base = sg.tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
        const view = sg.reshape(base.detach(), [2, 3]).requireGrad(); // a parameter sharing base's storage
        const p = sg.tensor([0.5, -0.5, 2], { requiresGrad: true });
        const snapshot = p.detach();
        const opt = new sg.optim.AdamW([view, p], { lr: 0.1 });
        const before = opt.state();
        expect(before.m).toEqual([undefined, undefined]);
        sg.tidy(() => { sg.add(sg.sum(sg.square(view)), sg.sum(sg.mul(p, 3))).backward(); opt.step(); });
        expect(Array.from(await base.data())).toEqual([1, 2, 3, 4, 5, 6]);
        expect(Array.from(await snapshot.data())).toEqual([0.5, -0.5, 2]);
        expect(Array.from(await p.data()).every((v, i) => v !== [0.5, -0.5, 2][i])).toBe(true);
        const s1 = opt.state();
        const m1 = Array.from(await s1.m[1]!.data());
        allClose(m1, [0.3, 0.3, 0.3], { atol: 1e-6, rtol: 1e-6 }, 'm after one step');
        sg.tidy(() => { opt.step(); }); // same gradients again
        const s2 = opt.state();
        if (opt.fused) expect(s2.m[1]).toBe(s1.m[1]); // updated in place, still alive
        allClose(Array.from(await s2.m[1]!.data()), [0.57, 0.57, 0.57], { atol: 1e-6, rtol: 1e-6 }, 'm after two steps');
        opt.zeroGrad();
        for (const q of [base, view, p, snapshot, ...s2.m, ...s2.v]) q?.dispose();
      });
    });
  });
});

const gpuEntry = backends.find((b) => b.name === 'webgpu' && b.available);

describe.skipIf(!gpuEntry)('fused ops on webgpu: dispatches and determinism', () => {
  const gpu = () => gpuEntry!.backend as Backend<any> & { batcher: { dispatches: number } };

  it('one dispatch per norm / softmax / crossEntropy forward (two for its mean), at most three per backward, one per AdamW step (one per parameter unpacked)', () => {
    sg.withBackend(gpu(), () => {
      const x = sg.randn([16, 24], { seed: 2, requiresGrad: true });
      const w = sg.ones([24], { requiresGrad: true }), b = sg.zeros([24], { requiresGrad: true });
      const count = (fn: () => void) => { const d0 = gpu().batcher.dispatches; fn(); return gpu().batcher.dispatches - d0; };
      sg.tidy(() => {
        let y!: Tensor;
        expect(count(() => { y = sg.layerNorm(x, w, b); })).toBe(1);
        const g = sg.onesLike(y);
        expect(count(() => y.backward(g))).toBeLessThanOrEqual(3);
        let r!: Tensor;
        expect(count(() => { r = sg.rmsNorm(x, w); })).toBe(1);
        let s!: Tensor;
        expect(count(() => { s = sg.softmax(x); })).toBe(1);
        let ce!: Tensor;
        const t = sg.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 24), { dtype: 'i32' });
        expect(count(() => { ce = sg.crossEntropy(x, t, { reduction: 'none' }); })).toBe(1);
        // The mean: the per-row forward and one lossMean dispatch; its backward one kernel after the seed.
        let mean!: Tensor;
        expect(count(() => { mean = sg.crossEntropy(x, t); })).toBe(2);
        x.grad?.dispose(); // from the norm's backward above: no accumulation below
        x.grad = null;
        expect(count(() => mean.backward())).toBe(2);
        void r; void s; void ce;
      });
      const opt = new sg.optim.AdamW([x, w, b], { lr: 0.01 });
      opt.step(); // packs the parameters, allocates the moments
      expect(count(() => opt.step())).toBe(1);
      const unpacked = new sg.optim.AdamW([x, w, b], { lr: 0.01, packed: false });
      unpacked.step();
      expect(count(() => unpacked.step())).toBe(3);
      opt.zeroGrad();
      for (const q of [x, w, b, ...opt.state().m, ...opt.state().v, ...unpacked.state().m, ...unpacked.state().v]) q?.dispose();
    });
  });

  it('a GPT training step (clipped as the trainer does) is deterministic: two runs give bitwise equal losses and weights', async () => {
    const run = async (): Promise<{ losses: number[]; params: number[][] }> => sg.withBackend(gpu(), async () => {
      const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 37, nCtx: 8, dModel: 16, nLayer: 2, nHead: 2, seed: 3 });
      const params = model.parameters();
      const opt = new sg.optim.AdamW(params, { lr: 1e-2 });
      const ids = sg.tensor(Int32Array.from(R.randomInts(2 * 8, 4, 0, 36)), { shape: [2, 8], dtype: 'i32' });
      const tg = sg.tensor(Int32Array.from(R.randomInts(2 * 8, 5, 0, 36)), { shape: [2, 8], dtype: 'i32' });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const l = sg.tidy(() => {
          const loss = sg.crossEntropy(model.forward(ids), tg);
          loss.backward();
          opt.step({ gradScale: sg.optim.clipScaleOnDevice(params, 0.5)!.scale });
          opt.zeroGrad();
          return loss;
        });
        losses.push(await l.item());
        l.dispose();
      }
      const out = await Promise.all(params.map(async (p) => Array.from(await p.data())));
      for (const q of [...params, ...opt.state().m, ...opt.state().v, ids, tg]) q?.dispose();
      return { losses, params: out };
    });
    const a = await run(), b = await run();
    expect(a.losses).toEqual(b.losses);
    a.params.forEach((p, i) => expect(p, `param ${i}`).toEqual(b.params[i]));
  });
});
