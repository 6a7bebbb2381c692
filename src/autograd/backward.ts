/**
 * Reverse-mode sweep: topologically orders the recorded graph behind a tensor, runs each node's
 * backward rule under noGrad and accumulates gradients; leaves with `requiresGrad` receive `.grad`
 * (added to any gradient already there, which is how accumulation across calls works).
 * Outputs of a multi-output op (recordGroup) share one node: its rule runs once, when the last of
 * its outputs in the order has been reached (every output's gradient is complete by then, since
 * an output comes after all its consumers and the op's inputs after all its outputs).
 */
import type { Tensor } from '../tensor.js';
import type { GradGroup } from './node.js';
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
    const order = topoOrder(root);
    // Multi-output ops: how many of each group's outputs the sweep will reach, and their gradients so far.
    const pending = new Map<GradGroup, { left: number; grads: (Tensor | null)[] }>();
    for (const t of order) {
      const grp = t.node?.group?.of;
      if (!grp) continue;
      const p = pending.get(grp);
      if (p) p.left++;
      else pending.set(grp, { left: 1, grads: new Array<Tensor | null>(grp.size).fill(null) });
    }
    /** Adds gradient gi of input inp to the gradients being accumulated (`owned`: the caller's gradients, not to be disposed). */
    const accumulate = (op: string, inp: Tensor, gi: Tensor | null, owned: ReadonlySet<Tensor>) => {
      if (!gi || !inp.requiresGrad) {
        if (gi && !owned.has(gi)) gi.dispose();
        return;
      }
      if (!sameShape(gi.shape, inp.shape)) {
        throw new Error(`storygrad: internal: backward of '${op}' gave a gradient of shape ${fmt(gi.shape)} for an input of shape ${fmt(inp.shape)}`);
      }
      const prev = grads.get(inp);
      if (prev) {
        grads.set(inp, add(prev, gi));
        prev.dispose();
        if (!owned.has(gi)) gi.dispose();
      } else {
        grads.set(inp, owned.has(gi) ? gi.detach() : gi);
      }
    };
    for (const t of order) {
      const g = grads.get(t);
      const member = t.node?.group;
      if (member) {
        // An output of a multi-output op: collect its gradient; run the op's rule after the last one.
        const p = pending.get(member.of)!;
        if (g) {
          grads.delete(t);
          p.grads[member.index] = g;
        }
        if (--p.left > 0) continue;
        const outGrads = p.grads.filter((x): x is Tensor => x !== null);
        if (outGrads.length) {
          const owned = new Set(outGrads);
          const inGrads = member.of.backward(p.grads);
          member.of.inputs.forEach((inp, i) => accumulate(member.of.op, inp, inGrads[i] ?? null, owned));
          for (const og of outGrads) if (og !== gradient) og.dispose();
        }
        continue;
      }
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
      const owned = new Set([g]);
      t.node.inputs.forEach((inp, i) => accumulate(t.node!.op, inp, inGrads[i] ?? null, owned));
      if (g !== gradient) g.dispose();
    }
  });
}
