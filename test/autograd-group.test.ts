// Multi-output ops on the tape (recordGroup): one rule for several outputs, run once after every
// reached output's gradient is complete; outputs the value does not depend on get null. Checked
// against the same function written with single-output ops, on the CPU reference.
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';
import { recordGroup } from '../src/autograd/node.js';
import { noGrad } from '../src/autograd/grad-mode.js';

const arr = async (t: sg.Tensor) => Array.from(await t.data());

/** A test op: (x * a, x * b) from one input, with a counter of backward runs and the gradients it got. */
function scaleTwice(x: sg.Tensor, a: number, b: number, log: { runs: number; got: (boolean)[][] }): [sg.Tensor, sg.Tensor] {
  const [u, v] = noGrad(() => [x.mul(a), x.mul(b)]);
  const outs = recordGroup([u!, v!], 'scaleTwice', [x], (gs) => {
    log.runs++;
    log.got.push(gs.map((g) => g !== null));
    let dx: sg.Tensor | null = null;
    if (gs[0]) dx = gs[0].mul(a);
    if (gs[1]) dx = dx ? dx.add(gs[1].mul(b)) : gs[1].mul(b);
    return [dx];
  });
  return [outs[0]!, outs[1]!];
}

describe('autograd: multi-output ops', () => {
  it('runs the rule once with both gradients when both outputs are used, through separate paths', async () => {
    const x = sg.tensor([1, -2, 3], { requiresGrad: true });
    const log = { runs: 0, got: [] as boolean[][] };
    const [u, v] = scaleTwice(x, 2, 5, log);
    // loss = sum(u^2) + sum(exp(v) * u): u is used twice, v once, on different paths.
    u.square().sum().add(v.exp().mul(u).sum()).backward();
    expect(log.runs).toBe(1);
    expect(log.got).toEqual([[true, true]]);
    // d/dx [ (2x)^2 + e^{5x} 2x ] = 8x + 10x e^{5x} + 2 e^{5x}
    const got = await arr(x.grad!);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b)); // f32: relative
    [1, -2, 3].forEach((xv, i) => expect(rel(got[i]!, 8 * xv + 10 * xv * Math.exp(5 * xv) + 2 * Math.exp(5 * xv))).toBeLessThan(1e-5));
  });

  it('passes null for an output the value does not depend on', async () => {
    const x = sg.tensor([0.5, 1.5], { requiresGrad: true });
    const log = { runs: 0, got: [] as boolean[][] };
    const [, v] = scaleTwice(x, 2, 3, log);
    v.sum().backward();
    expect(log.got).toEqual([[false, true]]);
    expect(await arr(x.grad!)).toEqual([3, 3]);
  });

  it('differentiates from an output itself (the root is a group member)', async () => {
    const x = sg.tensor([1, 2], { requiresGrad: true });
    const log = { runs: 0, got: [] as boolean[][] };
    const [u] = scaleTwice(x, 4, 7, log);
    u.backward(sg.tensor([1, 10]));
    expect(log.runs).toBe(1);
    expect(await arr(x.grad!)).toEqual([4, 40]);
  });

  it('matches the single-output composition when the outputs feed each other and the input is reused', async () => {
    const xs = [0.3, -0.7, 1.1];
    const x1 = sg.tensor(xs, { requiresGrad: true });
    const log = { runs: 0, got: [] as boolean[][] };
    const [u, v] = scaleTwice(x1, 3, -2, log);
    u.mul(v).add(x1.sin()).sum().backward();
    const x2 = sg.tensor(xs, { requiresGrad: true });
    x2.mul(3).mul(x2.mul(-2)).add(x2.sin()).sum().backward();
    expect(log.runs).toBe(1);
    const [a, b] = [await arr(x1.grad!), await arr(x2.grad!)];
    a.forEach((g, i) => expect(g).toBeCloseTo(b[i]!, 5));
  });

  it('records nothing when no input requires a gradient or under noGrad', () => {
    const log = { runs: 0, got: [] as boolean[][] };
    const [u] = scaleTwice(sg.tensor([1]), 2, 3, log);
    expect(u.requiresGrad).toBe(false);
    const [w] = noGrad(() => scaleTwice(sg.tensor([1], { requiresGrad: true }), 2, 3, log));
    expect(w!.requiresGrad).toBe(false);
  });
});
