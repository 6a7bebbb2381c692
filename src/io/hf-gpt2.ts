/**
 * Hugging Face transformers GPT-2 checkpoints (GPT2LMHeadModel / GPT2Model names) mapped onto
 * storygrad's TransformerLens names.
 *
 * HF's GPT-2 uses Conv1D layers: weights are stored [in, out] and applied as `x @ W + b`; ours are
 * stored [out, in] (nn.Linear layout), so every Conv1D weight is transposed. The fused
 * `attn.c_attn.weight` [d, 3d] holds q | k | v along its out dimension (heads contiguous inside
 * each, as our W_Q [nHead*dHead, d] rows are). HF name  ->  ours:
 *
 *   wte.weight [V, d]                 -> embed.W_E [V, d]
 *   wpe.weight [nCtx, d]              -> pos_embed.W_pos [nCtx, d]
 *   h.{l}.ln_1.weight / .bias [d]     -> blocks.{l}.ln1.w / .b
 *   h.{l}.attn.c_attn.weight [d, 3d]  -> blocks.{l}.attn.W_Q, W_K, W_V [d, d] (transposed thirds)
 *   h.{l}.attn.c_attn.bias [3d]       -> blocks.{l}.attn.b_Q, b_K, b_V [d]
 *   h.{l}.attn.c_proj.weight [d, d]   -> blocks.{l}.attn.W_O [d, d] (transposed); bias -> b_O
 *   h.{l}.ln_2.weight / .bias         -> blocks.{l}.ln2.w / .b
 *   h.{l}.mlp.c_fc.weight [d, 4d]     -> blocks.{l}.mlp.W_in [4d, d] (transposed); bias -> b_in
 *   h.{l}.mlp.c_proj.weight [4d, d]   -> blocks.{l}.mlp.W_out [d, 4d] (transposed); bias -> b_out
 *   ln_f.weight / .bias               -> ln_final.w / .b
 *   lm_head.weight [V, d] (optional)  -> tied to wte when equal (or absent), else unembed.W_U
 *
 * Names may carry the `transformer.` prefix (GPT2LMHeadModel) or not (GPT2Model). The causal-mask
 * buffers `attn.bias` / `attn.masked_bias` of older files are ignored. GPT-2 computes GELU with
 * the tanh approximation ("gelu_new"), as storygrad's `gelu` does, and scales attention scores by
 * 1/sqrt(dHead), as ours does. GPT-Neo files (the released TinyStories models) use other names
 * and unscaled, partly local attention: they are not this format.
 */
import { GPT } from '../models/gpt.js';
import type { GPTConfig, ModelDType } from '../models/config.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';

