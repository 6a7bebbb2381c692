/** GPT configuration: validation, defaults and derived sizes. */

/** Architecture and shape of a GPT model. */
export interface GPTConfig {
  /** 'gpt2': learned positions, LayerNorm, GELU MLP. 'llama': RoPE, RMSNorm, SwiGLU, grouped-query attention. */
  arch: 'gpt2' | 'llama';
  vocabSize: number;
  /** Context length (maximum positions). */
  nCtx: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  /** Key/value heads (grouped-query attention); defaults to nHead. */
  nKvHead?: number;
  /** MLP hidden size; defaults to 4 dModel (gpt2) or llama's 2/3 * 4 dModel rounded to 32. */
  dMlp?: number;
  /** Share the unembedding with the token embedding (default true for gpt2, false for llama). */
  tieEmbeddings?: boolean;
  /** Norm epsilon (default 1e-5). */
  normEps?: number;
  /** RoPE base (default 10000). */
  ropeTheta?: number;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
  /**
   * Standard deviation of the token embedding `embed.W_E` at initialisation (default 0.02). With
   * tied embeddings a larger value (0.3 at d 64) lets a head that copies an earlier token's
   * embedding raise that token's logit from the first step, which shortens the plateau before a
   * small model learns to copy names (bench/RESULTS.md, "Why names do not copy").
   */
  embedInitStd?: number;
  /**
   * Initialisation of the attention value and output projections: 'normal' (default, std 0.02)
   * or 'identity' (`W_V` and `W_O` start as identity maps, so every head adds the residual of
   * what it attends to: a copying head from step 0).
   */
  valueOutputInit?: 'normal' | 'identity';
  /**
   * Initialisation of an untied unembedding `unembed.W_U`: 'normal' (default, std 0.02) or
   * 'embed' (a copy of the token embedding: the model starts as if tied, so copying an attended
   * token's embedding raises its logit, and the two matrices then train apart).
   */
  unembedInit?: 'normal' | 'embed';
  /**
   * dtype the parameters are created in (default 'f32'); 'f16' needs a backend with f16 support
   * (see `Module.to`). Not an architecture field: the resolved config does not keep it, read
   * `model.dtype` instead (it follows `model.to()`).
   */
  dtype?: ModelDType;
}

/** The float dtypes a model's parameters (and so its activations, logits and KV cache) can have. */
export type ModelDType = 'f32' | 'f16';

/** A config with every optional field filled in (without the creation dtype: see `GPT.dtype`). */
export type ResolvedGPTConfig = Required<Omit<GPTConfig, 'dtype'>> & { dHead: number };

/** Fills defaults and checks the config; errors name the offending fields. */
export function resolveConfig(c: GPTConfig): ResolvedGPTConfig {
  const problems: string[] = [];
  if (c.arch !== 'gpt2' && c.arch !== 'llama') problems.push(`arch must be 'gpt2' or 'llama', got '${c.arch}'`);
  for (const k of ['vocabSize', 'nCtx', 'dModel', 'nLayer', 'nHead'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) problems.push(`${k} must be a positive integer, got ${c[k]}`);
  }
  const nKvHead = c.nKvHead ?? c.nHead;
  if (c.dModel % c.nHead !== 0) problems.push(`dModel (${c.dModel}) must be divisible by nHead (${c.nHead})`);
  if (!Number.isInteger(nKvHead) || nKvHead <= 0 || c.nHead % nKvHead !== 0) problems.push(`nHead (${c.nHead}) must be a multiple of nKvHead (${nKvHead})`);
  const dHead = c.dModel / c.nHead;
  if (c.arch === 'llama' && dHead % 2 !== 0) problems.push(`llama needs an even head size for RoPE, got ${dHead}`);
  const llamaMlp = Math.ceil((2 * 4 * c.dModel) / 3 / 32) * 32;
  const dMlp = c.dMlp ?? (c.arch === 'llama' ? llamaMlp : 4 * c.dModel);
  if (!Number.isInteger(dMlp) || dMlp <= 0) problems.push(`dMlp must be a positive integer, got ${dMlp}`);
  if (c.embedInitStd !== undefined && !(c.embedInitStd > 0 && Number.isFinite(c.embedInitStd))) problems.push(`embedInitStd must be a positive number, got ${c.embedInitStd}`);
  if (c.valueOutputInit !== undefined && c.valueOutputInit !== 'normal' && c.valueOutputInit !== 'identity') {
    problems.push(`valueOutputInit must be 'normal' or 'identity', got '${String(c.valueOutputInit)}'`);
  }
  if (c.unembedInit !== undefined && c.unembedInit !== 'normal' && c.unembedInit !== 'embed') {
    problems.push(`unembedInit must be 'normal' or 'embed', got '${String(c.unembedInit)}'`);
  }
  if (c.dtype !== undefined && c.dtype !== 'f32' && c.dtype !== 'f16') problems.push(`dtype must be 'f32' or 'f16', got '${String(c.dtype)}'`);
  if (problems.length) throw new Error(`storygrad: invalid GPT config: ${problems.join('; ')}`);
  return {
    arch: c.arch, vocabSize: c.vocabSize, nCtx: c.nCtx, dModel: c.dModel, nLayer: c.nLayer, nHead: c.nHead,
    nKvHead, dMlp, dHead,
    tieEmbeddings: c.tieEmbeddings ?? c.arch === 'gpt2',
    normEps: c.normEps ?? 1e-5,
    ropeTheta: c.ropeTheta ?? 10000,
    seed: c.seed ?? 0,
    embedInitStd: c.embedInitStd ?? 0.02,
    valueOutputInit: c.valueOutputInit ?? 'normal',
    unembedInit: c.unembedInit ?? 'normal',
  };
}
