/** Global gradient-norm clipping. */
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { add, div, minimum, mul, sqrt, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';

/**
 * Scales all gradients so their joint L2 norm is at most maxNorm. Returns the norm before
 * clipping (reading it back waits for the device).
 */
export async function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): Promise<number> {
  const ps = [...params].filter((p) => p.grad);
  if (ps.length === 0) return 0;
  const normT = noGrad(() => tidy(() => sqrt(ps.map((p) => sum(square(p.grad!))).reduce((a, b) => add(a, b)))));
  const norm = await normT.item();
  normT.dispose();
  if (norm > maxNorm && Number.isFinite(norm)) {
    const scale = maxNorm / (norm + 1e-6);
    noGrad(() => tidy(() => {
      for (const p of ps) {
        const g = keep(mul(p.grad!, scale));
        p.grad!.dispose();
        p.grad = g;
      }
    }));
  }
  return norm;
}

/**
 * Clipping without a readback: scales all gradients by min(1, maxNorm / (norm + 1e-6)) on the
 * device and returns the norm before clipping as a scalar tensor (read it later, e.g. with the
 * loss, so a training step needs no synchronisation). The tensor belongs to the caller's scope.
 */
export function clipGradNormOnDevice(params: Iterable<Tensor>, maxNorm: number): Tensor | null {
  const ps = [...params].filter((p) => p.grad);
  if (ps.length === 0) return null;
  return noGrad(() => {
    const norm = sqrt(ps.map((p) => sum(square(p.grad!))).reduce((a, b) => add(a, b)));
    tidy(() => {
      const scale = minimum(div(maxNorm, add(norm, 1e-6)), 1);
      for (const p of ps) {
        const g = keep(mul(p.grad!, scale));
        p.grad!.dispose();
        p.grad = g;
      }
    });
    return norm;
  });
}
