/**
 * Grid expansion: a sweep spec and the tokenizer's vocabulary size give the list of
 * configurations, each with its id (`L<layers>-d<d_model>`, also its directory name), model
 * config, parameter counts and training amount. A shape that cannot be built (d_model not
 * divisible into heads, ...) stays in the list marked `invalid`, so it fails as a job and is
 * recorded like any other failure while the rest of the grid runs.
 */
import type { GPTConfig } from '../../models/config.js';
import { countParams } from '../../models/count.js';
import { trainingAmount, type TrainingAmount } from './budget.js';
import { headsFor, matchDModel } from './match-params.js';
import type { SweepSpec } from './spec.js';

/** One configuration of a sweep. */
export interface SweepConfig {
  /** `L<nLayer>-d<dModel>`: the configuration's name and directory. */
  id: string;
  /** The model (vocabulary from the tokenizer, context = the training sequence length). */
  model: GPTConfig;
  /** Parameter counts (absent when invalid). */
  params?: { total: number; nonEmbedding: number };
  /** Steps, tokens and FLOPs under the sweep's budget (absent when invalid). */
  amount?: TrainingAmount;
  /** The parameter target this shape was matched to (matched sweeps). */
  paramTarget?: number;
  /** Why the configuration cannot be built; running it records this as its error. */
  invalid?: string;
}

/** The id of a shape: `L4-d128`. */
export function configId(nLayer: number, dModel: number): string {
  return `L${nLayer}-d${dModel}`;
}

/** Parses an id back into its shape, or null when it is not one. */
export function parseConfigId(id: string): { nLayer: number; dModel: number } | null {
  const m = /^L(\d+)-d(\d+)$/.exec(id);
  return m ? { nLayer: Number(m[1]), dModel: Number(m[2]) } : null;
}

function makeConfig(spec: SweepSpec, vocabSize: number, nLayer: number, dModel: number, nHead: number, invalid?: string): SweepConfig {
  const model: GPTConfig = { arch: spec.arch, vocabSize, nCtx: spec.train.seqLen, dModel, nLayer, nHead };
  const id = configId(nLayer, dModel);
  if (invalid) return { id, model, invalid };
  try {
    const c = countParams(model);
    return { id, model, params: { total: c.total, nonEmbedding: c.nonEmbedding }, amount: trainingAmount(model, spec.budget, spec.train) };
  } catch (e) {
    return { id, model, invalid: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The configurations of `spec` for a tokenizer of `vocabSize` ids: layers x d_model, or, with
 * `matchParams`, layers x targets with d_model matched (a shape two targets share appears once).
 */
export function expandGrid(spec: SweepSpec, vocabSize: number): SweepConfig[] {
  if (spec.layers.length === 0) throw new Error('storygrad: sweep: --layers lists no layer count');
  for (const l of spec.layers) if (!Number.isInteger(l) || l < 1) throw new Error(`storygrad: sweep: layer counts must be positive integers, got ${l}`);
  const out: SweepConfig[] = [];
  const seen = new Set<string>();
  const push = (c: SweepConfig) => {
    if (seen.has(c.id)) return;
    seen.add(c.id);
    out.push(c);
  };
  if (spec.matchParams?.length) {
    if (spec.dModels?.length) throw new Error('storygrad: sweep: give either d_model values or parameter targets, not both');
    for (const target of spec.matchParams) {
      for (const nLayer of spec.layers) {
        const m = matchDModel(target, {
          arch: spec.arch, nLayer, vocabSize, nCtx: spec.train.seqLen, heads: spec.heads, count: spec.paramCount, multiple: spec.dMultiple,
        });
        push({ ...makeConfig(spec, vocabSize, nLayer, m.dModel, m.nHead), paramTarget: target });
      }
    }
    return out;
  }
  if (!spec.dModels?.length) throw new Error('storygrad: sweep: --d-model lists no width (or pass --match-params)');
  for (const nLayer of spec.layers) {
    for (const dModel of spec.dModels) {
      if (!Number.isInteger(dModel) || dModel < 1) throw new Error(`storygrad: sweep: d_model values must be positive integers, got ${dModel}`);
      const hd = 'headDim' in spec.heads ? spec.heads.headDim : 0;
      const invalid = hd && dModel % hd !== 0 ? `storygrad: sweep: d_model ${dModel} is not a multiple of the head size ${hd}` : undefined;
      push(makeConfig(spec, vocabSize, nLayer, dModel, headsFor(dModel, spec.heads), invalid));
    }
  }
  return out;
}