/** One tensor as host data (e.g. an entry of `loadSafetensors(...).tensors`). */
export interface HostTensor {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** The fields of a Hugging Face GPT-2 `config.json` that matter here. */
export interface HFGPT2ConfigJSON {
  model_type?: string;
  n_head?: number;
  n_embd?: number;
  n_layer?: number;
  n_positions?: number;
  n_ctx?: number;
  vocab_size?: number;
  layer_norm_epsilon?: number;
  activation_function?: string;
  tie_word_embeddings?: boolean;
}

/** Config hints: storygrad fields (at least nHead) or an HF config.json object. */
export type HFGPT2ConfigInput = Partial<GPTConfig> | HFGPT2ConfigJSON;

/** A mapped checkpoint: our config and state (host arrays, [out, in] layout). */
export interface MappedCheckpoint {
  config: GPTConfig;
  state: Record<string, { shape: number[]; data: Float32Array }>;
}

const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const LAYER = /^h\.(\d+)\./;

/** Whether tensor names look like a Hugging Face GPT-2 checkpoint. */
export function looksLikeHuggingFaceGPT2(names: readonly string[]): boolean {
  return names.some((n) => /^(transformer\.)?(wte\.weight|h\.\d+\.attn\.c_attn\.weight)$/.test(n));
}

function isHFConfig(c: HFGPT2ConfigInput): c is HFGPT2ConfigJSON {
  return ['n_head', 'n_embd', 'n_layer', 'n_positions', 'vocab_size', 'model_type'].some((k) => k in c);
}

const err = (msg: string) => new Error(`storygrad: Hugging Face GPT-2 checkpoint: ${msg}`);

/**
 * Maps HF GPT-2 tensors to storygrad's names and layout, inferring vocabSize, nCtx, dModel and
 * nLayer from the shapes. nHead cannot be inferred: pass `{ nHead }` or the parsed config.json.
 * Missing, unexpected and mis-shaped tensors are all listed in one error.
 */
export function mapHuggingFaceGPT2(tensors: Record<string, HostTensor>, config: HFGPT2ConfigInput = {}): MappedCheckpoint {
  const src = new Map<string, HostTensor>();
  for (const [name, t] of Object.entries(tensors)) {
    const n = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
    if (src.has(n)) throw err(`tensor '${n}' appears both with and without the 'transformer.' prefix`);
    src.set(n, t);
  }
  const wte = src.get('wte.weight'), wpe = src.get('wpe.weight');
  if (!wte || !wpe || wte.shape.length !== 2 || wpe.shape.length !== 2) {
    throw err(`need 2-D 'wte.weight' and 'wpe.weight' (with or without 'transformer.'); found ${[...src.keys()].slice(0, 8).join(', ')}${src.size > 8 ? ', ...' : ''}`);
  }
  const [V, d] = wte.shape as [number, number];
  const nCtx = wpe.shape[0]!;
  let L = 0;
  for (const n of src.keys()) { const m = LAYER.exec(n); if (m) L = Math.max(L, Number(m[1]) + 1); }

  const hf = isHFConfig(config) ? config : undefined;
  const ours = hf ? undefined : (config as Partial<GPTConfig>);
  const nHead = hf ? hf.n_head : ours?.nHead;
  if (!nHead) throw err('the number of heads cannot be inferred from shapes: pass { nHead } or the config.json object (n_head)');
  const problems: string[] = [];
  const expectEq = (what: string, given: number | undefined, found: number) => {
    if (given !== undefined && given !== found) problems.push(`${what} is ${given} in the config but ${found} in the tensors`);
  };
  expectEq(hf ? 'n_embd' : 'dModel', hf ? hf.n_embd : ours?.dModel, d);
  expectEq(hf ? 'n_layer' : 'nLayer', hf ? hf.n_layer : ours?.nLayer, L);
  expectEq(hf ? 'n_positions' : 'nCtx', hf ? hf.n_positions : ours?.nCtx, nCtx);
  expectEq(hf ? 'vocab_size' : 'vocabSize', hf ? hf.vocab_size : ours?.vocabSize, V);
  if (hf?.model_type && hf.model_type !== 'gpt2') problems.push(`model_type '${hf.model_type}' is not 'gpt2'`);
  const act = hf?.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    problems.push(`activation_function '${act}' is not supported (storygrad's gelu is the tanh approximation, 'gelu_new')`);
  }
  if (problems.length) throw err(problems.join('; '));

