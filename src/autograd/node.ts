/** Tape nodes: each op output that needs a gradient remembers its inputs and a backward rule. */
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** Maps the output gradient to one gradient per input (null where none is needed). */
export type BackwardRule = (gradOut: Tensor) => (Tensor | null)[];

/**
 * Maps the gradients of a multi-output op's outputs (null for an output that received none) to
 * one gradient per input (null where none is needed).
 */
export type GroupBackwardRule = (gradOuts: readonly (Tensor | null)[]) => (Tensor | null)[];

/** One application of a multi-output op (see recordGroup). */
export interface GradGroup {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: GroupBackwardRule;
  /** Number of outputs. */
  readonly size: number;
}

/** A recorded op application. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardRule;
  /** Set on each output of a multi-output op: its group and its index among the outputs. */
  readonly group?: { readonly of: GradGroup; readonly index: number };
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

/**
 * Attaches one gradient node shared by several outputs of the same op application (e.g. the
 * projections q, k, v of one input computed in one kernel) when recording is on and any input
 * requires a gradient. The backward sweep runs `backward` once, after the gradients of all the
 * outputs that the differentiated value depends on are complete; outputs it does not depend on
 * get null.
 */
export function recordGroup(outs: readonly Tensor[], op: string, inputs: readonly Tensor[], backward: GroupBackwardRule): Tensor[] {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    const of: GradGroup = { op, inputs, backward, size: outs.length };
    const single: BackwardRule = () => {
      throw new Error(`storygrad: internal: the output of the multi-output op '${op}' was differentiated alone`);
    };
    outs.forEach((out, index) => {
      out.node = { op, inputs, backward: single, group: { of, index } };
      out.requiresGrad = true;
    });
  }
  return [...outs];
}
