/**
 * AdamW (decoupled weight decay, bias-corrected moments), composed from elementwise ops. The fused
 * single-kernel version replaces the body on WebGPU without changing the interface.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../ops/creation.js';
import { Optimizer } from './optimizer.js';

/** Options of AdamW. */
export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled weight decay (default 0.01). */
  weightDecay?: number;
}

/** AdamW as in Loshchilov & Hutter: p -= lr * (m̂ / (√v̂ + eps) + wd p). */
export class AdamW extends Optimizer {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken. */
  t = 0;
  private m = new Map<Tensor, Tensor>();
  private v = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, opts: AdamWOptions) {
    super(params);
    this.lr = opts.lr;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
  }

  override step(): void {
    this.t++;
    const [b1, b2] = this.betas;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    noGrad(() => tidy(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        const m0 = this.m.get(p) ?? keep(zerosLike(p));
        const v0 = this.v.get(p) ?? keep(zerosLike(p));
        const m1 = keep(add(mul(m0, b1), mul(p.grad, 1 - b1)));
        const v1 = keep(add(mul(v0, b2), mul(square(p.grad), 1 - b2)));
        m0.dispose(); v0.dispose();
        this.m.set(p, m1); this.v.set(p, v1);
        const update = div(mul(m1, 1 / c1), add(sqrt(mul(v1, 1 / c2)), this.eps));
        const decayed = this.weightDecay ? mul(p, 1 - this.lr * this.weightDecay) : p;
        p.assign(sub(decayed, mul(update, this.lr)));
      }
    }));
  }

  /** The optimizer state (first and second moments) per parameter index, for checkpoints. */
  state(): { t: number; m: (Tensor | undefined)[]; v: (Tensor | undefined)[] } {
    return { t: this.t, m: this.params.map((p) => this.m.get(p)), v: this.params.map((p) => this.v.get(p)) };
  }

  /**
   * Restores a state saved with `state()` (same parameter order). The optimizer takes ownership
   * of the given moment tensors; shapes must match the parameters.
   */
  loadState(state: { t: number; m: (Tensor | undefined)[]; v: (Tensor | undefined)[] }): void {
    if (state.m.length !== this.params.length || state.v.length !== this.params.length) {
      throw new Error(`storygrad: AdamW.loadState: state for ${state.m.length} parameters, the optimizer has ${this.params.length}`);
    }
    this.params.forEach((p, i) => {
      for (const [what, t] of [['m', state.m[i]], ['v', state.v[i]]] as const) {
        if (t && (t.size !== p.size || t.dtype !== p.dtype)) {
          throw new Error(`storygrad: AdamW.loadState: ${what} of parameter ${i} is ${t.describe()}, the parameter is ${p.describe()}`);
        }
      }
    });
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
    const own = (t: Tensor, p: Tensor): Tensor => {
      if (t.shape.length === p.shape.length && t.shape.every((d, k) => d === p.shape[k])) return keep(t);
      const view = keep(t.reshape(p.shape.slice()));
      t.dispose();
      return view;
    };
    this.params.forEach((p, i) => {
      const m = state.m[i], v = state.v[i];
      if (m) this.m.set(p, own(m, p));
      if (v) this.v.set(p, own(v, p));
    });
    this.t = state.t;
  }
}
