/**
 * AdamW (decoupled weight decay, bias-corrected moments). By default the update is fused: on a
 * backend with parameter arenas (WebGPU) the parameters are packed, on the first step, into one
 * buffer per dtype (packed-params.ts) and ONE kernel updates them all, moments included; elsewhere
 * (the CPU backend) one fused kernel (`adamwStep`, src/backend/fused.ts) per parameter writes the
 * parameter and its moments in place. `{ fused: false }` runs the same math composed from
 * elementwise ops (the reference).
 *
 * In-place safety: a tensor whose storage is shared (a reshape view, `detach()`, a parameter that
 * is itself a view of another tensor) first gets a private copy, so the update is never visible
 * through another tensor — the same semantics as the composed version, which assigns a fresh
 * result.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { add, cast, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { zerosLike } from '../ops/creation.js';
import { wrap } from '../ops/common.js';
import { Optimizer } from './optimizer.js';
import { checkGrad, packParams, type PackedParams } from './packed-params.js';

/** Options of AdamW. */
export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled weight decay (default 0.01). */
  weightDecay?: number;
  /**
   * Parameters updated without weight decay (for example norm gains and biases, which
   * {@link decayExempt} picks out); the others decay by `weightDecay`. Default: none.
   */
  noDecay?: Iterable<Tensor>;
  /**
   * Use the fused in-place kernel (default true). false composes the update from elementwise
   * ops (about 12 dispatches per parameter instead of 1): a reference for tests.
   */
  fused?: boolean;
  /**
   * With `fused`, pack the parameters into one buffer per dtype where the backend can (WebGPU;
   * default true): one kernel per step for all of them. false: one kernel per parameter.
   */
  packed?: boolean;
}

/** Options of `AdamW.step`. */
export interface AdamWStepOptions {
  /** f32 scalar tensor multiplying every gradient before the update (default: none). */
  gradScale?: Tensor | null;
}

/** AdamW as in Loshchilov & Hutter: p -= lr * (m̂ / (√v̂ + eps) + wd p). */
export class AdamW extends Optimizer {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** Whether steps run the fused kernel. */
  readonly fused: boolean;
  /** Whether fused steps pack the parameters (where the backend can). */
  readonly packed: boolean;
  /** Steps taken. */
  t = 0;
  /** The parameters updated without weight decay. */
  readonly noDecay: ReadonlySet<Tensor>;
  private m = new Map<Tensor, Tensor>();
  private v = new Map<Tensor, Tensor>();
  /** Packed groups and the parameters on the per-parameter path (made by the first fused step). */
  private packing: { groups: PackedParams[]; rest: Tensor[] } | null = null;

  constructor(params: Iterable<Tensor>, opts: AdamWOptions) {
    super(params);
    this.lr = opts.lr;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.fused = opts.fused ?? true;
    this.packed = opts.packed ?? true;
    this.noDecay = new Set(opts.noDecay ?? []);
    for (const p of this.noDecay) {
      if (!this.params.includes(p)) throw new Error(`storygrad: AdamW: noDecay holds ${p.describe()}, which is not one of the optimizer's parameters`);
    }
  }

  /**
   * One update. `gradScale` (an f32 scalar tensor on the parameters' backend, e.g. the factor of
   * `clipScaleOnDevice`) multiplies every gradient first, inside the fused kernel: clipping without
   * rewriting the gradients. The `.grad` tensors themselves are left unchanged.
   */
  override step(opts: AdamWStepOptions = {}): void {
    const s = opts.gradScale ?? null;
    if (s && (s.size !== 1 || s.dtype !== 'f32')) throw new Error(`storygrad: AdamW.step: gradScale must be one f32 value, got ${s.describe()}`);
    this.t++;
    if (this.fused) this.stepFused(s);
    else this.stepComposed(s);
  }

