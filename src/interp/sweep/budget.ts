/**
 * Budget arithmetic: how many optimizer steps a configuration trains for so that every
 * configuration of a sweep sees the same number of tokens, or spends the same training FLOPs.
 *
 *   tokens per step = batchSize * seqLen * gradAccum
 *   tokens budget:  steps = round(tokens / tokensPerStep)
 *   flops budget:   steps = round(flops / (flopsPerToken(config, seqLen).training * tokensPerStep))
 *
 * (at least one step). The achieved tokens and FLOPs are reported, as rounding moves them a little.
 */
import type { GPTConfig } from '../../models/config.js';
import { flopsPerToken } from '../../models/count.js';
import type { SweepBudget } from './spec.js';

/** The batch geometry that sets the tokens of one step. */
export interface StepGeometry {
  batchSize: number;
  seqLen: number;
  gradAccum?: number;
}

/** What {@link trainingAmount} returns. */
export interface TrainingAmount {
  steps: number;
  /** Tokens trained on: steps * tokensPerStep. */
  tokens: number;
  /** Training FLOPs: tokens * flopsPerToken. */
  flops: number;
  tokensPerStep: number;
  /** Training FLOPs per token (forward + backward) of the config at seqLen. */
  flopsPerToken: number;
}

/** The steps, tokens and FLOPs of `model` trained under `budget` with the batch geometry `g`. */
export function trainingAmount(model: GPTConfig, budget: SweepBudget, g: StepGeometry): TrainingAmount {
  const tokensPerStep = g.batchSize * g.seqLen * (g.gradAccum ?? 1);
  if (!Number.isInteger(tokensPerStep) || tokensPerStep <= 0) {
    throw new Error(`storygrad: sweep: batch size, sequence length and gradient accumulation must be positive integers, got ${g.batchSize} x ${g.seqLen} x ${g.gradAccum ?? 1}`);
  }
  const fpt = flopsPerToken(model, g.seqLen).training;
  const amount = budget.kind === 'flops' ? budget.flops : budget.tokens;
  if (!(amount > 0) || !Number.isFinite(amount)) throw new Error(`storygrad: sweep: the ${budget.kind} budget must be a positive number, got ${amount}`);
  const wantTokens = budget.kind === 'flops' ? budget.flops / fpt : budget.tokens;
  const steps = Math.max(1, Math.round(wantTokens / tokensPerStep));
  const tokens = steps * tokensPerStep;
  return { steps, tokens, flops: tokens * fpt, tokensPerStep, flopsPerToken: fpt };
}
