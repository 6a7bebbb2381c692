/**
 * GPT: a decoder-only transformer in two flavours. 'gpt2' (TinyStories / GPT-Neo family): learned
 * positions, LayerNorm, GELU MLP, tied embeddings. 'llama' (llama2.c): RoPE, RMSNorm, SwiGLU MLP,
 * grouped-query attention, optional untied classifier. Parameter names follow TransformerLens
 * (`embed.W_E`, `blocks.0.attn.W_Q`, `blocks.0.mlp.W_in`, `ln_final.w`, `unembed.W_U`); weight
 * matrices are stored [out, in] and applied with a transposed matmul.
 */
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { ones, randn, zeros } from '../ops/creation.js';
import { add, mul, sigmoid } from '../ops/elementwise.js';
import { geluMlp, layerNorm, linear, rmsNorm } from '../ops/nn.js';
import { embedding } from '../ops/indexing.js';
import { reshape, slice } from '../ops/movement.js';
import { scaledDotProductAttention } from '../nn/attention.js';
import { requireDtype } from '../ops/common.js';
import { fmt } from '../shape.js';
import { applyRope, ropeTables } from './rope.js';
import { resolveConfig, type GPTConfig, type ResolvedGPTConfig } from './config.js';
import { generate, generateBatch, type GenerateOptions } from './generate.js';
import type { KVCache } from './kv-cache.js';

/** Options of `GPT.forward`. */
export interface ForwardOptions {
  /**
   * Incremental decoding: the tokens continue the sequence whose keys/values the cache holds
   * (positions start at `cache.length`), and their keys/values are appended to it.
   */
  cache?: KVCache;
}

const param = (t: Tensor): Tensor => { t.requiresGrad = true; return t; };
const normal = (shape: number[], std: number, seed: number) => randn(shape, { seed, scale: std, requiresGrad: true });

/** A norm layer: LayerNorm (w, b) for gpt2, RMSNorm (w) for llama. */
export class Norm extends Module {
  w: Tensor;
  b: Tensor | null;
  constructor(readonly dim: number, readonly kind: 'layer' | 'rms', readonly eps: number) {
    super();
    this.w = param(ones([dim]));
    this.b = kind === 'layer' ? param(zeros([dim])) : null;
  }
  forward(x: Tensor): Tensor {
    return this.kind === 'layer' ? layerNorm(x, this.w, this.b, this.eps) : rmsNorm(x, this.w, this.eps);
  }
}

/** Multi-head causal self-attention with optional grouped-query heads and RoPE. */
export class Attention extends Module {
  W_Q: Tensor; W_K: Tensor; W_V: Tensor; W_O: Tensor;
  b_Q: Tensor | null; b_K: Tensor | null; b_V: Tensor | null; b_O: Tensor | null;

  constructor(readonly cfg: ResolvedGPTConfig, seed: number) {
    super();
    const { dModel: d, nHead, nKvHead, dHead, arch, nLayer } = cfg;
    const std = 0.02;
    this.W_Q = normal([nHead * dHead, d], std, seed + 1);
    this.W_K = normal([nKvHead * dHead, d], std, seed + 2);
    this.W_V = normal([nKvHead * dHead, d], std, seed + 3);
    this.W_O = normal([d, nHead * dHead], std / Math.sqrt(2 * nLayer), seed + 4);
    const bias = arch === 'gpt2';
    this.b_Q = bias ? param(zeros([nHead * dHead])) : null;
    this.b_K = bias ? param(zeros([nKvHead * dHead])) : null;
    this.b_V = bias ? param(zeros([nKvHead * dHead])) : null;
    this.b_O = bias ? param(zeros([d])) : null;
  }

  /**
   * x [B, T, d] -> [B, T, d]; `rope` holds cos/sin tables for llama; with `kv` the new keys and
   * values are appended to the cache and attention runs over the whole cached sequence.
   */
  forward(x: Tensor, rope: [Tensor, Tensor] | null, kv?: { cache: KVCache; layer: number }): Tensor {
    const [B, T] = x.shape as [number, number, number];
    const { nHead, nKvHead, dHead } = this.cfg;
    // Positions before heads ('bthd'): the projections reshape without copies, the fused
    // attention reads them in place and shares kv heads itself (grouped-query attention).
    const heads = (t: Tensor, h: number) => reshape(t, [B, T, h, dHead]); // [B, T, h, dHead]
    let q = heads(linear(x, this.W_Q, this.b_Q), nHead);
    let k = heads(linear(x, this.W_K, this.b_K), nKvHead);
    let v = heads(linear(x, this.W_V, this.b_V), nKvHead);
    if (rope) {
      q = applyRope(q, rope[0], rope[1]);
      k = applyRope(k, rope[0], rope[1]);
    }
    if (kv) [k, v] = kv.cache.append(kv.layer, k, v); // [B, Tk, nKvHead, dHead]
    const z = scaledDotProductAttention(q, k, v, { causal: true, layout: 'bthd' }); // [B, T, nHead, dHead]
    return linear(reshape(z, [B, T, nHead * dHead]), this.W_O, this.b_O);
  }
}

/** The MLP: GELU (gpt2) or SwiGLU (llama: W_out(silu(W_gate x) * W_in x)). */
export class MLP extends Module {
  W_in: Tensor; b_in: Tensor | null;
  W_gate: Tensor | null;
  W_out: Tensor; b_out: Tensor | null;

