/** Stochastic gradient descent with optional momentum and weight decay. */
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { Optimizer } from './optimizer.js';

/** Options of SGD. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

/** p -= lr * (g + wd p), with heavy-ball momentum when momentum > 0. */
export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private velocity = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  override step(): void {
    noGrad(() => tidy(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        let g = this.weightDecay ? add(p.grad, mul(p, this.weightDecay)) : p.grad;
        if (this.momentum) {
          const v = this.velocity.get(p);
          const next = keep(v ? add(mul(v, this.momentum), g) : g.detach());
          v?.dispose();
          this.velocity.set(p, next);
          g = next;
        }
        p.assign(sub(p, mul(g, this.lr)));
      }
    }));
  }
}
