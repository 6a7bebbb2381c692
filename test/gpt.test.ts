// GPT model: config validation, shapes and parameter names for both archs, gradients reaching
// every parameter, and the llama2.c reference generation (stories260K) on every backend.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import * as sg from '../src/index.js';
import { loadLlama2c, readLlama2cHeader } from '../src/io/llama2c.js';
import { Llama2cTokenizer } from '../src/tokenizers/index.js';
import { loadBackends } from './helpers/backends.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';

const dataDir = new URL('../../shared/data/llama2c/', import.meta.url);
const haveData = existsSync(new URL('stories260K.bin', dataDir));
if (!haveData) console.warn('\n!!! llama2.c reference tests SKIPPED: ../shared/data/llama2c is absent\n');

describe('GPT config', () => {
  it('rejects bad shapes with clear errors', () => {
    expect(() => new sg.models.GPT({ arch: 'gpt2', vocabSize: 10, nCtx: 8, dModel: 10, nLayer: 1, nHead: 3 }))
      .toThrow(/dModel \(10\) must be divisible by nHead \(3\)/);
    expect(() => new sg.models.GPT({ arch: 'llama', vocabSize: 10, nCtx: 8, dModel: 8, nLayer: 1, nHead: 4, nKvHead: 3 }))
      .toThrow(/multiple of nKvHead/);
    expect(() => new sg.models.GPT({ arch: 'bert' as 'gpt2', vocabSize: 0, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2 }))
      .toThrow(/arch must be.*vocabSize must be a positive integer/);
    expect(() => new sg.models.GPT({ arch: 'llama', vocabSize: 10, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, embedInitStd: 0 }))
      .toThrow(/embedInitStd must be a positive number, got 0/);
    expect(() => new sg.models.GPT({ arch: 'llama', vocabSize: 10, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, valueOutputInit: 'eye' as 'identity' }))
      .toThrow(/valueOutputInit must be 'normal' or 'identity', got 'eye'/);
  });

  it('embedInitStd sets the spread of the token embedding; the default stays 0.02', async () => {
    const std = async (m: InstanceType<typeof sg.models.GPT>) => {
      const w = Array.from(await m.embed.W_E.data());
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      return Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    };
    const shape = { arch: 'llama', vocabSize: 256, nCtx: 8, dModel: 32, nLayer: 1, nHead: 2 } as const;
    const wide = new sg.models.GPT({ ...shape, embedInitStd: 0.3 });
    const plain = new sg.models.GPT(shape);
    // 8,192 draws: the sample std is within 3% of the true one.
    expect(await std(wide)).toBeGreaterThan(0.29);
    expect(await std(wide)).toBeLessThan(0.31);
    expect(await std(plain)).toBeGreaterThan(0.0194);
    expect(await std(plain)).toBeLessThan(0.0206);
    expect(wide.config.embedInitStd).toBe(0.3);
    wide.dispose();
    plain.dispose();
  });

  it("unembedInit 'embed' starts an untied W_U equal to W_E, in a buffer of its own", async () => {
    const m = new sg.models.GPT({ arch: 'llama', vocabSize: 32, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, embedInitStd: 0.3, unembedInit: 'embed', seed: 4 });
    const e = Array.from(await m.embed.W_E.data());
    expect(Array.from(await m.unembed!.W_U.data())).toEqual(e);
    m.embed.W_E.assign(sg.zeros([32, 8]));
    expect(Array.from(await m.unembed!.W_U.data())).toEqual(e);
    const plain = new sg.models.GPT({ arch: 'llama', vocabSize: 32, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, seed: 4 });
    expect(Array.from(await plain.unembed!.W_U.data())).not.toEqual(Array.from(await plain.embed.W_E.data()));
    expect(() => new sg.models.GPT({ arch: 'llama', vocabSize: 32, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, unembedInit: 'copy' as 'embed' }))
      .toThrow(/unembedInit must be 'normal' or 'embed', got 'copy'/);
    m.dispose();
    plain.dispose();
  });

  it("valueOutputInit 'identity' makes every head add the residual it attends to", async () => {
    // Without GQA W_V and W_O are identities; with it (2 heads per kv head) the output is the first nKvHead*dHead dims.
    for (const [nKvHead, kept] of [[4, 8], [2, 4]] as const) {
      const m = new sg.models.GPT({ arch: 'llama', vocabSize: 16, nCtx: 8, dModel: 8, nLayer: 2, nHead: 4, nKvHead, valueOutputInit: 'identity' });
      const attn = m.blocks[1]!.attn;
      expect(attn.W_V.shape).toEqual([kept, 8]);
      expect(attn.W_V.requiresGrad && attn.W_O.requiresGrad).toBe(true);
      if (nKvHead === 4) {
        const v = await attn.W_V.data(), o = await attn.W_O.data();
        for (let i = 0; i < 64; i++) expect([v[i], o[i]]).toEqual(i % 9 === 0 ? [1, 1] : [0, 0]);
      }
      // Two positions holding the same vector: whatever the pattern, each head returns that vector.
      const row = Array.from({ length: 8 }, (_, i) => (i % 3) - 0.7 * i);
      const y = await attn.forward(sg.tensor([[row, row]]), null).data(); // [1, 2, 8]
      for (let t = 0; t < 2; t++) for (let i = 0; i < 8; i++) expect(y[t * 8 + i]).toBeCloseTo(i < kept ? row[i]! : 0, 5);
      m.dispose();
    }
  });
});

