// Logit lens on both archs and backends, checked against float64 read-outs of the cached
// residuals: recompute (each layer's own norm statistics), frozen (the final residual's scale),
// no norm; the final read-out equals the model's own output distribution.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { allClose, loadBackends } from './helpers/backends.js';
import { VOCAB, logSoftmaxRef, matVec, normRef, normScaleRef, randomModel, read, row, weights } from './helpers/interp-models.js';

const backends = await loadBackends();
const TOKENS = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
const [B, T, d] = [2, 6, 16];

describe.each(backends)('logit lens on $name', (entry) => {
  entry.describe('read-outs', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: every mode matches a float64 read-out of the cached residuals`, async () => {
        const m = randomModel(entry.backend, arch);
        const W = await weights(m);
        const U = W.get(m.unembed ? 'unembed.W_U' : 'embed.W_E')!;
        const lnW = W.get('ln_final.w')!, lnB = W.get('ln_final.b') ?? null;
        const kind = arch === 'gpt2' ? 'layer' : 'rms';
        const hooks = ['blocks.0.hook_resid_pre', 'blocks.0.hook_resid_mid', 'blocks.1.hook_resid_pre', 'blocks.1.hook_resid_mid', 'blocks.1.hook_resid_post'];
        const { logits, cache } = await m.runWithCache(TOKENS, { names: hooks });
        const resid = new Map<string, number[]>();
        for (const h of hooks) resid.set(h, await read(cache.get(h)));
        const modelLogits = await read(logits);
        cache.dispose(); logits.dispose();
        const final = resid.get('blocks.1.hook_resid_post')!;

        for (const mode of ['recompute', 'frozen', 'none'] as const) {
          const lens = await sg.interp.logitLens(m, TOKENS, {
            topK: VOCAB, targets: 'next', stages: 'sublayers',
            applyFinalNorm: mode !== 'none', normScale: mode === 'frozen' ? 'frozen' : 'recompute',
          });
          expect(lens.tokens).toEqual(TOKENS);
          expect(lens.positions).toEqual([0, 1, 2, 3, 4, 5]);
          expect(lens.layers.map((l) => l.hook)).toEqual(hooks);
          expect(lens.layers.map((l) => l.depth)).toEqual([0, 0.5, 1, 1.5, 2]);
          for (const layer of lens.layers) {
            const x = resid.get(layer.hook)!;
            for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
              const xr = row(x, b * T + t, d);
              const y = mode === 'none' ? xr
                : normRef(xr, lnW, lnB, kind, 1e-5, mode === 'frozen' ? normScaleRef(row(final, b * T + t, d), kind, 1e-5) : undefined);
              const ref = logSoftmaxRef(matVec(U, y));
              const top = layer.top[b]![t]!;
              expect(top).toHaveLength(VOCAB);
              // Sorted by probability, and each probability right.
              for (let i = 1; i < top.length; i++) expect(top[i]!.prob).toBeLessThanOrEqual(top[i - 1]!.prob);
              expect(new Set(top.map((e) => e.token)).size).toBe(VOCAB);
              allClose(top.map((e) => e.prob), top.map((e) => Math.exp(ref[e.token]!)), { atol: 1e-5, rtol: 1e-4 }, `${mode} ${layer.hook} [${b},${t}]`);
              const target = t + 1 < T ? TOKENS[b]![t + 1]! : null;
              if (target === null) expect(layer.targetLogProbs![b]![t]).toBeNull();
              else expect(layer.targetLogProbs![b]![t]).toBeCloseTo(ref[target]!, 4);
            }
          }
          if (mode !== 'none') {
            // The last read-out is the model's own output, whether the scale is recomputed or frozen.
            const last = lens.layers.at(-1)!;
            for (let b = 0; b < B; b++) for (let t = 0; t < T - 1; t++) {
              const ref = logSoftmaxRef(row(modelLogits, b * T + t, VOCAB));
              expect(last.targetLogProbs![b]![t]).toBeCloseTo(ref[TOKENS[b]![t + 1]!]!, 4);
            }
          }
        }
        // Intermediate read-outs differ between the two norm modes (the test is not vacuous).
        const rec = await sg.interp.logitLens(m, TOKENS, { topK: 1 });
        const frz = await sg.interp.logitLens(m, TOKENS, { topK: 1, normScale: 'frozen' });
        expect(Math.abs(rec.layers[0]!.top[0]![0]![0]!.prob - frz.layers[0]!.top[0]![0]![0]!.prob)).toBeGreaterThan(1e-3);
      });
    }

    it('reads chosen positions with explicit targets, caching nothing it keeps', async () => {
      const m = randomModel(entry.backend, 'gpt2');
      await sg.interp.logitLens(m, TOKENS, { positions: [0] }); // warm-up (constants, pipelines)
      const before = sg.memory().liveTensors;
      const all = await sg.interp.logitLens(m, TOKENS, { topK: 3, targets: TOKENS, normScale: 'frozen' });
      const some = await sg.interp.logitLens(m, TOKENS, { topK: 3, targets: TOKENS, positions: [-1, 2], normScale: 'frozen' });
      expect(sg.memory().liveTensors).toBe(before);
      expect(some.positions).toEqual([5, 2]);
      expect(some.layers).toHaveLength(3);
      for (let l = 0; l < 3; l++) for (let b = 0; b < B; b++) {
        expect(some.layers[l]!.top[b]).toEqual([all.layers[l]!.top[b]![5], all.layers[l]!.top[b]![2]]);
        expect(some.layers[l]!.targetLogProbs![b]).toEqual([all.layers[l]!.targetLogProbs![b]![5], all.layers[l]!.targetLogProbs![b]![2]]);
      }
    });

    it('names the bound of bad arguments', async () => {
      const m = randomModel(entry.backend, 'llama');
      await expect(sg.interp.logitLens(m, TOKENS, { positions: [6] })).rejects.toThrow(/position 6 is out of range for a sequence of 6 tokens \(valid: -6..5\)/);
      await expect(sg.interp.logitLens(m, TOKENS, { topK: 0 })).rejects.toThrow(/topK must be an integer in 1..12, got 0/);
      await expect(sg.interp.logitLens(m, [[1, 2, 99]])).rejects.toThrow(/token id 99 at \[0, 2\] is outside the vocabulary of 12 tokens/);
      await expect(sg.interp.logitLens(m, TOKENS, { targets: [1, 2, 3] })).rejects.toThrow(/targets must be shaped like the tokens \[2, 6\], got \[1, 3\]/);
    });
  });
});
