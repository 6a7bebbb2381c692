/**
 * Parameter matching: for a layer count, the d_model whose parameter count is nearest a target,
 * so shapes of different depth can be compared at (about) the same size. d_model moves in steps
 * of `multiple` (by default 2 x n_head with a fixed head count, so heads are whole and even, or
 * the head size when heads are sized by --head-dim); counts come from `countParams`, which equals
 * `new GPT(config).numParameters()`. The count grows with d_model, so the two multiples around the
 * target are found by walking up, and the nearer one wins.
 */
import type { GPTConfig } from '../../models/config.js';
import { countParams } from '../../models/count.js';
import type { ParamCountKind, SweepHeads } from './spec.js';

/** Options of {@link matchDModel}. */
export interface MatchOptions {
  arch: 'gpt2' | 'llama';
  nLayer: number;
  vocabSize: number;
  nCtx: number;
  heads: SweepHeads;
  /** Which count is matched (default 'nonEmbedding'). */
  count?: ParamCountKind;
  /** d_model is a multiple of this (default 2 n_head, or head_dim). */
  multiple?: number;
  /** Largest d_model tried (default 16384). */
  maxDModel?: number;
}

/** What {@link matchDModel} returns. */
export interface MatchedShape {
  dModel: number;
  nHead: number;
  /** The matched count of the chosen shape. */
  achieved: number;
  total: number;
  nonEmbedding: number;
  /** (achieved - target) / target. */
  relError: number;
}

/** The head count of a d_model under a head rule (d_model / head_dim, or the fixed count). */
export function headsFor(dModel: number, heads: SweepHeads): number {
  return 'nHead' in heads ? heads.nHead : Math.max(1, Math.round(dModel / heads.headDim));
}

/** The step of d_model in parameter matching for a head rule (and an optional multiple). */
export function dModelStep(heads: SweepHeads, multiple?: number): number {
  const base = 'nHead' in heads ? heads.nHead : heads.headDim;
  const step = multiple ?? ('nHead' in heads ? 2 * heads.nHead : heads.headDim);
  if (!Number.isInteger(step) || step < 1 || step % base !== 0) {
    const what = 'nHead' in heads ? `--n-head ${heads.nHead}` : `--head-dim ${heads.headDim}`;
    throw new Error(`storygrad: sweep: the d_model multiple must be a positive multiple of ${what}, got ${multiple}`);
  }
  return step;
}

/** The d_model (a multiple of the step) whose parameter count is nearest `target`. */
export function matchDModel(target: number, o: MatchOptions): MatchedShape {
  if (!(target > 0) || !Number.isFinite(target)) throw new Error(`storygrad: sweep: a parameter target must be a positive number, got ${target}`);
  const step = dModelStep(o.heads, o.multiple);
  const kind = o.count ?? 'nonEmbedding';
  const max = o.maxDModel ?? 16384;
  const shape = (dModel: number): MatchedShape => {
    const nHead = headsFor(dModel, o.heads);
    const config: GPTConfig = { arch: o.arch, vocabSize: o.vocabSize, nCtx: o.nCtx, dModel, nLayer: o.nLayer, nHead };
    const c = countParams(config);
    const achieved = kind === 'total' ? c.total : c.nonEmbedding;
    return { dModel, nHead, achieved, total: c.total, nonEmbedding: c.nonEmbedding, relError: (achieved - target) / target };
  };
  let below = shape(step);
  if (below.achieved >= target) return below;
  for (let d = 2 * step; d <= max; d += step) {
    const above = shape(d);
    if (above.achieved >= target) return above.achieved - target < target - below.achieved ? above : below;
    below = above;
  }
  throw new Error(`storygrad: sweep: ${o.nLayer} layers reach only ${below.achieved.toLocaleString('en-US')} parameters at d_model ${max}, below the target ${target.toLocaleString('en-US')}`);
}
