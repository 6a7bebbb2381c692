// tokenLogProbs (src/models/score.ts): inside the context the log-probabilities sum to minus the
// fused cross-entropy of the same sequence (another kernel path); past the context every token is
// scored from its strided window, checked position by position against a forward pass over
// exactly that window's prefix; errors name the sequence and position. sampleLikeliest: its
// candidates are generateBatch's rows and its scores those of per-prefix forward passes. CPU and WebGPU.
import { expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { loadBackends } from './helpers/backends.js';

/** A fixed pseudo-random id sequence. */
const ids = (n: number, vocab: number, salt: number): number[] => Array.from({ length: n }, (_, i) => (i * 7 + salt + ((i * i) % 5)) % vocab);

/** log P(next | prefix) from a forward pass over the prefix alone: the reference. */
async function lastLogProb(model: InstanceType<typeof sg.models.GPT>, prefix: number[], next: number): Promise<number> {
  const lp = sg.tidy(() => sg.logSoftmax(model.forward(sg.tensor(Int32Array.from(prefix), { shape: [1, prefix.length] })))); // [1, n, V]
  const data = await lp.data();
  lp.dispose();
  return data[(prefix.length - 1) * model.config.vocabSize + next]!;
}

for (const entry of await loadBackends()) {
  entry.describe(`tokenLogProbs on ${entry.name}`, () => {
    it('inside the context: sums to minus the cross-entropy of the sequence', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = new sg.models.GPT({ arch: 'llama', vocabSize: 13, nCtx: 16, dModel: 16, nLayer: 1, nHead: 2, seed: 5 });
        const seqs = [ids(16, 13, 0), ids(9, 13, 3), [4]];
        const lps = await sg.models.tokenLogProbs(model, seqs);
        expect(lps.map((x) => x.length)).toEqual([15, 8, 0]);
        for (const [r, seq] of seqs.slice(0, 2).entries()) {
          const n = seq.length - 1;
          const ce = sg.tidy(() => sg.crossEntropy(
            model.forward(sg.tensor(Int32Array.from(seq.slice(0, n)), { shape: [1, n] })).reshape([n, 13]),
            sg.tensor(Int32Array.from(seq.slice(1)), { shape: [n] })));
          const mean = await ce.item();
          ce.dispose();
          expect(lps[r]!.reduce((a, b) => a + b, 0) / n).toBeCloseTo(-mean, 4);
          for (const v of lps[r]!) expect(v).toBeLessThan(0);
        }
        model.dispose();
      });
    });

    it('past the context: each token from its strided window (at least nCtx / 2 tokens of context)', async () => {
      await sg.withBackend(entry.backend, async () => {
        const nCtx = 8, V = 11;
        const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: V, nCtx, dModel: 16, nLayer: 2, nHead: 2, seed: 2 });
        const seq = ids(21, V, 1);
        const [lp] = await sg.models.tokenLogProbs(model, [seq]);
        expect(lp!.length).toBe(20);
        // Windows start at 0, 4, 8, 12 (stride nCtx / 2): position p is scored by the first window
        // that reaches it, from that window's start.
        const startOf = (p: number): number => (p < nCtx ? 0 : (Math.floor((p - nCtx) / 4) + 1) * 4);
        for (let p = 1; p < seq.length; p++) {
          const start = startOf(p);
          expect(p - start, `context of position ${p}`).toBeGreaterThanOrEqual(p < nCtx ? p : nCtx / 2);
          expect(lp![p - 1]!, `position ${p}`).toBeCloseTo(await lastLogProb(model, seq.slice(start, p), seq[p]!), 4);
        }
        model.dispose();
      });
    });

    it('sampleLikeliest: the batch of candidates (row 0 = generate), each scored by its mean log-probability, the best the largest', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = new sg.models.GPT({ arch: 'llama', vocabSize: 13, nCtx: 16, dModel: 16, nLayer: 1, nHead: 2, seed: 7 });
        const prompt = [1, 2, 3], opts = { maxNewTokens: 10, temperature: 1.5, seed: 4 };
        const r = await sg.models.sampleLikeliest(model, prompt, 3, opts);
        const single: number[] = [];
        for await (const id of model.generate(prompt, opts)) single.push(id);
        expect(r.candidates[0]).toEqual(single);
        expect(r.candidates.map((c) => c.length)).toEqual([10, 10, 10]);
        expect(new Set(r.candidates.map((c) => c.join())).size).toBeGreaterThan(1); // distinct samples to rank
        // Each score from forward passes over the candidate's prefixes (the reference), not tokenLogProbs.
        for (const [k, c] of r.candidates.entries()) {
          const seq = [...prompt, ...c];
          let total = 0;
          for (let p = prompt.length; p < seq.length; p++) total += await lastLogProb(model, seq.slice(0, p), seq[p]!);
          expect(r.scores[k]!).toBeCloseTo(total / c.length, 4);
        }
        expect(r.scores[r.best]).toBe(Math.max(...r.scores));
        expect(r.ids).toBe(r.candidates[r.best]);
        await expect(sg.models.sampleLikeliest(model, prompt, 0)).rejects.toThrow(/n must be a positive integer, got 0/);
        model.dispose();
      });
    });

    it('names a bad id and an empty sequence', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 5, nCtx: 8, dModel: 8, nLayer: 1, nHead: 2, seed: 1 });
        await expect(sg.models.tokenLogProbs(model, [[1, 2], [1, 5]])).rejects.toThrow(/sequence 1, position 1: id 5 is outside the vocabulary \[0, 5\)/);
        await expect(sg.models.tokenLogProbs(model, [[]])).rejects.toThrow(/sequence 0 is empty/);
        model.dispose();
      });
    });
  });
}
