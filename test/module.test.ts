// Module: parameter discovery and dotted names, strict state-dict loading, train/eval.
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';

class Block extends sg.nn.Module {
  ln = new sg.nn.LayerNorm(4);
  fc = new sg.nn.Linear(4, 3, { seed: 1 });
}
class Net extends sg.nn.Module {
  emb = new sg.nn.Embedding(10, 4, { seed: 2 });
  blocks = [new Block(), new Block()];
  head = new sg.nn.Linear(3, 2, { bias: false, seed: 3 });
}

describe('nn.Module', () => {
  it('names parameters with dots in property order', () => {
    const names = new Net().namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'emb.weight',
      'blocks.0.ln.weight', 'blocks.0.ln.bias', 'blocks.0.fc.weight', 'blocks.0.fc.bias',
      'blocks.1.ln.weight', 'blocks.1.ln.bias', 'blocks.1.fc.weight', 'blocks.1.fc.bias',
      'head.weight',
    ]);
    expect(new Net().numParameters()).toBe(40 + 2 * (8 + 15) + 6);
  });

  it('loads a state dict and lists every problem when strict', async () => {
    const a = new Net(), b = new Net();
    sg.noGrad(() => b.head.weight.assign(sg.ones([2, 3])));
    a.loadStateDict(b.stateDict());
    expect(Array.from(await a.head.weight.data())).toEqual([1, 1, 1, 1, 1, 1]);
    const bad = { ...b.stateDict(), extra: sg.ones([1]), 'head.weight': sg.ones([3, 2]) } as sg.nn.StateDict;
    delete bad['emb.weight'];
    expect(() => a.loadStateDict(bad)).toThrow(/missing keys: emb.weight \| unexpected keys: extra \| mismatched: head.weight: expected \[2, 3\] f32, got \[3, 2\] f32/);
    const report = a.loadStateDict(bad, { strict: false });
    expect(report.missing).toEqual(['emb.weight']);
  });

  it('switches train/eval recursively', () => {
    const n = new Net().eval();
    expect(n.blocks[1]!.fc.training).toBe(false);
    expect(n.train().blocks[0]!.ln.training).toBe(true);
  });

  it('Linear computes x Wᵀ + b', async () => {
    const l = new sg.nn.Linear(2, 1);
    sg.noGrad(() => { l.weight.assign(sg.tensor([[2, -1]])); l.bias!.assign(sg.tensor([0.5])); });
    expect(Array.from(await l.forward(sg.tensor([[1, 1], [3, 2]])).data())).toEqual([1.5, 4.5]);
  });
});
