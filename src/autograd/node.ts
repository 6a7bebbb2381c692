/** Tape nodes: each op output that needs a gradient remembers its inputs and a backward rule. */
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** Maps the output gradient to one gradient per input (null where none is needed). */
export type BackwardRule = (gradOut: Tensor) => (Tensor | null)[];

/** A recorded op application. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardRule;
}

/**
 * Attaches a gradient node to `out` when recording is on and any input requires a gradient.
 * The rule runs later, under noGrad, and receives the gradient of `out`.
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: BackwardRule): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.node = { op, inputs, backward };
    out.requiresGrad = true;
  }
  return out;
}
