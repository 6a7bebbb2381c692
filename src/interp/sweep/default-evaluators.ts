/**
 * The evaluators `storygrad sweep` runs on every configuration, in order. Each adds metrics named
 * `<evaluator name>.<key>`; the report tabulates them all and plots every `*.accuracy` metric
 * against the layer count. Add an evaluator here to have the CLI measure it.
 */
import { validationLossEvaluator, type SweepEvaluator } from './evaluators.js';
import { probeEvaluators } from './probe-evaluators.js';

/** What the default evaluators may use: the sweep's validation tokens and batch geometry. */
export interface EvaluatorContext {
  valTokens: ArrayLike<number>;
  seqLen: number;
  batchSize: number;
  /** Validation tokens scored (the first windows). */
  maxValTokens: number;
}

/** The CLI's evaluators: the validation loss, then the factual and context-tracking probe suites. */
export function defaultEvaluators(ctx: EvaluatorContext): SweepEvaluator[] {
  return [
    validationLossEvaluator({ tokens: ctx.valTokens, seqLen: ctx.seqLen, batchSize: ctx.batchSize, maxTokens: ctx.maxValTokens }),
    ...probeEvaluators(),
  ];
}
