/**
 * `storygrad demo`: a small end-to-end run. Fits a 2-layer MLP (tanh hidden layer) to a synthetic
 * regression target made by a fixed random "teacher" network, with plain SGD written directly in
 * tensor ops: forward, `backward()`, then `p - lr * grad` assigned in place under `noGrad`. Each
 * step runs inside `sg.tidy`, so every intermediate tensor is freed. Fails (exit 1) when the loss
 * does not fall.
 */
import * as sg from '../../index.js';
import type { Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';

type Tensor = ReturnType<typeof sg.zeros>;

export const demo: Command = {
  name: 'demo',
  summary: 'fit a small MLP with SGD and print the loss (end-to-end check)',
  description:
    'Fits a 2-layer MLP (inputs -> tanh hidden layer -> 1 output) to targets from a fixed random\n' +
    'teacher network, with plain SGD in tensor ops (matmul, add, tanh, sub, mul, mean, backward).\n' +
    'Prints the backend, the loss every --every steps and the final loss; exits 1 if the loss did\n' +
    'not fall below a quarter of its initial value.',
  flags: [
    BACKEND_FLAG,
    { name: 'steps', type: 'integer', default: 300, value: 'N', help: 'SGD steps' },
    { name: 'lr', type: 'number', default: 0.1, value: 'X', help: 'learning rate' },
    { name: 'hidden', type: 'integer', default: 32, value: 'N', help: 'hidden units' },
    { name: 'samples', type: 'integer', default: 128, value: 'N', help: 'training examples' },
    { name: 'every', type: 'integer', default: 50, value: 'N', help: 'print the loss every N steps' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the data and the initial weights' },
  ],
  async run(flags, io) {
    const steps = flags.steps as number, lr = flags.lr as number, hidden = flags.hidden as number;
    const n = flags.samples as number, every = Math.max(1, flags.every as number), seed = flags.seed as number;
    if (steps < 1 || hidden < 1 || n < 1) throw new Error('--steps, --hidden and --samples must be at least 1');
    const nIn = 4;
    try {
      const d = await sg.init({ backend: flags.backend as BackendChoice });
      io.out(`backend: ${d.backend}${d.adapter ? ` (${d.adapter})` : ''}`);
      if (d.backend === 'cpu') for (const note of d.notes) io.out(`note: ${note}`);
      io.out(`model: ${nIn} -> ${hidden} (tanh) -> 1, ${n} samples, SGD lr=${lr}, ${steps} steps`);

      // Data: x ~ N(0, 1); y = teacher(x), a fixed random 4 -> 8 -> 1 tanh network.
      const { x, y } = sg.tidy(() => {
        const x = sg.randn([n, nIn], { seed: seed + 1 });
        const t1 = sg.randn([nIn, 8], { seed: seed + 2 }).mul(0.7);
        const t2 = sg.randn([8, 1], { seed: seed + 3 }).mul(0.5);
        return { x, y: x.matmul(t1).tanh().matmul(t2) };
      });
      // Parameters: leaves that require gradients.
      const params = sg.noGrad(() =>
        sg.tidy(() => ({
          w1: sg.randn([nIn, hidden], { seed: seed + 10 }).mul(1 / Math.sqrt(nIn)),
          b1: sg.zeros([hidden]),
          w2: sg.randn([hidden, 1], { seed: seed + 11 }).mul(1 / Math.sqrt(hidden)),
          b2: sg.zeros([1]),
        })),
      );
      const list: Tensor[] = Object.values(params);
      for (const p of list) p.requireGrad();

      const t0 = performance.now();
      let first = NaN, last = NaN;
      for (let step = 1; step <= steps; step++) {
        const loss = sg.tidy(() => {
          const h = x.matmul(params.w1).add(params.b1).tanh();
          const pred = h.matmul(params.w2).add(params.b2);
          const diff = pred.sub(y);
          const loss = diff.mul(diff).mean();
          loss.backward();
          sg.noGrad(() => {
            for (const p of list) {
              if (!p.grad) throw new Error('a parameter got no gradient');
              p.assign(p.sub(p.grad.mul(lr)));
              p.grad = null; // the gradient tensor itself is freed with this step's scope
            }
          });
          return loss.detach();
        });
        if (step === 1 || step % every === 0 || step === steps) {
          const v = await loss.item();
          if (step === 1) first = v;
          last = v;
          io.out(`step ${String(step).padStart(String(steps).length)}  loss ${v.toFixed(6)}`);
        }
        loss.dispose();
      }
      const ms = performance.now() - t0;
      io.out(`final loss ${last.toFixed(6)} (initial ${first.toFixed(6)}), ${(ms / steps).toFixed(1)} ms/step`);
      for (const t of [x, y, ...list]) t.dispose();
      if (!(last < first / 4)) {
        io.err(`demo: the loss did not fall enough (${first} -> ${last})`);
        return 1;
      }
      return 0;
    } finally {
      await sg.shutdown();
    }
  },
};
