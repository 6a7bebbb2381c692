/**
 * Backward hooks on tensors: `onGrad(t, fn)` returns t unchanged (the same storage) but, during
 * `backward()`, hands the gradient flowing into it to `fn`, which may return a replacement of the
 * same shape (clipping, ablation in the backward pass) or nothing to let it pass.
 */
import type { Tensor } from '../tensor.js';
import { record } from './node.js';
import { fmt, sameShape } from '../shape.js';

/**
 * A gradient callback. `grad` has the tensor's shape and lives until `backward()` finishes; keep
 * it longer with `sg.keep(grad.detach())` (a view of the same storage). Return a tensor to
 * replace the gradient, or nothing.
 */
export type GradHook = (grad: Tensor) => Tensor | void;

/**
 * t -> t, with `fn` called on the gradient of the result during backward. Without gradient
 * recording (noGrad, or t needs no gradient) the hook never fires and t's storage is shared.
 */
export function onGrad(t: Tensor, fn: GradHook): Tensor {
  const out = t.shareAs(t.shape.slice());
  return record(out, 'onGrad', [t], (g) => {
    const r = fn(g);
    if (r === undefined || r === g) return [g];
    if (!sameShape(r.shape, g.shape)) {
      throw new Error(`storygrad: onGrad hook returned a gradient of shape ${fmt(r.shape)} for a tensor of shape ${fmt(g.shape)}`);
    }
    return [r];
  });
}
