// Direct logit attribution on both archs and backends. Known answer: with the final norm's scale
// frozen, the read-out is linear in the residual stream, which is the sum of the components, so
// Σ contributions + b_final·U_t equals the model's logit (checked against a separate forward).
// Each component is also checked against a float64 reference from the cached activations.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { allClose, loadBackends } from './helpers/backends.js';
import { normScaleRef, randomModel, read, row, weights } from './helpers/interp-models.js';

const backends = await loadBackends();
const TOKENS = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
const [B, T, d, H, Dh, V] = [2, 6, 16, 4, 4, 12];

describe.each(backends)('direct logit attribution on $name', (entry) => {
  entry.describe('dla', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: contributions sum to the model's logit and match a float64 reference`, async () => {
        const m = randomModel(entry.backend, arch);
        const logits = await read(sg.noGrad(() => sg.tidy(() => m.forward(sg.withBackend(entry.backend, () => sg.tensor(TOKENS.flat(), { shape: [B, T], dtype: 'i32' }))))));
        const W = await weights(m);
        const U = W.get(m.unembed ? 'unembed.W_U' : 'embed.W_E')!;
        const lnW = W.get('ln_final.w')!, lnB = W.get('ln_final.b') ?? null;
        const kind = arch === 'gpt2' ? 'layer' : 'rms';
        const names = ['hook_embed', 'blocks.1.hook_resid_post', 'blocks.0.attn.hook_z', 'blocks.1.attn.hook_z', 'blocks.0.hook_mlp_out', 'blocks.1.hook_mlp_out'];
        const { logits: l2, cache } = await m.runWithCache(TOKENS, { names });
        const act = new Map<string, number[]>();
        for (const n of names) act.set(n, await read(cache.get(n)));
        cache.dispose(); l2.dispose();

        for (const [position, a, b] of [[-1, 7, null], [2, 4, 9]] as const) {
          const pos = position < 0 ? T + position : position;
          const res = await sg.interp.directLogitAttribution(m, TOKENS, b === null ? { position, token: a } : { position, tokenDiff: [a, b] });
          expect(res.position).toBe(pos);
          const labels = res.components.map((c) => c.label);
          expect(labels.slice(0, 2)).toEqual(arch === 'gpt2' ? ['embed', 'pos_embed'] : ['embed', 'L0H0']);
          expect(labels).toContain('L1H3');
          expect(labels.includes('L0 attn bias')).toBe(arch === 'gpt2');
          for (let r = 0; r < B; r++) {
            const lg = row(logits, r * T + pos, V);
            const actual = b === null ? lg[a]! : lg[a]! - lg[b]!;
            const sum = res.components.reduce((s, c) => s + c.values[r]!, 0) + res.normBias[r]!;
            expect(Math.abs(sum - actual), `row ${r}: Σ ${sum} vs logit ${actual}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(actual)));
            expect(res.total[r]).toBeCloseTo(sum, 6);
            expect(res.logit[r]).toBeCloseTo(actual, 4);

            // float64 reference: dir = w ⊙ (U_a − U_b), centred for LayerNorm, over the frozen scale.
            const u = Array.from({ length: d }, (_, i) => U[a * d + i]! - (b === null ? 0 : U[b * d + i]!));
            let dir = u.map((v, i) => v * lnW[i]!);
            if (kind === 'layer') { const mu = dir.reduce((s, v) => s + v, 0) / d; dir = dir.map((v) => v - mu); }
            const s = normScaleRef(row(act.get('blocks.1.hook_resid_post')!, r * T + pos, d), kind, 1e-5);
            const dot = (x: number[]) => x.reduce((acc, v, i) => acc + v * dir[i]!, 0) / s;
            const ref = new Map<string, number>();
            ref.set('embed', dot(row(act.get('hook_embed')!, r * T + pos, d)));
            if (arch === 'gpt2') ref.set('pos_embed', dot(row(W.get('pos_embed.W_pos')!, pos, d)));
            for (let l = 0; l < 2; l++) {
              const z = act.get(`blocks.${l}.attn.hook_z`)!;
              const WO = W.get(`blocks.${l}.attn.W_O`)!; // [d, H·Dh]
              for (let h = 0; h < H; h++) {
                const out = Array.from({ length: d }, (_, i) => {
                  let acc = 0;
                  for (let e = 0; e < Dh; e++) acc += WO[i * H * Dh + h * Dh + e]! * z[((r * T + pos) * H + h) * Dh + e]!;
                  return acc;
                });
                ref.set(`L${l}H${h}`, dot(out));
              }
              if (arch === 'gpt2') ref.set(`L${l} attn bias`, dot(W.get(`blocks.${l}.attn.b_O`)!));
              ref.set(`L${l} MLP`, dot(row(act.get(`blocks.${l}.hook_mlp_out`)!, r * T + pos, d)));
            }
            expect(labels).toEqual([...ref.keys()]);
            allClose(res.components.map((c) => c.values[r]!), [...ref.values()], { atol: 2e-5, rtol: 1e-4 }, `row ${r} components`);
            const nb = lnB ? lnB.reduce((acc, v, i) => acc + v * u[i]!, 0) : 0;
            expect(res.normBias[r]).toBeCloseTo(nb, 5);
          }
        }
      });
    }

    it('a logit difference is the difference of the two attributions; memory returns to baseline', async () => {
      const m = randomModel(entry.backend, 'gpt2');
      await sg.interp.directLogitAttribution(m, TOKENS, { token: 1 }); // warm-up
      const before = sg.memory().liveTensors;
      const ab = await sg.interp.directLogitAttribution(m, TOKENS, { tokenDiff: [3, 8], position: 4 });
      const a = await sg.interp.directLogitAttribution(m, TOKENS, { token: 3, position: 4 });
      const b = await sg.interp.directLogitAttribution(m, TOKENS, { token: 8, position: 4 });
      expect(sg.memory().liveTensors).toBe(before);
      ab.components.forEach((c, i) => allClose(c.values, c.values.map((_, r) => a.components[i]!.values[r]! - b.components[i]!.values[r]!), { atol: 1e-5 }, c.label));
      allClose(ab.normBias, ab.normBias.map((_, r) => a.normBias[r]! - b.normBias[r]!), { atol: 1e-5 });
      // Heads matter in this model: the contributions are not all negligible.
      expect(Math.max(...ab.components.filter((c) => c.kind === 'head').map((c) => Math.abs(c.values[0]!)))).toBeGreaterThan(0.05);
    });

    it('rejects bad positions, tokens and options naming the bound', async () => {
      const m = randomModel(entry.backend, 'llama');
      await expect(sg.interp.directLogitAttribution(m, TOKENS, { token: 1, position: 6 })).rejects.toThrow(/position 6 is out of range for a sequence of 6 tokens \(valid: -6..5\)/);
      await expect(sg.interp.directLogitAttribution(m, TOKENS, { token: 12 })).rejects.toThrow(/token 12 is outside the vocabulary of 12 tokens \(0..11\)/);
      await expect(sg.interp.directLogitAttribution(m, TOKENS, { token: 1, tokenDiff: [1, 2] })).rejects.toThrow(/exactly one of `token` or `tokenDiff/);
      await expect(sg.interp.directLogitAttribution(m, TOKENS, {})).rejects.toThrow(/exactly one of/);
    });
  });
});
