/**
 * Parameter and FLOP counts of a GPT config, computed from the shapes alone (no tensors made).
 * `countParams(c).total` equals `new GPT(c).numParameters()` for every arch and option.
 */
import { resolveConfig, type GPTConfig } from './config.js';

/** Parameters of one transformer block. */
export interface BlockParamCount {
  /** W_Q, W_K, W_V, W_O (+ their biases for gpt2). */
  attention: number;
  /** W_in (+ W_gate for llama), W_out (+ biases for gpt2). */
  mlp: number;
  /** ln1 and ln2 (LayerNorm w and b, or RMSNorm w). */
  norms: number;
  total: number;
}

/** What {@link countParams} returns. */
export interface ParamCount {
  /** Every parameter element (tied weights counted once). */
  total: number;
  /** Token embedding + learned positions (gpt2) + untied unembedding. */
  embedding: number;
  /** total - embedding: the blocks and the final norm (Kaplan et al.'s N). */
  nonEmbedding: number;
  /** One block (all blocks have the same shape). */
  perBlock: BlockParamCount;
  /** All blocks: nLayer * perBlock.total. */
  blocks: number;
  /** The final norm. */
  finalNorm: number;
  /** The embedding's parts. */
  tokenEmbedding: number;
  positionEmbedding: number;
  /** 0 when the unembedding is tied to the token embedding. */
  unembedding: number;
}

/** Counts the parameters of `new GPT(config)` from its shapes. */
export function countParams(config: GPTConfig): ParamCount {
  const c = resolveConfig(config);
  const { dModel: d, dHead, nHead, nKvHead, dMlp, vocabSize: V, nCtx } = c;
  const gpt2 = c.arch === 'gpt2';
  const q = nHead * dHead, kv = nKvHead * dHead;
  const attention = q * d + 2 * kv * d + d * q + (gpt2 ? q + 2 * kv + d : 0);
  const mlp = gpt2 ? dMlp * d + dMlp + d * dMlp + d : 3 * dMlp * d;
  const norm = gpt2 ? 2 * d : d;
  const perBlock = { attention, mlp, norms: 2 * norm, total: attention + mlp + 2 * norm };
  const tokenEmbedding = V * d;
  const positionEmbedding = gpt2 ? nCtx * d : 0;
  const unembedding = c.tieEmbeddings ? 0 : V * d;
  const blocks = c.nLayer * perBlock.total;
  const embedding = tokenEmbedding + positionEmbedding + unembedding;
  const nonEmbedding = blocks + norm;
  return {
    total: embedding + nonEmbedding, embedding, nonEmbedding, perBlock, blocks, finalNorm: norm,
    tokenEmbedding, positionEmbedding, unembedding,
  };
}

/** What {@link flopsPerToken} returns (FLOPs per token; one multiply-add = 2 FLOPs). */
export interface FlopCount {
  /** Forward pass: 2 N + 4 L T d. */
  forward: number;
  /** Forward + backward (training step): 6 N + 12 L T d = 3 * forward. */
  training: number;
  /** N: the parameters that take part in a matmul per token (see {@link flopsPerToken}). */
  matmulParams: number;
  /** The attention term of the forward pass, 4 L T d (scores and weighted sum). */
  attentionForward: number;
}

/**
 * FLOPs per token of a forward pass and of a training step, in the usual convention (Kaplan et
 * al. 2020, and PaLM's MFU formula, Chowdhery et al. 2022, appendix B):
 *
 *   forward  = 2 N + 4 L T d
 *   training = 6 N + 12 L T d      (backward = 2 x forward)
 *
 * - N = non-embedding parameters + vocabSize * dModel: every weight a token is multiplied by,
 *   including the unembedding matmul (tied or not); the embedding lookups and position adds cost
 *   no FLOPs. Norm gains and biases are in N although they cost 1 FLOP each, not 2 (negligible).
 * - L = nLayer, d = nHead * dHead = dModel, T = `seqLen`, the number of positions attended to:
 *   q·k scores cost 2 T d per token and layer, the weighted sum of values another 2 T d. As in
 *   the convention, T is not halved for causal masking (the average causal token attends to T/2).
 *
 * `training * tokensPerSecond / peakFlops` is the MFU.
 */
export function flopsPerToken(config: GPTConfig, seqLen: number): FlopCount {
  if (!Number.isInteger(seqLen) || seqLen <= 0) throw new Error(`storygrad: flopsPerToken: seqLen must be a positive integer, got ${seqLen}`);
  const c = resolveConfig(config);
  const n = countParams(c).nonEmbedding + c.vocabSize * c.dModel;
  const attentionForward = 4 * c.nLayer * seqLen * c.nHead * c.dHead;
  const forward = 2 * n + attentionForward;
  return { forward, training: 3 * forward, matmulParams: n, attentionForward };
}
