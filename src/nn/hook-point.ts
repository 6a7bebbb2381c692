/**
 * HookPoint: an identity layer placed at a named activation (TransformerLens naming, e.g.
 * `blocks.3.attn.hook_pattern`). With no hooks attached it returns its input untouched at no cost;
 * forward hooks may read the activation or replace it (same shape), backward hooks see (and may
 * replace) the gradient flowing into it. Models name their hook points from their module paths.
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { onGrad, type GradHook } from '../autograd/on-grad.js';
import { fmt, sameShape } from '../shape.js';

/**
 * A forward hook: receives the activation and the hook point; returns a replacement of the same
 * shape and dtype, or nothing to leave the activation unchanged.
 */
export type ForwardHook = (activation: Tensor, hook: HookPoint) => Tensor | void;

/** A backward hook: receives the gradient of the activation and the hook point. */
export type BackwardHook = (grad: Tensor, hook: HookPoint) => Tensor | void;

/** Removes the hook it was returned for. */
export type RemoveHook = () => void;

/** A named identity point in a model's forward pass where hooks attach. */
export class HookPoint extends Module {
  /** The full hook name (set by the model, e.g. `blocks.0.hook_resid_pre`). */
  name = '';
  /** The block index for hooks inside `blocks.{l}`, else null. */
  layer: number | null = null;
  private fwd: ForwardHook[] = [];
  private bwd: BackwardHook[] = [];

  /** Whether any hook is attached (models use it to pick a path that materializes this activation). */
  get active(): boolean {
    return this.fwd.length > 0 || this.bwd.length > 0;
  }

  /** Attaches a forward hook; returns its remover. */
  addHook(fn: ForwardHook): RemoveHook {
    this.fwd.push(fn);
    return () => { const i = this.fwd.indexOf(fn); if (i >= 0) this.fwd.splice(i, 1); };
  }

  /** Attaches a backward hook (on the gradient of this activation); returns its remover. */
  addGradHook(fn: BackwardHook): RemoveHook {
    this.bwd.push(fn);
    return () => { const i = this.bwd.indexOf(fn); if (i >= 0) this.bwd.splice(i, 1); };
  }

  /** Removes every hook. */
  resetHooks(): void {
    this.fwd = [];
    this.bwd = [];
  }

  /** Runs the hooks on x (in the order they were added) and returns the possibly replaced activation. */
  forward(x: Tensor): Tensor {
    if (!this.active) return x;
    for (const fn of this.fwd) {
      const r = fn(x, this);
      if (r === undefined || r === x) continue;
      if (!sameShape(r.shape, x.shape) || r.dtype !== x.dtype) {
        const hint = r.dtype !== x.dtype ? ` (the model runs in ${x.dtype}: return .cast('${x.dtype}'))` : '';
        throw new Error(`storygrad: hook on ${this.name} returned ${fmt(r.shape)} ${r.dtype}; the activation is ${fmt(x.shape)} ${x.dtype}${hint}`);
      }
      x = r;
    }
    for (const fn of this.bwd) {
      const hook: GradHook = (g) => fn(g, this);
      x = onGrad(x, hook);
    }
    return x;
  }
}
