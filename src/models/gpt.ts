/**
 * GPT: a decoder-only transformer in two flavours. 'gpt2' (TinyStories / GPT-Neo family): learned
 * positions, LayerNorm, GELU MLP, tied embeddings. 'llama' (llama2.c): RoPE, RMSNorm, SwiGLU MLP,
 * grouped-query attention, optional untied classifier. Parameter names follow TransformerLens
 * (`embed.W_E`, `blocks.0.attn.W_Q`, `blocks.0.mlp.W_in`, `ln_final.w`, `unembed.W_U`); weight
 * matrices are stored [out, in] and applied with a transposed matmul.
 */
import type { Tensor } from '../tensor.js';
import { Module, requireDtypeSupport } from '../nn/module.js';
import { getBackend } from '../runtime.js';
import { ones, randn, tensor, zeros } from '../ops/creation.js';
import { add, gelu } from '../ops/elementwise.js';
import { swigluFused } from '../ops/fused.js';
import { geluMlp, layerNorm, linear, linearGroup, rmsNorm } from '../ops/nn.js';
import { embedding } from '../ops/indexing.js';
import { expand, reshape, slice, unsqueeze } from '../ops/movement.js';
import { scaledDotProductAttention, type AttentionHooks } from '../nn/attention.js';
import { HookPoint, type BackwardHook, type ForwardHook, type RemoveHook } from '../nn/hook-point.js';
import {
  addHooks, runWithCache, runWithHooks, type ActivationCache, type HookFilter, type RunWithCacheOptions,
  type RunWithHooksOptions, type TokensLike,
} from '../interp/hooks.js';
import { requireDtype } from '../ops/common.js';
import { fmt } from '../shape.js';
import { applyRope, ropeTables } from './rope.js';
import { resolveConfig, type GPTConfig, type ModelDType, type ResolvedGPTConfig } from './config.js';
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
const normal = (shape: number[], std: number, seed: number, dtype: ModelDType) => randn(shape, { seed, scale: std, dtype, requiresGrad: true });
/** A trainable [rows, cols] matrix whose entry (r, c) is at(r, c). */
const matrix = (rows: number, cols: number, dtype: ModelDType, at: (r: number, c: number) => number) =>
  param(tensor(Array.from({ length: rows * cols }, (_, i) => at(Math.floor(i / cols), i % cols)), { shape: [rows, cols], dtype }));

/** A norm layer: LayerNorm (w, b) for gpt2, RMSNorm (w) for llama. */
export class Norm extends Module {
  w: Tensor;
  b: Tensor | null;
  /** The normalized (and scaled, shifted) output [B, T, d]. */
  hook_normalized = new HookPoint();
  constructor(readonly dim: number, readonly kind: 'layer' | 'rms', readonly eps: number, dtype: ModelDType = 'f32') {
    super();
    this.w = param(ones([dim], { dtype }));
    this.b = kind === 'layer' ? param(zeros([dim], { dtype })) : null;
  }
  forward(x: Tensor): Tensor {
    const y = this.kind === 'layer' ? layerNorm(x, this.w, this.b, this.eps) : rmsNorm(x, this.w, this.eps);
    return this.hook_normalized.forward(y);
  }
}

/** Multi-head causal self-attention with optional grouped-query heads and RoPE. */
export class Attention extends Module {
  W_Q: Tensor; W_K: Tensor; W_V: Tensor; W_O: Tensor;
  b_Q: Tensor | null; b_K: Tensor | null; b_V: Tensor | null; b_O: Tensor | null;
  /** Queries [B, T, nHead, dHead], before RoPE. */
  hook_q = new HookPoint();
  /** Keys [B, T, nKvHead, dHead], before RoPE. */
  hook_k = new HookPoint();
  /** Values [B, T, nKvHead, dHead]. */
  hook_v = new HookPoint();
  /** llama: queries after RoPE [B, T, nHead, dHead]. */
  hook_rot_q = new HookPoint();
  /** llama: keys after RoPE [B, T, nKvHead, dHead]. */
  hook_rot_k = new HookPoint();
  /** Scaled scores [B, nHead, Tq, Tk], masked entries -Infinity (hooking it materializes attention). */
  hook_attn_scores = new HookPoint();
  /** Attention weights [B, nHead, Tq, Tk] (hooking it materializes attention). */
  hook_pattern = new HookPoint();
  /** Per-head outputs before W_O [B, T, nHead, dHead]. */
  hook_z = new HookPoint();

