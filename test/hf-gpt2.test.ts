// Hugging Face GPT-2 checkpoints: a random HF-layout state dict built here by hand (Conv1D [in, out]
// weights, fused q|k|v) is loaded through the name map, and our logits are checked against an
// independent float64 GPT-2 forward pass written below straight from the HF arrays (LayerNorm,
// tanh-approximation GELU as HF's "gelu_new" and our gelu op, causal attention, tied lm head).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../src/index.js';
import { fromHuggingFaceGPT2, mapHuggingFaceGPT2, type HostTensor } from '../src/io/hf-gpt2.js';
import { loadModel } from '../src/io/checkpoint.js';
import { saveSafetensors } from '../src/io/safetensors.js';
import { allClose, loadBackends } from './helpers/backends.js';

const V = 23, N_CTX = 10, D = 12, N_HEAD = 3, L = 2, EPS = 1e-5;

/** mulberry32 + Box-Muller: a seeded normal generator independent of the library's RNG. */
function normals(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n: number, scale: number, mean = 0) =>
    Float32Array.from({ length: n }, () => mean + scale * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

/** A random GPT-2 in HF layout (names without the `transformer.` prefix). */
function randomHF(seed = 7): Record<string, HostTensor> {
  const r = normals(seed);
  const t = (shape: number[], scale: number, mean = 0): HostTensor => ({ shape, data: r(shape.reduce((a, b) => a * b, 1), scale, mean) });
  const out: Record<string, HostTensor> = { 'wte.weight': t([V, D], 0.5), 'wpe.weight': t([N_CTX, D], 0.3) };
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    Object.assign(out, {
      [h + 'ln_1.weight']: t([D], 0.2, 1), [h + 'ln_1.bias']: t([D], 0.1),
      [h + 'attn.c_attn.weight']: t([D, 3 * D], 0.4), [h + 'attn.c_attn.bias']: t([3 * D], 0.1),
      [h + 'attn.c_proj.weight']: t([D, D], 0.3), [h + 'attn.c_proj.bias']: t([D], 0.1),
      [h + 'ln_2.weight']: t([D], 0.2, 1), [h + 'ln_2.bias']: t([D], 0.1),
      [h + 'mlp.c_fc.weight']: t([D, 4 * D], 0.3), [h + 'mlp.c_fc.bias']: t([4 * D], 0.1),
      [h + 'mlp.c_proj.weight']: t([4 * D, D], 0.2), [h + 'mlp.c_proj.bias']: t([D], 0.1),
      // The causal-mask buffer older HF files carry: must be ignored.
      [h + 'attn.bias']: { shape: [1, 1, N_CTX, N_CTX], data: new Float32Array(N_CTX * N_CTX).fill(1) },
    });
  }
  return { ...out, 'ln_f.weight': t([D], 0.2, 1), 'ln_f.bias': t([D], 0.1) };
}

// ---- the float64 reference, in HF's own layout: y = x @ W + b with W [in, out] ----

