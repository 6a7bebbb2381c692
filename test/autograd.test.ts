// Tape semantics on the CPU reference: accumulation, noGrad, detach, requiresGrad propagation,
// shared subexpressions, and the errors users hit.
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';

const arr = async (t: sg.Tensor) => Array.from(await t.data());

describe('autograd', () => {
  it('propagates requiresGrad only from inputs that need it', () => {
    const a = sg.tensor([1, 2], { requiresGrad: true });
    const b = sg.tensor([3, 4]);
    expect(a.mul(b).requiresGrad).toBe(true);
    expect(b.mul(b).requiresGrad).toBe(false);
    expect(sg.noGrad(() => a.mul(b)).requiresGrad).toBe(false);
    expect(a.detach().requiresGrad).toBe(false);
  });

  it('accumulates gradients across backward calls until zeroed', async () => {
    const x = sg.tensor([1, -2, 3], { requiresGrad: true });
    x.square().sum().backward();
    expect(await arr(x.grad!)).toEqual([2, -4, 6]);
    x.mul(3).sum().backward();
    expect(await arr(x.grad!)).toEqual([5, -1, 9]);
  });

  it('sums gradients of a reused subexpression (diamond graph)', async () => {
    const x = sg.tensor([0.5, 2], { requiresGrad: true });
    const y = x.exp();
    y.mul(y).add(y).sum().backward(); // d/dx (e^{2x} + e^x) = 2e^{2x} + e^x
    const got = await arr(x.grad!);
    [0.5, 2].forEach((v, i) => expect(got[i]).toBeCloseTo(2 * Math.exp(2 * v) + Math.exp(v), 4));
  });

  it('does not flow through detach', async () => {
    const x = sg.tensor([1, 2], { requiresGrad: true });
    x.mul(x.detach()).sum().backward(); // d/dx (x * c) = c
    expect(await arr(x.grad!)).toEqual([1, 2]);
  });

  it('takes an explicit gradient for non-scalar outputs and rejects a missing one', async () => {
    const x = sg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/non-scalar.*\[2, 2\]/);
    y.backward(sg.tensor([[1, 0], [0, 1]]));
    expect(await arr(x.grad!)).toEqual([2, 0, 0, 2]);
    expect(() => y.backward(sg.tensor([1, 2]))).toThrow(/gradient shape \[2\]/);
  });

  it('refuses backward on a tensor outside the graph', () => {
    expect(() => sg.tensor([1]).sum().backward()).toThrow(/does not require grad/);
  });

  it('keeps gradients alive across tidy scopes', async () => {
    const w = sg.tensor([1, 2], { requiresGrad: true });
    sg.tidy(() => w.square().sum().backward());
    expect(w.grad!.isDisposed).toBe(false);
    expect(await arr(w.grad!)).toEqual([2, 4]);
  });
});

describe('memory scopes', () => {
  it('tidy disposes intermediates and keeps the result and kept tensors', () => {
    const before = sg.liveTensors();
    let inner: sg.Tensor | undefined;
    let kept: sg.Tensor | undefined;
    const out = sg.tidy(() => {
      inner = sg.ones([3]).mul(2);
      kept = sg.keep(sg.ones([2]));
      return { result: inner.add(1) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.result.isDisposed).toBe(false);
    expect(kept!.isDisposed).toBe(false);
    expect(sg.liveTensors()).toBe(before + 2);
    out.result.dispose(); kept!.dispose();
    expect(sg.liveTensors()).toBe(before);
  });

  it('tidy disposes on error and rejects async functions', () => {
    const before = sg.liveTensors();
    expect(() => sg.tidy(() => { sg.ones([4]); throw new Error('boom'); })).toThrow('boom');
    expect(sg.liveTensors()).toBe(before);
    expect(() => sg.tidy((async () => 1) as unknown as () => number)).toThrow(/synchronous/);
  });

  it('reshapes share storage, freed with the last user', () => {
    const before = sg.memory().bytesInUse;
    const a = sg.ones([4, 4]);
    const b = a.reshape(16);
    expect(sg.memory().bytesInUse).toBe(before + 64);
    a.dispose();
    expect(sg.memory().bytesInUse).toBe(before + 64);
    b.dispose();
    expect(sg.memory().bytesInUse).toBe(before);
  });

  it('supports using declarations and names disposed tensors in errors', async () => {
    let t: sg.Tensor;
    {
      using u = sg.ones([2, 3]);
      t = u;
    }
    expect(t.isDisposed).toBe(true);
    await expect(t.data()).rejects.toThrow(/\[2, 3\] f32 was disposed/);
  });
});

describe('random numbers', () => {
  it('are reproducible per seed and roughly distributed as asked', async () => {
    const a = await arr(sg.randn([4000], { seed: 7 }));
    const b = await arr(sg.randn([4000], { seed: 7 }));
    const c = await arr(sg.randn([4000], { seed: 8 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    const u = await arr(sg.rand([4000], { seed: 9 }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 0.5)).toBeLessThan(0.02);
  });

  it('follows manualSeed for unseeded draws', async () => {
    sg.manualSeed(42);
    const a = await arr(sg.rand([5]));
    sg.manualSeed(42);
    expect(await arr(sg.rand([5]))).toEqual(a);
  });
});