  /** One dispatch per packed group, one adamwStep per other parameter; param, m and v are updated in place. */
  private stepFused(gradScale: Tensor | null): void {
    const [beta1, beta2] = this.betas;
    const hyper = {
      lr: this.lr, beta1, beta2, eps: this.eps, weightDecay: this.weightDecay,
      c1: 1 - beta1 ** this.t, c2: 1 - beta2 ** this.t,
    };
    const undecayed = { ...hyper, weightDecay: 0 };
    if (!this.packing) this.packing = this.packed ? packParams(this.params, this.noDecay) : { groups: [], rest: this.params };
    const { groups, rest } = this.packing;
    noGrad(() => {
      for (const g of groups) g.step(g.decays ? hyper : undecayed, gradScale, this.m, this.v);
      for (const p of rest) {
        const g = p.grad;
        if (!g) continue;
        checkGrad(p);
        const m = this.moment(this.m, p), v = this.moment(this.v, p);
        for (const t of [p, m, v]) ownStorage(t);
        if (gradScale && gradScale.backend !== p.backend) throw new Error('storygrad: AdamW.step: gradScale lives on another backend than the parameters');
        p.backend.kernels.adamwStep({ param: p.storage, grad: g.storage, m: m.storage, v: v.storage, n: p.size, dtype: p.dtype, hyper: this.noDecay.has(p) ? undecayed : hyper, gradScale: gradScale?.storage ?? null });
      }
    });
  }

  /**
   * Frees what the optimizer owns: the moments (the `state()` tensors) and the packed groups'
   * gradient buffers. The parameters stay valid (an arena's parameter buffer goes when the last
   * parameter in it is disposed). A later step starts from zero moments.
   */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
    for (const g of this.packing?.groups ?? []) g.release();
    this.packing = null;
  }

  /** The moment tensor of p (zeros on first use), kept out of any tidy scope. */
  private moment(map: Map<Tensor, Tensor>, p: Tensor): Tensor {
    let t = map.get(p);
    if (!t) {
      t = keep(zerosLike(p));
      map.set(p, t);
    }
    return t;
  }

  /** The composed reference: the same arithmetic as adamw.wgsl, one elementwise op at a time. */
  private stepComposed(gradScale: Tensor | null): void {
    const [b1, b2] = this.betas;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    noGrad(() => tidy(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        const g = gradScale ? mul(p.grad, cast(gradScale, p.dtype)) : p.grad;
        const m0 = this.m.get(p) ?? keep(zerosLike(p));
        const v0 = this.v.get(p) ?? keep(zerosLike(p));
        const m1 = keep(add(mul(m0, b1), mul(g, 1 - b1)));
        const v1 = keep(add(mul(v0, b2), mul(square(g), 1 - b2)));
        m0.dispose(); v0.dispose();
        this.m.set(p, m1); this.v.set(p, v1);
        const update = div(mul(m1, 1 / c1), add(sqrt(mul(v1, 1 / c2)), this.eps));
        const decayed = this.weightDecay && !this.noDecay.has(p) ? mul(p, 1 - this.lr * this.weightDecay) : p;
        p.assign(sub(decayed, mul(update, this.lr)));
      }
    }));
  }

  /**
   * The optimizer state (first and second moments) per parameter index, for checkpoints. With the
   * fused kernel these tensors are updated in place by later steps.
   */
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

/**
 * The parameters that conventionally get no weight decay: those of rank below 2 (norm gains and
 * biases); matrices and embeddings decay. Pass the result as `AdamWOptions.noDecay`.
 */
export function decayExempt(params: Iterable<Tensor>): Tensor[] {
  return [...params].filter((p) => p.shape.length < 2);
}

/** Gives t a private copy of its storage when another tensor shares it (before an in-place write). */
function ownStorage(t: Tensor): void {
  if (!t.sharesStorage) return;
  const be = t.backend;
  // A same-dtype cast is a plain elementwise copy.
  const copy = wrap(be, be.kernels.cast(t.storage, t.size, t.dtype, t.dtype), t.shape, t.dtype);
  t.assign(copy);
  copy.dispose();
}