type Vec = number[];
const get = (w: Record<string, HostTensor>, n: string) => Array.from(w[n]!.data);
/** x [in] @ W [in, out] + b. */
function conv1d(x: Vec, W: Vec, b: Vec, nOut: number): Vec {
  const y = b.slice();
  for (let i = 0; i < x.length; i++) for (let o = 0; o < nOut; o++) y[o]! += x[i]! * W[i * nOut + o]!;
  return y;
}
function layerNorm(x: Vec, g: Vec, b: Vec): Vec {
  const mu = x.reduce((s, v) => s + v, 0) / x.length;
  const varc = x.reduce((s, v) => s + (v - mu) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mu) / Math.sqrt(varc + EPS)) * g[i]! + b[i]!);
}
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** GPT-2 forward for one sequence: logits [T][V] in float64. */
function referenceGPT2(w: Record<string, HostTensor>, ids: number[], head?: Vec): number[][] {
  const wte = get(w, 'wte.weight'), wpe = get(w, 'wpe.weight'), dh = D / N_HEAD;
  let xs = ids.map((id, t) => Array.from({ length: D }, (_, j) => wte[id * D + j]! + wpe[t * D + j]!));
  for (let l = 0; l < L; l++) {
    const p = (n: string) => get(w, `h.${l}.${n}`);
    const qkv = xs.map((x) => conv1d(layerNorm(x, p('ln_1.weight'), p('ln_1.bias')), p('attn.c_attn.weight'), p('attn.c_attn.bias'), 3 * D));
    const z = xs.map((_, t) => {
      const out = new Array<number>(D).fill(0);
      for (let h = 0; h < N_HEAD; h++) {
        const q = qkv[t]!.slice(h * dh, (h + 1) * dh);
        const scores = qkv.slice(0, t + 1).map((r) => q.reduce((s, qi, i) => s + qi * r[D + h * dh + i]!, 0) / Math.sqrt(dh));
        const m = Math.max(...scores), e = scores.map((s) => Math.exp(s - m)), tot = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let i = 0; i < dh; i++) out[h * dh + i]! += (e[s]! / tot) * qkv[s]![2 * D + h * dh + i]!;
      }
      return out;
    });
    xs = xs.map((x, t) => { const a = conv1d(z[t]!, p('attn.c_proj.weight'), p('attn.c_proj.bias'), D); return x.map((v, i) => v + a[i]!); });
    xs = xs.map((x) => {
      const hid = conv1d(layerNorm(x, p('ln_2.weight'), p('ln_2.bias')), p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), 4 * D).map(geluTanh);
      const m = conv1d(hid, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), D);
      return x.map((v, i) => v + m[i]!);
    });
  }
  const unembed = head ?? wte; // [V, d]
  return xs.map((x) => {
    const f = layerNorm(x, get(w, 'ln_f.weight'), get(w, 'ln_f.bias'));
    return Array.from({ length: V }, (_, v) => f.reduce((s, fi, i) => s + fi * unembed[v * D + i]!, 0));
  });
}

const IDS = [3, 17, 0, 22, 9, 9, 4, 11];

