/**
 * Global gradient-norm clipping. The squared norms come from one sum-of-squares dispatch over the
 * gradient arena of parameters that AdamW packed (packed-params.ts; the gradients copied there are
 * reused by the next step) and from the fused `sumSquares` kernel (six tensors per dispatch) for
 * the other parameters; one `clipScale` dispatch turns them into the norm and the clip factor.
 * `clipScaleOnDevice` returns the factor without touching the gradients, for an optimizer that
 * applies it inside its update (`AdamW.step({ gradScale })`), so a clipped training step needs no
 * pass over the gradients.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import type { Tensor } from '../tensor.js';
import { cast, mul } from '../ops/elementwise.js';
import { stack } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { clipScaleFused, sumSquaresFused } from '../ops/fused.js';
import { arenaNormParts } from './packed-params.js';

/**
 * The joint L2 norm of the gradients of params (all have one) and the factor min(1, maxNorm /
 * (norm + 1e-6)), f32 scalars: the squared-norm parts (one vector per packed arena, one
 * sumSquares per dtype for the rest) in a fixed order, then one clipScale dispatch.
 */
function normAndScale(params: Tensor[], maxNorm: number): { norm: Tensor; scale: Tensor } {
  const { parts, rest } = arenaNormParts(params);
  const byDtype = new Map<string, Tensor[]>();
  for (const p of rest) byDtype.set(p.grad!.dtype, [...(byDtype.get(p.grad!.dtype) ?? []), p.grad!]);
  parts.push(...[...byDtype.values()].map((group) => sumSquaresFused(group)));
  // One part: its partial sums go to clipScale directly. Several: each part's sum first, then the
  // sums in order (the parts' sums do not depend on how the parameters are split into parts).
  return clipScaleFused(parts.length === 1 ? parts[0]! : stack(parts.map((p) => sum(p))), maxNorm);
}

/**
 * Scales all gradients so their joint L2 norm is at most maxNorm. Returns the norm before
 * clipping (reading it back waits for the device).
 */
export async function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): Promise<number> {
  const ps = [...params].filter((p) => p.grad);
  if (ps.length === 0) return 0;
  const normT = noGrad(() => tidy(() => normAndScale(ps, maxNorm).norm));
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
 * The clip factor without a readback and without touching the gradients: `norm` is the joint L2
 * norm of the gradients and `scale` = min(1, maxNorm / (norm + 1e-6)), both f32 scalars on the
 * device, in the caller's scope. Pass `scale` to `AdamW.step({ gradScale })`. Null when no
 * parameter has a gradient.
 */
export function clipScaleOnDevice(params: Iterable<Tensor>, maxNorm: number): { norm: Tensor; scale: Tensor } | null {
  const ps = [...params].filter((p) => p.grad);
  if (ps.length === 0) return null;
  return noGrad(() => tidy(() => normAndScale(ps, maxNorm)));
}

/**
 * Clipping without a readback: scales all gradients by min(1, maxNorm / (norm + 1e-6)) on the
 * device and returns the norm before clipping as a scalar tensor (read it later, e.g. with the
 * loss, so a training step needs no synchronisation). The tensor belongs to the caller's scope.
 */
export function clipGradNormOnDevice(params: Iterable<Tensor>, maxNorm: number): Tensor | null {
  const ps = [...params].filter((p) => p.grad);
  const c = clipScaleOnDevice(ps, maxNorm);
  if (!c) return null;
  noGrad(() => tidy(() => {
    for (const p of ps) {
      const g = keep(mul(p.grad!, cast(c.scale, p.grad!.dtype)));
      p.grad!.dispose();
      p.grad = g;
    }
  }));
  c.scale.dispose();
  return c.norm;
}