  constructor(readonly cfg: ResolvedGPTConfig, seed: number) {
    super();
    const { dModel: d, dMlp, arch, nLayer } = cfg;
    this.W_in = normal([dMlp, d], 0.02, seed + 5);
    this.W_gate = arch === 'llama' ? normal([dMlp, d], 0.02, seed + 6) : null;
    this.W_out = normal([d, dMlp], 0.02 / Math.sqrt(2 * nLayer), seed + 7);
    this.b_in = arch === 'gpt2' ? param(zeros([dMlp])) : null;
    this.b_out = arch === 'gpt2' ? param(zeros([d])) : null;
  }

  forward(x: Tensor): Tensor {
    if (this.W_gate) {
      const gate = linear(x, this.W_gate);
      return linear(mul(mul(gate, sigmoid(gate)), linear(x, this.W_in)), this.W_out);
    }
    return geluMlp(x, this.W_in, this.b_in, this.W_out, this.b_out); // linear(gelu(linear(x, W_in, b_in)), W_out, b_out), fused
  }
}

/** A pre-norm transformer block. */
export class Block extends Module {
  ln1: Norm; attn: Attention; ln2: Norm; mlp: MLP;
  constructor(cfg: ResolvedGPTConfig, seed: number) {
    super();
    const kind = cfg.arch === 'gpt2' ? 'layer' : 'rms';
    this.ln1 = new Norm(cfg.dModel, kind, cfg.normEps);
    this.attn = new Attention(cfg, seed);
    this.ln2 = new Norm(cfg.dModel, kind, cfg.normEps);
    this.mlp = new MLP(cfg, seed);
  }
  forward(x: Tensor, rope: [Tensor, Tensor] | null, kv?: { cache: KVCache; layer: number }): Tensor {
    const mid = add(x, this.attn.forward(this.ln1.forward(x), rope, kv));
    return add(mid, this.mlp.forward(this.ln2.forward(mid)));
  }
}

/** Token embedding holder (`embed.W_E` [V, d]). */
export class Embed extends Module {
  W_E: Tensor;
  constructor(vocab: number, d: number, seed: number) { super(); this.W_E = normal([vocab, d], 0.02, seed); }
}

/** Learned positions (`pos_embed.W_pos` [nCtx, d]). */
export class PosEmbed extends Module {
  W_pos: Tensor;
  constructor(nCtx: number, d: number, seed: number) { super(); this.W_pos = normal([nCtx, d], 0.01, seed); }
}

/** Untied classifier (`unembed.W_U` [V, d]). */
export class Unembed extends Module {
  W_U: Tensor;
  constructor(vocab: number, d: number, seed: number) { super(); this.W_U = normal([vocab, d], 0.02, seed); }
}

/** A decoder-only transformer language model. */
export class GPT extends Module {
  readonly config: ResolvedGPTConfig;
  embed: Embed;
  pos_embed: PosEmbed | null;
  blocks: Block[];
  ln_final: Norm;
  unembed: Unembed | null;

  constructor(config: GPTConfig) {
    super();
    const cfg = resolveConfig(config);
    this.config = cfg;
    const s = cfg.seed * 1000;
    this.embed = new Embed(cfg.vocabSize, cfg.dModel, s + 1);
    this.pos_embed = cfg.arch === 'gpt2' ? new PosEmbed(cfg.nCtx, cfg.dModel, s + 2) : null;
    this.blocks = Array.from({ length: cfg.nLayer }, (_, l) => new Block(cfg, s + 10 * (l + 1)));
    this.ln_final = new Norm(cfg.dModel, cfg.arch === 'gpt2' ? 'layer' : 'rms', cfg.normEps);
    this.unembed = cfg.tieEmbeddings ? null : new Unembed(cfg.vocabSize, cfg.dModel, s + 3);
  }

  /**
   * tokens i32 [B, T] -> logits [B, T, V]. Positions start at 0, or at `cache.length` when a
   * KV cache is given (see ForwardOptions); start + T must not exceed nCtx.
   */
  forward(tokens: Tensor, opts: ForwardOptions = {}): Tensor {
    requireDtype('GPT.forward', tokens, 'i32', 'tokens');
    if (tokens.rank !== 2) throw new Error(`storygrad: GPT.forward: tokens must be [B, T], got ${fmt(tokens.shape)}`);
    const T = tokens.shape[1]!;
    const cache = opts.cache;
    const start = cache ? cache.length : 0;
    if (cache && cache.nLayer !== this.config.nLayer) {
      throw new Error(`storygrad: GPT.forward: the KV cache has ${cache.nLayer} layers, the model ${this.config.nLayer}`);
    }
    if (start + T > this.config.nCtx) {
      throw new Error(`storygrad: GPT.forward: positions ${start}..${start + T - 1} exceed the context of ${this.config.nCtx}` + (cache ? ' (reset the KV cache)' : ''));
    }
    let x = embedding(this.embed.W_E, tokens); // [B, T, d]
    if (this.pos_embed) x = add(x, slice(this.pos_embed.W_pos, 0, start, start + T));
    const rope = this.config.arch === 'llama' ? ropeTables(x, T, this.config.dHead, this.config.ropeTheta, start) : null;
    this.blocks.forEach((block, layer) => {
      x = block.forward(x, rope, cache ? { cache, layer } : undefined);
    });
    x = this.ln_final.forward(x);
    return linear(x, this.unembed ? this.unembed.W_U : this.embed.W_E); // [B, T, V]
  }

  /** Streams generated token ids (see GenerateOptions). */
  generate(prompt: number[], opts: GenerateOptions = {}): AsyncGenerator<number> {
    return generate(this, prompt, opts);
  }

  /**
   * Generates for several prompts of equal length at once (one batched forward per step); each
   * step yields one id per prompt, or null for a prompt that already stopped.
   */
  generateBatch(prompts: number[][], opts: GenerateOptions = {}): AsyncGenerator<(number | null)[]> {
    return generateBatch(this, prompts, opts);
  }

}
