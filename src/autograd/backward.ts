/**
 * Reverse-mode sweep: topologically orders the recorded graph behind a tensor, runs each node's
 * backward rule under noGrad and accumulates gradients; leaves with `requiresGrad` receive `.grad`
 * (added to any gradient already there, which is how accumulation across calls works).
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { keep } from '../memory/scope.js';
import { fmt, sameShape } from '../shape.js';
import { add } from '../ops/elementwise.js';
import { onesLike } from '../ops/creation.js';

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) { order.push(t); continue; }
    if (seen.has(t)) continue;
    seen.add(t);
    // dispose() drops the node, so a disposed intermediate would pass for a leaf and silently cut
    // the gradient flow (e.g. `loss = tidy(() => f(x)); loss.backward()` gave x no gradient).
    if (t.isDisposed) {
      throw new Error(`storygrad: backward() on ${root.describe()}: the graph contains the disposed tensor ${t.describe()} (disposed by tidy() or dispose() before backward); call backward() inside the tidy scope that ran the forward pass`);
    }
    stack.push([t, true]);
    for (const inp of t.node?.inputs ?? []) if (inp.requiresGrad && !seen.has(inp)) stack.push([inp, false]);
  }
  return order.reverse();
}

/** Implements `Tensor.backward`. */
export function runBackward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error(`storygrad: backward() on ${root.describe()}, which does not require grad (no input had requiresGrad, or it was made under noGrad)`);
  }
  if (gradient === undefined && root.size !== 1) {
    throw new Error(`storygrad: backward() on a non-scalar tensor of shape ${fmt(root.shape)} needs a gradient argument of that shape`);
  }
  if (gradient && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`storygrad: backward(): gradient shape ${fmt(gradient.shape)} does not match tensor shape ${fmt(root.shape)}`);
  }
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradient ?? onesLike(root));
    for (const t of topoOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        // A leaf: accumulate into .grad, which outlives any tidy scope.
        const acc = g === gradient ? g.detach() : g;
        if (t.grad) {
          const sum = add(t.grad, acc);
          t.grad.dispose();
          acc.dispose();
          t.grad = keep(sum);
        } else {
          t.grad = keep(acc);
        }
        continue;
      }
      const inGrads = t.node.backward(g);
      t.node.inputs.forEach((inp, i) => {
        const gi = inGrads[i];
        if (!gi || !inp.requiresGrad) {
          if (gi && gi !== g) gi.dispose();
          return;
        }
        if (!sameShape(gi.shape, inp.shape)) {
          throw new Error(`storygrad: internal: backward of '${t.node!.op}' gave a gradient of shape ${fmt(gi.shape)} for an input of shape ${fmt(inp.shape)}`);
        }
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, add(prev, gi));
          prev.dispose();
          if (gi !== g) gi.dispose();
        } else {
          grads.set(inp, gi === g ? g.detach() : gi);
        }
      });
      if (g !== gradient) g.dispose();
    }
  });
}
