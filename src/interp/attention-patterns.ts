/**
 * Attention pattern export: the attention weights of chosen layers and heads for one sequence as
 * plain nested arrays (JSON-friendly), read through `blocks.{l}.attn.hook_pattern` (only the
 * selected layers are cached).
 */
import type { GPT } from '../models/gpt.js';
import { runWithCache, type TokensLike } from './hooks.js';
import { checkHead, resolveLayers } from './bounds.js';
import { tokenRows } from './token-ids.js';

/** Options of `attentionPatterns`. */
export interface AttentionPatternsOptions {
  /** Layers to export (default all). */
  layers?: readonly number[];
  /** Heads to export in each layer (default all). */
  heads?: readonly number[];
  /** Which batch row when `tokens` holds several sequences (default 0). */
  batch?: number;
}

/** The patterns of one layer. */
export interface LayerPatterns {
  layer: number;
  /** The head index of each entry of `heads`. */
  headIndices: number[];
  /** Attention weights [head][query][key]; each row sums to 1, keys after the query are 0. */
  heads: number[][][];
}

/** The result of `attentionPatterns`. */
export interface AttentionPatterns {
  /** The sequence's token ids [T]. */
  tokens: number[];
  layers: LayerPatterns[];
}

/** Runs the model and returns the attention patterns of the selected layers and heads. */
export async function attentionPatterns(model: GPT, tokens: TokensLike, opts: AttentionPatternsOptions = {}): Promise<AttentionPatterns> {
  const rows = await tokenRows(model, tokens);
  const batch = opts.batch ?? 0;
  if (!Number.isInteger(batch) || batch < 0 || batch >= rows.length) {
    throw new Error(`storygrad: attentionPatterns: batch ${batch} is out of range for ${rows.length} sequences (0..${rows.length - 1})`);
  }
  const layers = resolveLayers(model, opts.layers);
  const H = model.config.nHead;
  const heads = opts.heads ? [...opts.heads] : Array.from({ length: H }, (_, h) => h);
  for (const l of layers) for (const h of heads) checkHead(model, l, h);
  const T = rows[0]!.length;
  const { logits, cache } = await runWithCache(model, [rows[batch]!], { names: layers.map((l) => `blocks.${l}.attn.hook_pattern`) });
  logits.dispose();
  try {
    const out: LayerPatterns[] = [];
    for (const layer of layers) {
      const p = await cache.get(`blocks.${layer}.attn.hook_pattern`).data(); // [1, H, T, T]
      out.push({
        layer,
        headIndices: heads,
        heads: heads.map((h) => Array.from({ length: T }, (_, q) => Array.from(p.subarray((h * T + q) * T, (h * T + q + 1) * T)))),
      });
    }
    return { tokens: rows[batch]!, layers: out };
  } finally {
    cache.dispose();
  }
}
