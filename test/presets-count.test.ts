// Model presets and the parameter / FLOP counter: counts against the real GPT's parameters for
// every arch and option, against published sizes (GPT-2 small and medium) and against the size of
// the stories260K.bin file on disk.
import { describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import * as sg from '../src/index.js';
import { PRESETS, preset } from '../src/models/presets.js';
import { countParams, flopsPerToken } from '../src/models/count.js';
import type { GPTConfig } from '../src/models/config.js';

const stories = new URL('../../shared/data/llama2c/stories260K.bin', import.meta.url);

describe('presets', () => {
  it('gives the TinyStories shapes and stories260k', () => {
    expect(preset('tinystories-33m', { vocabSize: 50257 })).toEqual({ arch: 'gpt2', dModel: 768, nLayer: 4, nHead: 16, nCtx: 512, vocabSize: 50257 });
    expect(preset('tinystories-1m', { vocabSize: 100, nCtx: 64 })).toMatchObject({ dModel: 64, nLayer: 8, nHead: 16, nCtx: 64, vocabSize: 100 });
    expect(preset('tinystories-1layer-21m', { vocabSize: 9 })).toMatchObject({ dModel: 1024, nLayer: 1 });
    expect(preset('tinystories-2layers-33m', { vocabSize: 9 })).toMatchObject({ dModel: 1024, nLayer: 2 });
    expect(preset('stories260k')).toEqual({ arch: 'llama', dModel: 64, nLayer: 5, nHead: 8, nKvHead: 4, dMlp: 172, nCtx: 512, vocabSize: 512, tieEmbeddings: true });
    expect(Object.keys(PRESETS)).toHaveLength(8);
    for (const name of Object.keys(PRESETS)) expect(() => sg.models.resolveConfig(preset(name, { vocabSize: 64 }))).not.toThrow();
  });
  it('rejects unknown names (listing the known ones) and a missing vocabulary', () => {
    expect(() => preset('tinystories-9m', { vocabSize: 10 })).toThrow(/unknown model preset 'tinystories-9m' \(known: tinystories-1m, .*stories260k\)/);
    expect(() => preset('toString', { vocabSize: 10 })).toThrow(/unknown model preset/);
    expect(() => preset('tinystories-3m')).toThrow(/needs a vocabSize/);
  });
  it('the small presets build models of the counted size', () => {
    for (const c of [preset('tinystories-1m', { vocabSize: 300 }), preset('stories260k')]) {
      const m = new sg.models.GPT(c);
      expect(m.numParameters()).toBe(countParams(c).total);
      m.dispose();
    }
  });
});

describe('countParams', () => {
  const combos: [string, GPTConfig][] = [];
  for (const arch of ['gpt2', 'llama'] as const) {
    for (const tie of [true, false]) {
      for (const [nHead, nKvHead] of [[4, 4], [4, 2], [4, 1]] as const) {
        for (const dMlp of [undefined, 20]) {
          combos.push([`${arch} tie=${tie} heads ${nHead}/${nKvHead} dMlp ${dMlp ?? 'default'}`,
            { arch, vocabSize: 13, nCtx: 7, dModel: 16, nLayer: 2, nHead, nKvHead, dMlp, tieEmbeddings: tie }]);
        }
      }
    }
  }
  it.each(combos)('equals the real parameter count: %s', (_, c) => {
    const m = new sg.models.GPT(c);
    const n = countParams(c);
    expect(n.total).toBe(m.numParameters());
    expect(n.total).toBe(n.embedding + n.nonEmbedding);
    const block0 = m.namedParameters().filter(([k]) => k.startsWith('blocks.0.')).reduce((s, [, p]) => s + p.size, 0);
    expect(n.perBlock.total).toBe(block0);
    const emb = m.namedParameters().filter(([k]) => /^(embed|pos_embed|unembed)\./.test(k)).reduce((s, [, p]) => s + p.size, 0);
    expect(n.embedding).toBe(emb);
    m.dispose();
  });
  it('matches published sizes: GPT-2 small 124,439,808 and medium 354,823,168 (tied, 1024 positions)', () => {
    const gpt2 = (dModel: number, nLayer: number, nHead: number): GPTConfig => ({ arch: 'gpt2', vocabSize: 50257, nCtx: 1024, dModel, nLayer, nHead });
    expect(countParams(gpt2(768, 12, 12)).total).toBe(124_439_808);
    expect(countParams(gpt2(1024, 24, 16)).total).toBe(354_823_168);
    // Kaplan et al.'s N for GPT-2 small: 12 blocks of 12 d^2 + 13 d, plus ln_f.
    expect(countParams(gpt2(768, 12, 12)).nonEmbedding).toBe(12 * (12 * 768 * 768 + 13 * 768) + 2 * 768);
  });
  it.skipIf(!existsSync(stories))('stories260k: the llama2.c file holds exactly the counted floats (+ RoPE tables)', () => {
    const c = preset('stories260k');
    const ropeTables = 2 * 512 * (64 / 8 / 2);
    expect(statSync(stories).size).toBe(28 + 4 * (countParams(c).total + ropeTables));
    expect(countParams(c).total).toBe(260_032);
  });
});

describe('flopsPerToken', () => {
  it('is 2N + 4LTd forward and 3x that for training, N counted from the real model', () => {
    for (const c of combos()) {
      const m = new sg.models.GPT(c);
      // Every weight a token is multiplied by: all but the embedding lookups, plus the unembedding matmul.
      const N = m.namedParameters().filter(([k]) => !/^(embed|pos_embed)\./.test(k)).reduce((s, [, p]) => s + p.size, 0)
        + (m.config.tieEmbeddings ? c.vocabSize * c.dModel : 0);
      const T = 6;
      const f = flopsPerToken(c, T);
      expect(f.matmulParams).toBe(N);
      expect(f.forward).toBe(2 * N + 4 * c.nLayer * T * c.dModel);
      expect(f.training).toBe(6 * N + 12 * c.nLayer * T * c.dModel);
      m.dispose();
    }
  });
  it('GPT-2 small at T = 1024: 6N + 12LTd with N = 85,056,000 + 50257 x 768', () => {
    const f = flopsPerToken({ arch: 'gpt2', vocabSize: 50257, nCtx: 1024, dModel: 768, nLayer: 12, nHead: 12 }, 1024);
    expect(f.training).toBe(6 * (85_056_000 + 50257 * 768) + 12 * 12 * 1024 * 768);
    expect(() => flopsPerToken(preset('stories260k'), 0)).toThrow(/seqLen must be a positive integer/);
  });
});

function combos(): GPTConfig[] {
  return [
    { arch: 'gpt2', vocabSize: 11, nCtx: 8, dModel: 8, nLayer: 2, nHead: 2 },
    { arch: 'gpt2', vocabSize: 11, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, tieEmbeddings: false },
    { arch: 'llama', vocabSize: 11, nCtx: 8, dModel: 8, nLayer: 2, nHead: 2, nKvHead: 1 },
    { arch: 'llama', vocabSize: 11, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, tieEmbeddings: true, dMlp: 12 },
  ];
}
