/**
 * What a sweep measures on each trained configuration: pluggable evaluators, each turning a model
 * and its tokenizer into named numbers, plus the built-in one, the validation loss. Metric names
 * are `<evaluator name>.<key>` (`val.loss`, `probe.factual.accuracy`, ...); the report and plots
 * take whatever names appear.
 */
import type { GPT } from '../../models/gpt.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { BatchSampler } from '../../data/loader.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/scope.js';
import { tensor } from '../../ops/creation.js';
import { crossEntropy } from '../../ops/nn.js';

/** Something measured on every trained configuration of a sweep. */
export interface SweepEvaluator {
  /** Prefix of its metrics: key `k` of the result is recorded as `<name>.k`. */
  name: string;
  /** Measures the model (in eval mode); every value must be a finite number. */
  evaluate(model: GPT, tokenizer: Tokenizer): Promise<Record<string, number>>;
}

/** Options of {@link validationLossEvaluator}. */
export interface ValidationLossOptions {
  /** Validation token ids (documents separated as in training). */
  tokens: ArrayLike<number>;
  /** Window length (the training sequence length). */
  seqLen: number;
  /** Windows per forward pass. */
  batchSize: number;
  /** Score the first windows covering at most this many tokens (default: all). */
  maxTokens?: number;
}

/**
 * The built-in evaluator `val`: `val.loss`, the mean cross-entropy in nats per token over the
 * same non-overlapping validation windows for every configuration.
 */
export function validationLossEvaluator(o: ValidationLossOptions): SweepEvaluator {
  const sampler = new BatchSampler(o.tokens, { batchSize: o.batchSize, seqLen: o.seqLen });
  const maxBatches = o.maxTokens === undefined ? Infinity : Math.max(1, Math.floor(o.maxTokens / (o.batchSize * o.seqLen)));
  return {
    name: 'val',
    async evaluate(model) {
      const V = model.config.vocabSize;
      let sum = 0, count = 0;
      for (const b of sampler.evalBatches(maxBatches)) {
        const n = b.batchSize * b.seqLen;
        const batchLoss = noGrad(() => tidy(() => {
          const logits = model.forward(tensor(b.inputs, { shape: [b.batchSize, b.seqLen] })); // [B, T, V]
          return crossEntropy(logits.reshape([n, V]), tensor(b.targets, { shape: [n] }), { reduction: 'sum' });
        }));
        sum += await batchLoss.item();
        batchLoss.dispose();
        count += n;
      }
      return { loss: sum / count };
    },
  };
}

/**
 * Runs the evaluators in order on `model` (switched to eval mode) and returns their metrics by
 * full name. Throws, naming the evaluator, when one fails, returns a non-finite value, or two
 * produce the same name.
 */
export async function runEvaluators(model: GPT, tokenizer: Tokenizer, evaluators: readonly SweepEvaluator[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  model.eval();
  for (const ev of evaluators) {
    if (!ev.name) throw new Error('storygrad: sweep: an evaluator has an empty name');
    let r: Record<string, number>;
    try {
      r = await ev.evaluate(model, tokenizer);
    } catch (e) {
      throw new Error(`storygrad: sweep: evaluator '${ev.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const [k, v] of Object.entries(r)) {
      const name = `${ev.name}.${k}`;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`storygrad: sweep: evaluator '${ev.name}' returned a non-finite ${name} (${String(v)})`);
      if (name in out) throw new Error(`storygrad: sweep: two evaluators produce the metric ${name}`);
      out[name] = v;
    }
  }
  return out;
}
