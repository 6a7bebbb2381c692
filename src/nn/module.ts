/**
 * Module: the base of layers and models. Parameters are discovered from own properties (tensors
 * with requiresGrad, child modules, arrays of modules) and named with dots (`blocks.3.attn.W_Q`),
 * in property order, so names are stable for state dicts and checkpoints.
 */
import type { Tensor } from '../tensor.js';
import type { Backend, DType } from '../backend/backend.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cast } from '../ops/elementwise.js';
import { fmt } from '../shape.js';

/** A record of named tensors. */
export type StateDict = Record<string, Tensor>;

/** What went wrong in `loadStateDict`, listed for the error message. */
export interface LoadStateDictReport {
  missing: string[];
  unexpected: string[];
  mismatched: string[];
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && typeof (v as Tensor).backward === 'function';
}

/**
 * Throws a `storygrad:` error naming `who` unless `backend` can hold `dtype`: f16 needs
 * `supportsF16` (on WebGPU, the adapter's 'shader-f16' feature).
 */
export function requireDtypeSupport(backend: Backend<any>, dtype: DType, who: string): void {
  if (dtype === 'f16' && !backend.supportsF16) {
    throw new Error(
      `storygrad: ${who}: the ${backend.name} backend has no f16 support ` +
      `(a WebGPU adapter needs the 'shader-f16' feature); use f32`,
    );
  }
}

/** Base class of layers and models. */
export class Module {
  /** Training mode flag (dropout and similar read it). */
  training = true;

  /** Child modules with their property names (arrays of modules are indexed `name.i`). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => { if (m instanceof Module) out.push([`${k}.${i}`, m]); });
    }
    return out;
  }

  /** Parameters with dotted names, depth first in property order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (isTensor(v) && v.requiresGrad) out.push([prefix + k, v]);
    }
    for (const [k, m] of this.namedChildren()) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }

  /** All parameters. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** The parameters by name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies values into the parameters. Strict by default: any missing, unexpected or mis-shaped
   * key is an error listing all of them. Non-strict loads what matches and returns the report.
   */
  loadStateDict(state: StateDict, opts: { strict?: boolean } = {}): LoadStateDictReport {
    const strict = opts.strict ?? true;
    const own = new Map(this.namedParameters());
    const report: LoadStateDictReport = { missing: [], unexpected: [], mismatched: [] };
    for (const k of own.keys()) if (!(k in state)) report.missing.push(k);
    for (const [k, v] of Object.entries(state)) {
      const p = own.get(k);
      if (!p) report.unexpected.push(k);
      else if (p.size !== v.size || p.shape.some((d, i) => d !== v.shape[i]) || p.dtype !== v.dtype) {
        report.mismatched.push(`${k}: expected ${fmt(p.shape)} ${p.dtype}, got ${fmt(v.shape)} ${v.dtype}`);
      }
    }
    const bad = report.missing.length + report.unexpected.length + report.mismatched.length;
    if (strict && bad) {
      const parts = [
        report.missing.length ? `missing keys: ${report.missing.join(', ')}` : '',
        report.unexpected.length ? `unexpected keys: ${report.unexpected.join(', ')}` : '',
        report.mismatched.length ? `mismatched: ${report.mismatched.join('; ')}` : '',
      ].filter(Boolean);
      throw new Error(`storygrad: loadStateDict: ${parts.join(' | ')}`);
    }
    noGrad(() => {
      for (const [k, v] of Object.entries(state)) {
        const p = own.get(k);
        if (p && !report.mismatched.some((m) => m.startsWith(`${k}:`))) p.assign(v);
      }
    });
    return report;
  }

  /**
   * Converts every float parameter to `dtype` ('f32' or 'f16') in place and returns this: each
   * parameter keeps its identity (like `Tensor.assign`, so references held elsewhere stay valid)
   * and takes a converted copy of its data; the old storage is freed. Integer parameters are left
   * alone. Gradients are dropped (`grad` becomes null). Build optimizers after converting (one built
   * before keeps state of the old dtype). f16 needs a backend whose
   * `supportsF16` is true (WebGPU with the adapter's `shader-f16` feature; the CPU backend stores
   * f16 as f32 values rounded to half precision); otherwise nothing is changed and an error says
   * why. f16 models run inference with f32 accumulation inside the kernels; training in f16 has
   * no loss scaling.
   */
  to(dtype: DType): this {
    if (dtype !== 'f32' && dtype !== 'f16') {
      throw new Error(`storygrad: Module.to: dtype must be 'f32' or 'f16', got '${String(dtype)}'`);
    }
    const params = [...new Set(this.parameters())].filter((p) => p.dtype !== 'i32' && p.dtype !== dtype);
    for (const p of params) requireDtypeSupport(p.backend, dtype, `Module.to('${dtype}')`);
    noGrad(() => {
      for (const p of params) {
        const converted = cast(p, dtype);
        p.retype(converted);
        converted.dispose();
        p.grad?.dispose();
        p.grad = null;
      }
    });
    return this;
  }

  /** Sets training mode here and in every child; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.namedChildren()) m.train(mode);
    return this;
  }

  /** Evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Disposes every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.parameters()) { p.grad?.dispose(); p.dispose(); }
  }
}