  const state: MappedCheckpoint['state'] = {};
  const used = new Set<string>();
  const missing: string[] = [], misShaped: string[] = [];
  const take = (n: string, shape: number[]): Float32Array | undefined => {
    const t = src.get(n);
    if (!t) { missing.push(n); return undefined; }
    used.add(n);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      misShaped.push(`${n}: expected [${shape}], got [${t.shape}]`);
      return undefined;
    }
    return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  };
  const put = (name: string, shape: number[], data: Float32Array | undefined) => { if (data) state[name] = { shape, data }; };
  /** Columns [c0, c1) of a row-major [rows, cols] matrix, transposed: [c1 - c0, rows]. */
  const cols = (w: Float32Array | undefined, rows: number, ncols: number, c0: number, c1: number) => {
    if (!w) return undefined;
    const out = new Float32Array((c1 - c0) * rows);
    for (let o = c0; o < c1; o++) for (let i = 0; i < rows; i++) out[(o - c0) * rows + i] = w[i * ncols + o]!;
    return out;
  };

  put('embed.W_E', [V, d], take('wte.weight', [V, d]));
  put('pos_embed.W_pos', [nCtx, d], take('wpe.weight', [nCtx, d]));
  let dMlp: number | undefined;
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`, b = `blocks.${l}.`;
    put(b + 'ln1.w', [d], take(h + 'ln_1.weight', [d]));
    put(b + 'ln1.b', [d], take(h + 'ln_1.bias', [d]));
    const qkv = take(h + 'attn.c_attn.weight', [d, 3 * d]); // [d, 3d]
    const qkvB = take(h + 'attn.c_attn.bias', [3 * d]);
    ['Q', 'K', 'V'].forEach((x, j) => {
      put(`${b}attn.W_${x}`, [d, d], cols(qkv, d, 3 * d, j * d, (j + 1) * d));
      put(`${b}attn.b_${x}`, [d], qkvB?.slice(j * d, (j + 1) * d));
    });
    put(b + 'attn.W_O', [d, d], cols(take(h + 'attn.c_proj.weight', [d, d]), d, d, 0, d));
    put(b + 'attn.b_O', [d], take(h + 'attn.c_proj.bias', [d]));
    put(b + 'ln2.w', [d], take(h + 'ln_2.weight', [d]));
    put(b + 'ln2.b', [d], take(h + 'ln_2.bias', [d]));
    const fc = src.get(h + 'mlp.c_fc.weight');
    const m = dMlp ?? (fc?.shape.length === 2 ? fc.shape[1]! : 4 * d);
    dMlp ??= m;
    put(b + 'mlp.W_in', [m, d], cols(take(h + 'mlp.c_fc.weight', [d, m]), d, m, 0, m));
    put(b + 'mlp.b_in', [m], take(h + 'mlp.c_fc.bias', [m]));
    put(b + 'mlp.W_out', [d, m], cols(take(h + 'mlp.c_proj.weight', [m, d]), m, d, 0, d));
    put(b + 'mlp.b_out', [d], take(h + 'mlp.c_proj.bias', [d]));
  }
  put('ln_final.w', [d], take('ln_f.weight', [d]));
  put('ln_final.b', [d], take('ln_f.bias', [d]));

  let tie = true;
  if (src.has('lm_head.weight')) {
    const head = take('lm_head.weight', [V, d]);
    const emb = state['embed.W_E']?.data;
    if (head && emb && head.some((v, i) => v !== emb[i])) tie = false;
    if (head && !tie) put('unembed.W_U', [V, d], head);
  }
  if (hf?.tie_word_embeddings === false && tie) problems.push('tie_word_embeddings is false but there is no lm_head.weight differing from wte.weight');
  const unexpected = [...src.keys()].filter((n) => !used.has(n) && !IGNORED.test(n));
  const parts = [
    ...problems,
    missing.length ? `missing tensors: ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected tensors: ${unexpected.join(', ')}` : '',
    misShaped.length ? `mis-shaped: ${misShaped.join('; ')}` : '',
  ].filter(Boolean);
  if (parts.length) throw err(parts.join(' | '));

  return {
    config: {
      arch: 'gpt2', vocabSize: V, nCtx, dModel: d, nLayer: L, nHead, dMlp: dMlp ?? 4 * d, tieEmbeddings: tie,
      normEps: hf?.layer_norm_epsilon ?? ours?.normEps ?? 1e-5,
    },
    state,
  };
}

/**
 * Builds a storygrad GPT (arch 'gpt2', on the current backend) from a Hugging Face GPT-2
 * checkpoint's tensors, e.g. `loadSafetensors(bytes).tensors`. See {@link mapHuggingFaceGPT2}.
 * `opts.dtype` ('f32' default, or 'f16') is the dtype of the model; weights are uploaded in it.
 */
export function fromHuggingFaceGPT2(tensors: Record<string, HostTensor>, config?: HFGPT2ConfigInput, opts: { dtype?: ModelDType } = {}): GPT {
  const mapped = mapHuggingFaceGPT2(tensors, config);
  const dtype = opts.dtype ?? 'f32';
  const model = new GPT({ ...mapped.config, dtype });
  noGrad(() => {
    const state = Object.fromEntries(Object.entries(mapped.state).map(([k, v]) => [k, tensor(v.data, { shape: v.shape, dtype })]));
    try {
      model.loadStateDict(state);
    } finally {
      for (const t of Object.values(state)) t.dispose();
    }
  });
  return model;
}
