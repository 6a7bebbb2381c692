// Activation patching on both archs and backends, checked against invariants that hold exactly:
// prompts differing only at position K make layer-0 resid_pre patching at K restore the clean
// metric and patching elsewhere do nothing; causal masking means no patch at a position after the
// metric's changes it; patching the last resid_post at the metric position, or any residual
// stream at every position at once, restores the clean metric.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { loadBackends } from './helpers/backends.js';
import { randomModel, read } from './helpers/interp-models.js';

const backends = await loadBackends();
const CLEAN = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
const K = 2; // the only position where the prompts differ
const CORRUPT = [[3, 1, 7, 1, 5, 9], [2, 6, 0, 3, 5, 8]];
const M = 3; // the metric's position
const T = 6;
const metric = () => sg.interp.logitDiffMetric([1, 4], 10, { position: M });

const near = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThan(2e-5 * Math.max(1, Math.abs(b)));

describe.each(backends)('activation patching on $name', (entry) => {
  entry.describe('patching', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: per-layer, per-position tables obey the exact invariants`, async () => {
        const m = randomModel(entry.backend, arch);
        // The metric, from plain logits: mean over rows of logit(answer) − logit(10) at M.
        const logitsOf = async (tokens: number[][]) => read(sg.noGrad(() => sg.tidy(() => m.runWithHooks(tokens, {}))));
        const ref = (lg: number[]) => ((lg[(0 * T + M) * 12 + 1]! - lg[(0 * T + M) * 12 + 10]!) + (lg[(1 * T + M) * 12 + 4]! - lg[(1 * T + M) * 12 + 10]!)) / 2;
        const cleanRef = ref(await logitsOf(CLEAN)), corruptRef = ref(await logitsOf(CORRUPT));
        expect(Math.abs(cleanRef - corruptRef)).toBeGreaterThan(0.05);

        const pre = await sg.interp.activationPatching(m, CLEAN, CORRUPT, { hook: 'resid_pre', metric: metric() });
        near(pre.clean, cleanRef, 'clean metric');
        near(pre.corrupted, corruptRef, 'corrupted metric');
        expect(pre.layers).toEqual([0, 1]);
        expect(pre.positions).toEqual([0, 1, 2, 3, 4, 5]);
        for (let p = 0; p < T; p++) near(pre.values[0]![p]!, p === K ? cleanRef : corruptRef, `resid_pre 0 at ${p}`);
        // Before K the two runs agree (causal), so patching there does nothing in any layer.
        for (let p = 0; p < K; p++) near(pre.values[1]![p]!, corruptRef, `resid_pre 1 at ${p}`);

        for (const hook of ['resid_pre', 'resid_mid', 'resid_post', 'attn_out', 'mlp_out', 'z', 'mlp_post'] as const) {
          const res = hook === 'resid_pre' ? pre : await sg.interp.activationPatching(m, CLEAN, CORRUPT, { hook, metric: metric() });
          expect(res.values).toHaveLength(2);
          // Nothing after the metric position is read by it.
          for (const l of [0, 1]) for (let p = M + 1; p < T; p++) near(res.values[l]![p]!, corruptRef, `${hook} ${l} at ${p}`);
          // In the last layer, every activation after attention is per-position, so a
          // patch at p ≠ M reaches only position p's read-out (resid_pre is still read by attention).
          if (hook !== 'resid_pre') for (let p = 0; p < T; p++) if (p !== M) near(res.values[1]![p]!, corruptRef, `${hook} 1 at ${p}`);
          if (hook === 'resid_post') near(res.values[1]![M]!, cleanRef, 'resid_post 1 at the metric position');
        }
        // Patching a whole residual stream restores the clean run in every layer.
        for (const hook of ['resid_pre', 'resid_mid', 'resid_post'] as const) {
          const all = await sg.interp.activationPatching(m, CLEAN, CORRUPT, { hook, metric: metric(), positions: 'all' });
          expect(all.positions).toEqual(['all']);
          for (const l of [0, 1]) near(all.values[l]![0]!, cleanRef, `${hook} ${l} at every position`);
        }
        // Chosen layers and positions give the same entries as the full table.
        const some = await sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: metric(), layers: [1], positions: [-4, 0] });
        expect(some.positions).toEqual([2, 0]);
        expect(some.values).toEqual([[pre.values[1]![2], pre.values[1]![0]]]);
      });
    }

    it('renders a markdown table; frees what it cached; names bad arguments', async () => {
      const m = randomModel(entry.backend, 'llama');
      await sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: metric(), layers: [0], positions: [0] }); // warm-up
      const before = sg.memory().liveTensors;
      const res = await sg.interp.activationPatching(m, CLEAN, CORRUPT, { hook: 'mlp_out', metric: metric() });
      expect(sg.memory().liveTensors).toBe(before);
      const md = sg.interp.formatPatchingTable(res, { tokens: ['a', 'b|c', 'd', 'e', 'f', 'g'], digits: 2 });
      const lines = md.trim().split('\n');
      expect(lines[0]).toBe(`mlp_out patching: clean ${res.clean.toFixed(2)}, corrupted ${res.corrupted.toFixed(2)}`);
      expect(lines[2]).toBe('| layer | 0 `a` | 1 `b\\|c` | 2 `d` | 3 `e` | 4 `f` | 5 `g` |');
      expect(lines[3]).toBe('|---:|---:|---:|---:|---:|---:|---:|');
      expect(lines[5]).toBe(`| 1 | ${res.values[1]!.map((v) => v.toFixed(2)).join(' | ')} |`);
      const norm = sg.interp.formatPatchingTable({ ...res, values: [[res.clean, res.corrupted]], positions: [0, 1], layers: [0] }, { normalize: true });
      expect(norm).toContain('| 0 | 1.000 | 0.000 |');

      await expect(sg.interp.activationPatching(m, CLEAN, [[1, 2, 3]], { metric: metric() })).rejects.toThrow(/clean tokens \[2, 6\] and corrupted tokens \[1, 3\] must have the same shape/);
      await expect(sg.interp.activationPatching(m, CLEAN, [[3, 1, 7, 1, 5, 9], [2, 6, 0, 3, 5, 12]], { metric: metric() })).rejects.toThrow(/token id 12 at \[1, 5\] is outside the vocabulary of 12 tokens/);
      await expect(sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: metric(), layers: [2] })).rejects.toThrow(/layer 2 is out of range: the model has 2 layers \(0..1\)/);
      await expect(sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: metric(), positions: [6] })).rejects.toThrow(/position 6 is out of range for a sequence of 6 tokens/);
      await expect(sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: metric(), hook: 'resid' as 'resid_pre' })).rejects.toThrow(/unknown hook 'resid'/);
      await expect(sg.interp.activationPatching(m, CLEAN, CORRUPT, { metric: sg.interp.logitDiffMetric(1, 12) })).rejects.toThrow(/distractor 12 is outside the vocabulary of 12 tokens/);
      expect(sg.memory().liveTensors).toBe(before);
      for (const hp of m.hookPoints().values()) expect(hp.active).toBe(false);
    });
  });
});
