/**
 * Finite-difference gradient check in float64 on the CPU reference backend. The function's output
 * is projected to a scalar with fixed random weights, so any output shape works; analytic
 * gradients from `backward()` are compared with central differences for every input element.
 */
import { CpuBackend, type CpuStorage } from '../backend/cpu/cpu-backend.js';
import { withBackend } from '../runtime.js';
import { tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { zeros } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { uniformAt } from '../backend/rng.js';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
}

/** Outcome of `gradcheck`. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| over all checked elements. */
  maxAbsError: number;
  /** Description of the first failing element, if any. */
  firstFailure?: string;
}

/**
 * Checks fn's gradients w.r.t. every float input. Inputs may live on any backend: their values
 * are copied into a float64 CPU backend. i32 inputs are passed through unchanged.
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): Promise<GradcheckResult> {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-4;
  const be = new CpuBackend({ float64: true });
  const hostData = await Promise.all(inputs.map((t) => t.data()));
  return withBackend(be, () => {
    const raw = (t: Tensor) => be.readSync(t.storage as CpuStorage);
    const xs = inputs.map((t, i) => {
      const x = zeros(t.shape.slice(), { dtype: t.dtype });
      raw(x).set(hostData[i]!);
      return x;
    });
    // Fixed projection weights make the output a scalar.
    const probe = noGrad(() => fn(...xs));
    const w = zeros(probe.shape.slice());
    raw(w).set(Float64Array.from({ length: probe.size }, (_, i) => uniformAt(1234, 0, i) * 2 - 1));
    probe.dispose();
    const objective = () => sum(mul(fn(...xs), w));
    xs.forEach((x) => { if (x.dtype !== 'i32') x.requiresGrad = true; });
    tidy(() => objective().backward());
    let maxAbsError = 0;
    let firstFailure: string | undefined;
    xs.forEach((x, xi) => {
      if (x.dtype === 'i32') return;
      const data = raw(x);
      const analytic = x.grad ? raw(x.grad) : new Float64Array(x.size);
      for (let j = 0; j < x.size; j++) {
        const orig = data[j]!;
        data[j] = orig + eps;
        const fp = noGrad(() => tidy(() => raw(objective())[0]!));
        data[j] = orig - eps;
        const fm = noGrad(() => tidy(() => raw(objective())[0]!));
        data[j] = orig;
        const numeric = (fp - fm) / (2 * eps);
        const err = Math.abs(analytic[j]! - numeric);
        maxAbsError = Math.max(maxAbsError, err);
        if (err > atol + rtol * Math.abs(numeric) && !firstFailure) {
          firstFailure = `input ${xi} ${x.describe()} element ${j}: analytic ${analytic[j]} vs numeric ${numeric}`;
        }
      }
    });
    for (const x of xs) { x.grad?.dispose(); x.dispose(); }
    w.dispose();
    return { ok: !firstFailure, maxAbsError, firstFailure };
  });
}
