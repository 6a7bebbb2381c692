/** Base class of optimizers: holds the parameters, clears gradients, scopes each update. */
import type { Tensor } from '../tensor.js';

/** An optimizer over a fixed list of parameters. */
export abstract class Optimizer {
  /** Parameters updated in place (via `Tensor.assign`). */
  readonly params: Tensor[];

  constructor(params: Iterable<Tensor>) {
    this.params = [...params];
    for (const p of this.params) {
      if (!p.requiresGrad) throw new Error(`storygrad: optimizer: parameter ${p.describe()} does not require grad`);
    }
  }

  /** Applies one update from the current `.grad`s (parameters without a grad are skipped). */
  abstract step(): void;

  /** Disposes and clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}