describe.each(['gpt2', 'llama'] as const)('GPT %s', (arch) => {
  it('maps [B, T] tokens to [B, T, V] logits and trains every parameter', () => {
    const model = new sg.models.GPT({ arch, vocabSize: 11, nCtx: 8, dModel: 8, nLayer: 2, nHead: 2, nKvHead: arch === 'llama' ? 1 : 2, seed: 1 });
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('blocks.1.attn.W_Q');
    expect(names).toContain('blocks.0.mlp.W_in');
    expect(names.includes('unembed.W_U')).toBe(arch === 'llama');
    sg.tidy(() => {
      const tokens = sg.tensor(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), { shape: [2, 5] });
      const logits = model.forward(tokens);
      expect(logits.shape).toEqual([2, 5, 11]);
      sg.crossEntropy(logits.slice(1, 0, 4), tokens.slice(1, 1, 5)).backward();
    });
    for (const [n, p] of model.namedParameters()) expect(p.grad, n).not.toBeNull();
    expect(() => model.forward(sg.tensor(new Int32Array(9), { shape: [1, 9] }))).toThrow(/positions 0\.\.8 exceed the context of 8/);
  });

  it('is causal: logits at t do not depend on tokens after t', async () => {
    const model = new sg.models.GPT({ arch, vocabSize: 7, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, seed: 2 });
    const run = (ids: number[]) => sg.noGrad(() => model.forward(sg.tensor(Int32Array.from(ids), { shape: [1, ids.length] })).slice(1, 0, 3).data());
    const a = await run([1, 2, 3, 4, 5]);
    const b = await run([1, 2, 3, 6, 0]);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('KV cache: incremental logits equal the full forward; cached and uncached generation agree', async () => {
    const model = new sg.models.GPT({ arch, vocabSize: 13, nCtx: 12, dModel: 16, nLayer: 2, nHead: 4, nKvHead: arch === 'llama' ? 2 : 4, seed: 3 });
    const ids = [1, 5, 2, 9, 12, 0, 7];
    const full = await sg.noGrad(() => sg.tidy(() => model.forward(sg.tensor(Int32Array.from(ids), { shape: [1, ids.length] })))).data();
    const cache = new sg.models.KVCache(2);
    const parts: number[] = [];
    for (const [a, b] of [[0, 3], [3, 4], [4, 7]] as const) {
      const chunk = ids.slice(a, b);
      const out = await sg.noGrad(() => sg.tidy(() => model.forward(sg.tensor(Int32Array.from(chunk), { shape: [1, chunk.length] }), { cache }))).data();
      parts.push(...out);
      expect(cache.length).toBe(b);
    }
    expect(() => model.forward(sg.tensor(new Int32Array(6), { shape: [1, 6] }), { cache })).toThrow(/positions 7\.\.12 exceed the context of 12/);
    const before = sg.liveTensors();
    cache.dispose();
    expect(sg.liveTensors()).toBe(before - 4); // k and v of 2 layers
    expect(parts.length).toBe(full.length);
    for (let i = 0; i < full.length; i++) expect(parts[i]!).toBeCloseTo(full[i]!, 5);

    const gen = async (opts: sg.models.GenerateOptions) => {
      const out: number[] = [];
      for await (const id of model.generate([1, 2], opts)) out.push(id);
      return out;
    };
    for (const sampling of [{ temperature: 0 }, { temperature: 1.2, seed: 7 }, { temperature: 0.9, topK: 5, topP: 0.9, seed: 3 }]) {
      // 10 new tokens stay inside nCtx = 12, where both paths see the same positions.
      const cached = await gen({ ...sampling, maxNewTokens: 10 });
      const uncached = await gen({ ...sampling, maxNewTokens: 10, useCache: false });
      expect(cached).toEqual(uncached);
      expect(cached.length).toBe(10);
    }
    // Past the context the cache is rebuilt and generation goes on.
    expect((await gen({ temperature: 0, maxNewTokens: 30 })).length).toBe(30);
  });

  it('batched prompts: each row equals its own greedy generation; stopped rows give null', async () => {
    const model = new sg.models.GPT({ arch, vocabSize: 11, nCtx: 16, dModel: 8, nLayer: 1, nHead: 2, seed: 4 });
    const prompts = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const rows: (number | null)[][] = [];
    for await (const step of model.generateBatch(prompts, { temperature: 0, maxNewTokens: 6 })) rows.push(step);
    for (let r = 0; r < prompts.length; r++) {
      const single: number[] = [];
      for await (const id of model.generate(prompts[r]!, { temperature: 0, maxNewTokens: 6 })) single.push(id);
      expect(rows.map((s) => s[r])).toEqual(single);
    }
    const first = rows[0]![0]!;
    const withStop: (number | null)[][] = [];
    for await (const step of model.generateBatch(prompts, { temperature: 0, maxNewTokens: 6, stopTokens: [first] })) withStop.push(step);
    for (const step of withStop) expect(step[0]).toBeNull();
    await expect(async () => { for await (const _ of model.generateBatch([[1, 2], [3]])) void _; }).rejects.toThrow(/equal lengths; prompt 1 has 1 tokens/);
  });
});

for (const entry of await loadBackends()) {
  (haveData ? entry.describe : describe.skip)(`llama2.c stories260K on ${entry.name}`, () => {
    let bytes: Uint8Array, tok: Llama2cTokenizer, ref: { greedy: { prompt: string; steps: number; text: string } };
    beforeAll(() => {
      bytes = new Uint8Array(readFileSync(new URL('stories260K.bin', dataDir)));
      tok = Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(new URL('tok512.bin', dataDir))));
      ref = JSON.parse(readFileSync(new URL('reference.json', dataDir), 'utf8'));
    });

    it('reads and validates the header', () => {
      expect(readLlama2cHeader(bytes)).toMatchObject({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512 });
      expect(() => sg.withBackend(entry.backend, () => loadLlama2c(bytes.slice(0, 1000)))).toThrow(/truncated.*1000/);
      expect(() => readLlama2cHeader(bytes.slice(0, 20))).toThrow(/shorter than the 28-byte header/);
    });

    it.skipIf(entry.name === 'cpu')('logits agree with the CPU backend to 1e-4 relative', async () => {
      const ids = Int32Array.from(tok.encode('Lily and Tom went to the park to play with a ball.', { bos: true, eos: false }));
      const logitsOn = async (backend: typeof entry.backend) => sg.withBackend(backend, async () => {
        const model = loadLlama2c(bytes);
        const out = await sg.noGrad(() => sg.tidy(() => model.forward(sg.tensor(ids, { shape: [1, ids.length] })))).data();
        model.dispose();
        return out;
      });
      const gpu = await logitsOn(entry.backend);
      const cpu = await logitsOn(new CpuBackend());
      let scale = 0, worst = 0;
      for (let i = 0; i < cpu.length; i++) scale = Math.max(scale, Math.abs(cpu[i]!));
      for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i]! - cpu[i]!));
      expect(worst / scale).toBeLessThan(1e-4);
    });

    it('greedy generation reproduces run.c', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = loadLlama2c(bytes);
        const prompt = tok.encode(ref.greedy.prompt, { bos: true, eos: false });
        const out: number[] = [];
        // run.c runs `steps` forward passes: the final sequence (BOS included) has steps + 1 ids.
        const maxNewTokens = ref.greedy.steps + 1 - prompt.length;
        for await (const id of model.generate(prompt, { maxNewTokens, temperature: 0, stopTokens: [1] })) out.push(id);
        expect(tok.decode([...prompt, ...out])).toBe(ref.greedy.text);
        // The same with the cache off (every step re-runs the whole prefix).
        const uncached: number[] = [];
        for await (const id of model.generate(prompt, { maxNewTokens, temperature: 0, stopTokens: [1], useCache: false })) uncached.push(id);
        expect(uncached).toEqual(out);
        model.dispose();
      });
    }, 300_000);
  });
}
