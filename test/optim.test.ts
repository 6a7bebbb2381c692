// Optimizers against hand-written scalar references of their update rules.
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';

describe('optimizers', () => {
  it('AdamW matches the reference update over several steps', async () => {
    const p0 = [0.5, -1.5, 2];
    const p = sg.tensor(p0, { requiresGrad: true });
    const opt = new sg.optim.AdamW([p], { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 });
    const ref = p0.slice(), m = [0, 0, 0], v = [0, 0, 0];
    for (let t = 1; t <= 5; t++) {
      sg.tidy(() => { opt.zeroGrad(); p.pow(3).sum().backward(); opt.step(); });
      for (let i = 0; i < 3; i++) {
        const g = 3 * ref[i]! ** 2;
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.99 * v[i]! + 0.01 * g * g;
        const mh = m[i]! / (1 - 0.9 ** t), vh = v[i]! / (1 - 0.99 ** t);
        ref[i] = ref[i]! * (1 - 0.1 * 0.1) - 0.1 * mh / (Math.sqrt(vh) + 1e-8);
      }
    }
    const got = Array.from(await p.data());
    ref.forEach((r, i) => expect(got[i]).toBeCloseTo(r, 5));
  });

  it('SGD with momentum and clipGradNorm', async () => {
    const p = sg.tensor([3, 4], { requiresGrad: true });
    p.mul(1).sum().backward(); // grad [1, 1]
    p.grad!.dispose();
    p.grad = sg.keep(sg.tensor([3, 4]));
    const norm = await sg.optim.clipGradNorm([p], 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(Array.from(await p.grad!.data()).map((x) => +x.toFixed(5))).toEqual([0.6, 0.8]);
    const opt = new sg.optim.SGD([p], { lr: 0.5, momentum: 0.5 });
    opt.step(); // v = g; p -= 0.5 g
    opt.step(); // v = 0.5 v + g = 1.5 g; p -= 0.75 g
    const got = Array.from(await p.data());
    expect(got[0]).toBeCloseTo(3 - 1.25 * 0.6, 5);
    expect(got[1]).toBeCloseTo(4 - 1.25 * 0.8, 5);
  });

  it('clipScaleOnDevice: the joint norm and min(1, max / norm) without touching the gradients', async () => {
    const p = sg.tensor([0, 0], { requiresGrad: true }), q = sg.tensor([0], { requiresGrad: true });
    p.grad = sg.keep(sg.tensor([3, 4]));
    q.grad = sg.keep(sg.tensor([12]));
    const c = sg.optim.clipScaleOnDevice([p, q], 1)!;
    expect(await c.norm.item()).toBeCloseTo(13, 5);
    expect(await c.scale.item()).toBeCloseTo(1 / 13, 6);
    const loose = sg.optim.clipScaleOnDevice([p, q], 100)!;
    expect(await loose.scale.item()).toBe(1);
    expect(Array.from(await p.grad.data())).toEqual([3, 4]);
    expect(sg.optim.clipScaleOnDevice([sg.tensor([1], { requiresGrad: true })], 1)).toBeNull(); // no gradients
    // Mixed dtypes: one squared-norm part per dtype, each summed, then the factor.
    const h = sg.tensor([0, 0], { requiresGrad: true, dtype: 'f16' });
    h.grad = sg.keep(sg.tensor([0, 84], { dtype: 'f16' }));
    const mixed = sg.optim.clipScaleOnDevice([p, q, h], 1)!;
    expect(await mixed.norm.item()).toBeCloseTo(85, 4);
    expect(await mixed.scale.item()).toBeCloseTo(1 / 85, 6);
    for (const t of [mixed.norm, mixed.scale, h.grad, h]) t.dispose();
    expect(() => sg.optim.clipScaleOnDevice([p, q], -1)).toThrow(/maxNorm must be a number >= 0, got -1/);
    expect(() => sg.optim.clipScaleOnDevice([p, q], NaN)).toThrow(/maxNorm must be a number >= 0, got NaN/);
    for (const t of [c.norm, c.scale, loose.norm, loose.scale, p.grad, q.grad, p, q]) t.dispose();
  });

  it('rejects parameters that do not require grad', () => {
    expect(() => new sg.optim.SGD([sg.ones([2])], { lr: 1 })).toThrow(/does not require grad/);
  });
});