  constructor(readonly cfg: ResolvedGPTConfig, seed: number, dtype: ModelDType = 'f32') {
    super();
    const { dModel: d, nHead, nKvHead, dHead, arch, nLayer } = cfg;
    const std = 0.02;
    this.W_Q = normal([nHead * dHead, d], std, seed + 1, dtype);
    this.W_K = normal([nKvHead * dHead, d], std, seed + 2, dtype);
    // 'identity': W_V keeps the first nKvHead*dHead input dims; W_O writes each head's output back to
    // the dims its kv head read, averaged over the heads sharing that kv head (the plain identity without GQA).
    const copy = cfg.valueOutputInit === 'identity';
    const group = nHead / nKvHead;
    this.W_V = copy ? matrix(nKvHead * dHead, d, dtype, (r, c) => (r === c ? 1 : 0)) : normal([nKvHead * dHead, d], std, seed + 3, dtype);
    this.W_O = copy
      ? matrix(d, nHead * dHead, dtype, (r, c) => (r === Math.floor(c / dHead / group) * dHead + (c % dHead) ? 1 / group : 0))
      : normal([d, nHead * dHead], std / Math.sqrt(2 * nLayer), seed + 4, dtype);
    const bias = (n: number) => (arch === 'gpt2' ? param(zeros([n], { dtype })) : null);
    this.b_Q = bias(nHead * dHead);
    this.b_K = bias(nKvHead * dHead);
    this.b_V = bias(nKvHead * dHead);
    this.b_O = bias(d);
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
    const heads = (t: Tensor, h: number, hook: HookPoint) => hook.forward(reshape(t, [B, T, h, dHead])); // [B, T, h, dHead]
    // Without biases (llama) the three projections are one op: one kernel each way where the backend fuses them.
    const [qp, kp, vp] = this.b_Q || this.b_K || this.b_V
      ? [linear(x, this.W_Q, this.b_Q), linear(x, this.W_K, this.b_K), linear(x, this.W_V, this.b_V)]
      : linearGroup(x, [this.W_Q, this.W_K, this.W_V]); // [B, T, nHead * dHead], [B, T, nKvHead * dHead] x 2
    let q = heads(qp!, nHead, this.hook_q);
    let k = heads(kp!, nKvHead, this.hook_k);
    let v = heads(vp!, nKvHead, this.hook_v);
    if (rope) {
      q = this.hook_rot_q.forward(applyRope(q, rope[0], rope[1]));
      k = this.hook_rot_k.forward(applyRope(k, rope[0], rope[1]));
    }
    if (kv) [k, v] = kv.cache.append(kv.layer, k, v); // [B, Tk, nKvHead, dHead]
    const z = scaledDotProductAttention(q, k, v, { causal: true, layout: 'bthd', hooks: this.attentionHooks() }); // [B, T, nHead, dHead]
    return linear(reshape(this.hook_z.forward(z), [B, T, nHead * dHead]), this.W_O, this.b_O);
  }

  /** Hooks on the scores / pattern, when attached (they switch attention to the materialized path). */
  private attentionHooks(): AttentionHooks | undefined {
    const s = this.hook_attn_scores, p = this.hook_pattern;
    if (!s.active && !p.active) return undefined;
    return { scores: (t) => s.forward(t), pattern: (t) => p.forward(t) };
  }
}

/** The MLP: GELU (gpt2) or SwiGLU (llama: W_out(silu(W_gate x) * W_in x)). */
export class MLP extends Module {
  W_in: Tensor; b_in: Tensor | null;
  W_gate: Tensor | null;
  W_out: Tensor; b_out: Tensor | null;
  /** Pre-activation [B, T, dMlp] (gpt2: W_in x + b_in; llama: the gate W_gate x); hooking it or hook_post runs the gpt2 MLP unfused. */
  hook_pre = new HookPoint();
  /** llama: the linear branch W_in x [B, T, dMlp]. */
  hook_pre_linear = new HookPoint();
  /** Post-activation [B, T, dMlp] (gpt2: gelu(pre); llama: silu(gate) * linear), the input of W_out. */
  hook_post = new HookPoint();