async function ourLogits(model: sg.models.GPT): Promise<Float32Array> {
  const out = sg.noGrad(() => model.forward(sg.tensor(Int32Array.from(IDS), { shape: [1, IDS.length] })));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

const prefixed = (w: Record<string, HostTensor>) => Object.fromEntries(Object.entries(w).map(([k, v]) => [`transformer.${k}`, v]));
const HF_CONFIG = { model_type: 'gpt2', n_head: N_HEAD, n_embd: D, n_layer: L, n_positions: N_CTX, vocab_size: V, layer_norm_epsilon: EPS, activation_function: 'gelu_new' };

for (const entry of await loadBackends()) {
  entry.describe(`fromHuggingFaceGPT2 on ${entry.name}`, () => {
    it('matches a float64 GPT-2 forward pass written from the HF arrays (with and without the transformer. prefix)', async () => {
      const w = randomHF();
      const ref = referenceGPT2(w, IDS).flat();
      await sg.withBackend(entry.backend, async () => {
        for (const [tensors, config] of [[w, { nHead: N_HEAD }], [prefixed(w), HF_CONFIG]] as const) {
          const model = fromHuggingFaceGPT2(tensors, config);
          expect(model.config).toMatchObject({ arch: 'gpt2', vocabSize: V, nCtx: N_CTX, dModel: D, nLayer: L, nHead: N_HEAD, dMlp: 4 * D, tieEmbeddings: true });
          allClose(await ourLogits(model), ref, { atol: 2e-4, rtol: 2e-4 }, 'logits');
          model.dispose();
        }
      });
    });

    it('an lm_head equal to wte stays tied; a different one becomes unembed.W_U', async () => {
      const w = randomHF(11);
      const head = normals(99)(V * D, 0.5);
      await sg.withBackend(entry.backend, async () => {
        const tied = fromHuggingFaceGPT2({ ...prefixed(w), 'lm_head.weight': w['wte.weight']! }, HF_CONFIG);
        expect(tied.unembed).toBeNull();
        allClose(await ourLogits(tied), referenceGPT2(w, IDS).flat(), { atol: 2e-4, rtol: 2e-4 }, 'tied');
        const untied = fromHuggingFaceGPT2({ ...prefixed(w), 'lm_head.weight': { shape: [V, D], data: head } }, HF_CONFIG);
        expect(untied.config.tieEmbeddings).toBe(false);
        allClose(await ourLogits(untied), referenceGPT2(w, IDS, Array.from(head)).flat(), { atol: 2e-4, rtol: 2e-4 }, 'untied');
        tied.dispose();
        untied.dispose();
      });
    });
  });
}

describe('mapHuggingFaceGPT2 errors', () => {
  it('nHead is required; config fields must agree with the shapes', () => {
    expect(() => mapHuggingFaceGPT2(randomHF())).toThrow(/number of heads cannot be inferred.*\{ nHead \}/);
    expect(() => mapHuggingFaceGPT2(randomHF(), { ...HF_CONFIG, n_embd: 16, n_layer: 3 })).toThrow(/n_embd is 16 in the config but 12 in the tensors; n_layer is 3 in the config but 2/);
    expect(() => mapHuggingFaceGPT2(randomHF(), { ...HF_CONFIG, activation_function: 'gelu' })).toThrow(/activation_function 'gelu' is not supported/);
    expect(() => mapHuggingFaceGPT2({ 'foo.weight': { shape: [1], data: [0] } }, { nHead: 1 })).toThrow(/need 2-D 'wte\.weight' and 'wpe\.weight'.*found foo\.weight/);
  });
  it('lists every missing, unexpected and mis-shaped tensor', () => {
    const w = randomHF();
    delete w['h.1.mlp.c_fc.bias'];
    delete w['ln_f.bias'];
    w['h.0.attn.c_proj.weight'] = { shape: [D, D + 1], data: new Float32Array(D * (D + 1)) };
    w['h.0.extra.weight'] = { shape: [1], data: [0] };
    expect(() => mapHuggingFaceGPT2(w, { nHead: N_HEAD })).toThrow(
      /missing tensors: h\.1\.mlp\.c_fc\.bias, ln_f\.bias \| unexpected tensors: h\.0\.extra\.weight \| mis-shaped: h\.0\.attn\.c_proj\.weight: expected \[12,12\], got \[12,13\]/,
    );
  });
});

describe('loadModel with Hugging Face GPT-2 safetensors', () => {
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'storygrad-hf-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads model.safetensors + config.json from a directory or the file, and F16 weights', async () => {
    const w = randomHF(5);
    const ref = referenceGPT2(w, IDS).flat();
    const record = (dtype: 'F32' | 'F16') => Object.fromEntries(Object.entries(prefixed(w)).map(([k, v]) =>
      [k, { dtype, shape: v.shape.slice(), data: Float32Array.from(v.data) }]));
    const dir = join(tmp, 'gpt2-hf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.safetensors'), saveSafetensors(record('F32'), { format: 'pt' }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(HF_CONFIG));
    for (const path of [dir, join(dir, 'model.safetensors')]) {
      const loaded = await loadModel(path);
      expect(loaded.format).toBe('huggingface-gpt2');
      expect(loaded.tokenizer).toBeUndefined();
      allClose(await ourLogits(loaded.model), ref, { atol: 2e-4, rtol: 2e-4 }, path);
      loaded.model.dispose();
    }
    // Half precision on disk: the logits follow the rounded weights (a loose check).
    writeFileSync(join(dir, 'half.safetensors'), saveSafetensors(record('F16')));
    const half = await loadModel(join(dir, 'half.safetensors'));
    allClose(await ourLogits(half.model), ref, { atol: 5e-2, rtol: 5e-2 }, 'f16');
    half.model.dispose();
  });
});
