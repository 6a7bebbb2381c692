/**
 * The specification of a layer/width sweep, as stored in `<out>/sweep.json`: which shapes
 * (a layers x d_model grid, or layers x parameter targets with d_model matched per layer count),
 * how heads are chosen, the training budget every shape gets, the shared training options and
 * seed, and the data. Everything a configuration's run depends on is here, so the same spec on
 * another machine yields the same configurations.
 */
import type { RunTrainOptions } from '../../train/run.js';

/**
 * How long every configuration trains: the same number of tokens, or the same training FLOPs
 * (`flopsPerToken(...).training` x tokens). 'params' trains like 'tokens'; it names a sweep whose
 * shapes are matched by parameter count.
 */
export type SweepBudget =
  | { kind: 'tokens' | 'params'; tokens: number }
  | { kind: 'flops'; flops: number };

/** How the head count of a shape is chosen. */
export type SweepHeads = { nHead: number } | { headDim: number };

/** Which parameter count is matched and plotted. */
export type ParamCountKind = 'nonEmbedding' | 'total';

/**
 * The training data: text files (validation: a file, or null for the held-out tail of the
 * training tokens), or the embedded story corpus, generated into the sweep directory.
 */
export type SweepDataSpec =
  | { kind: 'files'; train: string; val: string | null }
  | { kind: 'corpus'; stories: number; valStories: number; seed: number };

/** The grid spec of a sweep (sweep.json's `spec`). */
export interface SweepSpec {
  arch: 'gpt2' | 'llama';
  /** Layer counts. */
  layers: number[];
  /** Widths of a layers x d_model grid (absent in a parameter-matched sweep). */
  dModels?: number[];
  /** Parameter targets of a matched sweep: for each, d_model is chosen per layer count. */
  matchParams?: number[];
  /** The count matched and plotted (default 'nonEmbedding', Kaplan et al.'s N). */
  paramCount: ParamCountKind;
  /** d_model is a multiple of this in a matched sweep (with a fixed head count). */
  dMultiple?: number;
  heads: SweepHeads;
  budget: SweepBudget;
  /** Training options shared by every configuration (steps come from the budget). */
  train: Omit<RunTrainOptions, 'steps'>;
  /** Validation tokens scored by the built-in validation-loss evaluator. */
  valTokens: number;
  data: SweepDataSpec;
  /** `bpe:N` (trained once for the sweep) or a tokenizer file. */
  tokenizer: string;
}

/** One line describing a budget, e.g. `200,000 tokens` or `7.0e+11 training FLOPs`. */
export function describeBudget(budget: SweepBudget): string {
  if (budget.kind === 'flops') return `${budget.flops.toExponential(1)} training FLOPs per configuration`;
  return `${budget.tokens.toLocaleString('en-US')} training tokens per configuration`;
}

/**
 * The first difference between two specs as a sentence, or null when they are the same (used to
 * refuse running a different sweep into an existing directory).
 */
export function specDifference(a: SweepSpec, b: SweepSpec): string | null {
  const flat = (v: unknown, path: string, out: Map<string, string>) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const k of Object.keys(v as object).sort()) flat((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
    } else if (v !== undefined) out.set(path, JSON.stringify(v));
    return out;
  };
  const fa = flat(a, '', new Map()), fb = flat(b, '', new Map());
  for (const k of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    if (fa.get(k) !== fb.get(k)) return `${k}: ${fa.get(k) ?? '(unset)'} vs ${fb.get(k) ?? '(unset)'}`;
  }
  return null;
}