  constructor(readonly cfg: ResolvedGPTConfig, seed: number, dtype: ModelDType = 'f32') {
    super();
    const { dModel: d, dMlp, arch, nLayer } = cfg;
    this.W_in = normal([dMlp, d], 0.02, seed + 5, dtype);
    this.W_gate = arch === 'llama' ? normal([dMlp, d], 0.02, seed + 6, dtype) : null;
    this.W_out = normal([d, dMlp], 0.02 / Math.sqrt(2 * nLayer), seed + 7, dtype);
    this.b_in = arch === 'gpt2' ? param(zeros([dMlp], { dtype })) : null;
    this.b_out = arch === 'gpt2' ? param(zeros([d], { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    if (this.W_gate) {
      const [g, l] = linearGroup(x, [this.W_gate, this.W_in]); // one op: one kernel each way where the backend fuses them
      const gate = this.hook_pre.forward(g!); // [B, T, dMlp]
      const lin = this.hook_pre_linear.forward(l!); // [B, T, dMlp]
      return linear(this.hook_post.forward(swigluFused(gate, lin)), this.W_out); // silu(gate) * lin, fused
    }
    if (this.hook_pre.active || this.hook_post.active) {
      const pre = this.hook_pre.forward(linear(x, this.W_in, this.b_in));
      return linear(this.hook_post.forward(gelu(pre)), this.W_out, this.b_out);
    }
    return geluMlp(x, this.W_in, this.b_in, this.W_out, this.b_out); // linear(gelu(linear(x, W_in, b_in)), W_out, b_out), fused
  }
}

/** A pre-norm transformer block. */
export class Block extends Module {
  /** The residual stream entering the block [B, T, d]. */
  hook_resid_pre = new HookPoint();
  ln1: Norm; attn: Attention;
  /** The attention output (after W_O) [B, T, d]. */
  hook_attn_out = new HookPoint();
  /** The residual stream after attention [B, T, d]. */
  hook_resid_mid = new HookPoint();
  ln2: Norm; mlp: MLP;
  /** The MLP output [B, T, d]. */
  hook_mlp_out = new HookPoint();
  /** The residual stream leaving the block [B, T, d]. */
  hook_resid_post = new HookPoint();
  constructor(cfg: ResolvedGPTConfig, seed: number, dtype: ModelDType = 'f32') {
    super();
    const kind = cfg.arch === 'gpt2' ? 'layer' : 'rms';
    this.ln1 = new Norm(cfg.dModel, kind, cfg.normEps, dtype);
    this.attn = new Attention(cfg, seed, dtype);
    this.ln2 = new Norm(cfg.dModel, kind, cfg.normEps, dtype);
    this.mlp = new MLP(cfg, seed, dtype);
  }
  forward(x: Tensor, rope: [Tensor, Tensor] | null, kv?: { cache: KVCache; layer: number }): Tensor {
    x = this.hook_resid_pre.forward(x);
    const attnOut = this.hook_attn_out.forward(this.attn.forward(this.ln1.forward(x), rope, kv));
    const mid = this.hook_resid_mid.forward(add(x, attnOut));
    const mlpOut = this.hook_mlp_out.forward(this.mlp.forward(this.ln2.forward(mid)));
    return this.hook_resid_post.forward(add(mid, mlpOut));
  }
}

/** Token embedding holder (`embed.W_E` [V, d]). */
export class Embed extends Module {
  W_E: Tensor;
  constructor(vocab: number, d: number, seed: number, dtype: ModelDType = 'f32', std = 0.02) { super(); this.W_E = normal([vocab, d], std, seed, dtype); }
}

/** Learned positions (`pos_embed.W_pos` [nCtx, d]). */
export class PosEmbed extends Module {
  W_pos: Tensor;
  constructor(nCtx: number, d: number, seed: number, dtype: ModelDType = 'f32') { super(); this.W_pos = normal([nCtx, d], 0.01, seed, dtype); }
}

/** Untied classifier (`unembed.W_U` [V, d]). */
export class Unembed extends Module {
  W_U: Tensor;
  constructor(vocab: number, d: number, seed: number, dtype: ModelDType = 'f32', std = 0.02) { super(); this.W_U = normal([vocab, d], std, seed, dtype); }
}

/** A decoder-only transformer language model. */
export class GPT extends Module {
  readonly config: ResolvedGPTConfig;
  embed: Embed;
  /** Token embeddings [B, T, d]. */
  hook_embed = new HookPoint();
  pos_embed: PosEmbed | null;
  /** gpt2: position embeddings [B, T, d] (hooked only when attached). */
  hook_pos_embed = new HookPoint();
  blocks: Block[];
  ln_final: Norm;
  unembed: Unembed | null;
  private hookIndex: Map<string, HookPoint> | null = null;

  constructor(config: GPTConfig) {
    super();
    const cfg = resolveConfig(config);
    this.config = cfg;
    const s = cfg.seed * 1000;
    const dtype = config.dtype ?? 'f32';
    requireDtypeSupport(getBackend(), dtype, `GPT: dtype '${dtype}'`);
    this.embed = new Embed(cfg.vocabSize, cfg.dModel, s + 1, dtype, cfg.embedInitStd);
    this.pos_embed = cfg.arch === 'gpt2' ? new PosEmbed(cfg.nCtx, cfg.dModel, s + 2, dtype) : null;
    this.blocks = Array.from({ length: cfg.nLayer }, (_, l) => new Block(cfg, s + 10 * (l + 1), dtype));
    this.ln_final = new Norm(cfg.dModel, cfg.arch === 'gpt2' ? 'layer' : 'rms', cfg.normEps, dtype);
    // unembedInit 'embed': the embedding's seed and spread draw the same values into a buffer of its own.
    const copy = cfg.unembedInit === 'embed';
    this.unembed = cfg.tieEmbeddings ? null : new Unembed(cfg.vocabSize, cfg.dModel, copy ? s + 1 : s + 3, dtype, copy ? cfg.embedInitStd : 0.02);
  }

  /**
   * The dtype of the parameters, and so of every activation, the logits and the KV cache
   * ('f32' or 'f16'); set at creation (`config.dtype`) or by `model.to(dtype)`.
   */
  get dtype(): ModelDType {
    return this.embed.W_E.dtype as ModelDType;
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
    let x = this.hook_embed.forward(embedding(this.embed.W_E, tokens)); // [B, T, d]
    if (this.pos_embed) {
      let pos = slice(this.pos_embed.W_pos, 0, start, start + T); // [T, d]
      if (this.hook_pos_embed.active) pos = this.hook_pos_embed.forward(expand(unsqueeze(pos, 0), x.shape.slice()));
      x = add(x, pos);
    }
    const rope = this.config.arch === 'llama' ? ropeTables(x, T, this.config.dHead, this.config.ropeTheta, start) : null;
    this.blocks.forEach((block, layer) => {
      x = block.forward(x, rope, cache ? { cache, layer } : undefined);
    });
    x = this.ln_final.forward(x);
    return linear(x, this.unembed ? this.unembed.W_U : this.embed.W_E); // [B, T, V]
  }

  /**
   * The hook points by TransformerLens name (`hook_embed`, `blocks.0.attn.hook_pattern`, …), in
   * forward order. gpt2 has `hook_pos_embed`; llama has `attn.hook_rot_q|hook_rot_k` and
   * `mlp.hook_pre_linear`.
   */
  hookPoints(): Map<string, HookPoint> {
    if (!this.hookIndex) {
      const index = new Map<string, HookPoint>();
      const walk = (m: Module, prefix: string, layer: number | null) => {
        for (const [k, child] of m.namedChildren()) {
          const name = prefix + k;
          const l = layer ?? (/^blocks\.(\d+)$/.exec(name) ? Number(name.split('.')[1]) : null);
          if (child instanceof HookPoint) {
            if (k === 'hook_pos_embed' && !this.pos_embed) continue;
            if ((k === 'hook_rot_q' || k === 'hook_rot_k' || k === 'hook_pre_linear') && this.config.arch !== 'llama') continue;
            child.name = name;
            child.layer = l;
            index.set(name, child);
          } else {
            walk(child, `${name}.`, l);
          }
        }
      };
      walk(this, '', null);
      this.hookIndex = index;
    }
    return this.hookIndex;
  }

  /** Every hook name, in forward order. */
  hookNames(): string[] {
    return [...this.hookPoints().keys()];
  }

  /** Attaches a forward hook to every hook point the filter selects; returns one remover for all. */
  addHook(filter: HookFilter, fn: ForwardHook): RemoveHook {
    return addHooks(this.hookPoints(), filter, (hp) => hp.addHook(fn));
  }

  /** Attaches a backward hook (on activation gradients) to every selected hook point. */
  addGradHook(filter: HookFilter, fn: BackwardHook): RemoveHook {
    return addHooks(this.hookPoints(), filter, (hp) => hp.addGradHook(fn));
  }

  /** Removes every hook from every hook point. */
  resetHooks(): void {
    for (const hp of this.hookPoints().values()) hp.resetHooks();
  }

  /**
   * Runs the forward pass with hooks attached for this call only (removed when it returns or
   * throws); a hook may return a replacement activation. Returns the logits [B, T, V].
   */
  runWithHooks(tokens: TokensLike, opts: RunWithHooksOptions): Tensor {
    return runWithHooks(this, tokens, opts);
  }

  /**
   * Runs the forward pass and caches the activations the `names` filter selects (all when
   * omitted), detached and kept out of tidy scopes until `cache.dispose()`.
   */
  runWithCache(tokens: TokensLike, opts: RunWithCacheOptions = {}): Promise<{ logits: Tensor; cache: ActivationCache }> {
    return runWithCache(this, tokens, opts);
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
