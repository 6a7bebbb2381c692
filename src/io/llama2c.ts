/**
 * llama2.c legacy checkpoints: a header of 7 little-endian int32 (dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size, seq_len; negative vocab = untied classifier) followed by f32
 * tensors (token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis
 * real/imag, [wcls]). Loads into a `GPT` with arch 'llama'.
 */
import { GPT } from '../models/gpt.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import type { ModelDType } from '../models/config.js';

/** Parsed llama2.c header. */
export interface Llama2cHeader {
  dim: number; hiddenDim: number; nLayers: number; nHeads: number; nKvHeads: number;
  vocabSize: number; seqLen: number; sharedClassifier: boolean;
}

/** Reads and checks the header. */
export function readLlama2cHeader(bytes: Uint8Array): Llama2cHeader {
  if (bytes.byteLength < 28) throw new Error(`storygrad: llama2.c checkpoint: ${bytes.byteLength} bytes is shorter than the 28-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Array.from({ length: 7 }, (_, i) => dv.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = h as [number, number, number, number, number, number, number];
  const header = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(vocab), seqLen, sharedClassifier: vocab > 0 };
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  h.forEach((v, i) => {
    if (v === 0 || (i !== 5 && v < 0) || Math.abs(v) > 1 << 20) throw new Error(`storygrad: llama2.c checkpoint: header field ${names[i]} (byte offset ${i * 4}) has the implausible value ${v}`);
  });
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0) throw new Error(`storygrad: llama2.c checkpoint: dim ${dim}, n_heads ${nHeads}, n_kv_heads ${nKvHeads} are inconsistent`);
  return header;
}

/** Options of {@link loadLlama2c}. */
export interface LoadLlama2cOptions {
  /** dtype of the model (default 'f32'); 'f16' uploads the weights rounded to half precision. */
  dtype?: ModelDType;
}

/** Loads a llama2.c checkpoint into a llama-arch GPT on the current backend. */
export function loadLlama2c(bytes: Uint8Array, opts: LoadLlama2cOptions = {}): GPT {
  const h = readLlama2cHeader(bytes);
  const { dim, hiddenDim: hid, nLayers: L, nHeads, nKvHeads, vocabSize: V, seqLen } = h;
  const headSize = dim / nHeads, kvDim = (dim * nKvHeads) / nHeads;
  const sizes: [string, number][] = [
    ['token_embedding', V * dim], ['rms_att', L * dim], ['wq', L * dim * dim], ['wk', L * kvDim * dim],
    ['wv', L * kvDim * dim], ['wo', L * dim * dim], ['rms_ffn', L * dim], ['w1', L * hid * dim],
    ['w2', L * dim * hid], ['w3', L * hid * dim], ['rms_final', dim],
    ['freq_cis_real', (seqLen * headSize) / 2], ['freq_cis_imag', (seqLen * headSize) / 2],
  ];
  if (!h.sharedClassifier) sizes.push(['wcls', V * dim]);
  const floats = sizes.reduce((n, [, s]) => n + s, 0);
  const need = 28 + 4 * floats;
  if (bytes.byteLength < need) {
    throw new Error(`storygrad: llama2.c checkpoint is truncated: the header implies ${need} bytes, the file has ${bytes.byteLength}`);
  }
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const all = new Float32Array(aligned.buffer, aligned.byteOffset + 28, floats);
  const parts = new Map<string, Float32Array>();
  let off = 0;
  for (const [name, n] of sizes) { parts.set(name, all.subarray(off, off + n)); off += n; }

  const model = new GPT({
    arch: 'llama', vocabSize: V, nCtx: seqLen, dModel: dim, nLayer: L, nHead: nHeads, nKvHead: nKvHeads,
    dMlp: hid, tieEmbeddings: h.sharedClassifier, normEps: 1e-5, dtype: opts.dtype ?? 'f32',
  });
  const put = (p: Tensor, data: Float32Array) => {
    const t = tensor(data, { shape: p.shape.slice(), dtype: p.dtype });
    p.assign(t);
    t.dispose();
  };
  const layer = (name: string, l: number, n: number) => parts.get(name)!.subarray(l * n, (l + 1) * n);
  noGrad(() => {
    put(model.embed.W_E, parts.get('token_embedding')!);
    model.blocks.forEach((b, l) => {
      put(b.ln1.w, layer('rms_att', l, dim));
      put(b.attn.W_Q, layer('wq', l, dim * dim));
      put(b.attn.W_K, layer('wk', l, kvDim * dim));
      put(b.attn.W_V, layer('wv', l, kvDim * dim));
      put(b.attn.W_O, layer('wo', l, dim * dim));
      put(b.ln2.w, layer('rms_ffn', l, dim));
      put(b.mlp.W_gate!, layer('w1', l, hid * dim));
      put(b.mlp.W_out, layer('w2', l, dim * hid));
      put(b.mlp.W_in, layer('w3', l, hid * dim));
    });
    put(model.ln_final.w, parts.get('rms_final')!);
    if (model.unembed) put(model.unembed.W_U, parts.get('wcls')!);
  });
  return model;
}
