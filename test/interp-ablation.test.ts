// Zero and mean ablation of heads (hook_z) and neurons (mlp.hook_post) on both archs and
// backends. Known answers: attn_out and mlp_out are affine in z and in the MLP's post-activation,
// so ablating every head (neuron) of a layer equals replacing attn_out (mlp_out) by its bias
// (zero mode) or by the reference batch's mean attn_out (mlp_out) (mean mode); single heads and
// neurons are checked against float64 recomputations; a one-token reference batch equal to the
// input changes nothing.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { GPT } from '../src/models/gpt.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends } from './helpers/backends.js';
import { logSoftmaxRef, randomModel, read, row } from './helpers/interp-models.js';

const backends = await loadBackends();
const TOKENS = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
const REF = [[7, 7, 0, 11, 2, 4], [10, 1, 1, 6, 3, 0], [5, 4, 9, 2, 8, 8]];
const [B, T, d, H, Dh, dMlp] = [2, 6, 16, 4, 4, 32];

const logitsWith = (m: GPT, fwd: sg.interp.RunWithHooksOptions['fwd']) => read(sg.noGrad(() => sg.tidy(() => m.runWithHooks(TOKENS, { fwd }))));

/** Replaces an activation [B, T, d] by the row vector `v` [d] broadcast over B and T. */
const constant = (v: number[]) => (x: Tensor) => sg.withBackend(x.backend, () => sg.add(sg.zerosLike(x), sg.tensor(v)));

/** Mean over the rows of a flat [N, n] array. */
const colMean = (flat: number[], n: number) => Array.from({ length: n }, (_, i) => {
  let s = 0;
  for (let r = 0; r < flat.length / n; r++) s += flat[r * n + i]!;
  return s / (flat.length / n);
});

describe.each(backends)('ablation on $name', (entry) => {
  entry.describe('ablate', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: ablating a whole layer's heads or neurons equals replacing attn_out or mlp_out`, async () => {
        const m = randomModel(entry.backend, arch);
        const clean = await read(sg.noGrad(() => sg.tidy(() => m.runWithHooks(TOKENS, {}))));
        const { logits, cache } = await m.runWithCache(REF, { names: /hook_(attn|mlp)_out$/ });
        const refMean = new Map<string, number[]>();
        for (const [n, t] of cache) refMean.set(n, colMean(await read(t), d));
        cache.dispose(); logits.dispose();
        for (const l of [0, 1]) {
          const attn = m.blocks[l]!.attn, mlp = m.blocks[l]!.mlp;
          const heads = [0, 1, 2, 3].map((h) => [l, h] as [number, number]);
          const neurons = Array.from({ length: dMlp }, (_, i) => [l, i] as [number, number]);
          const bO = attn.b_O ? await read(attn.b_O) : new Array(d).fill(0);
          const bOut = mlp.b_out ? await read(mlp.b_out) : new Array(d).fill(0);
          const cases: [string, sg.interp.AblationOptions, sg.interp.RunWithHooksOptions['fwd']][] = [
            ['zero heads', { heads }, [[`blocks.${l}.hook_attn_out`, constant(bO)]]],
            ['zero neurons', { neurons }, [[`blocks.${l}.hook_mlp_out`, constant(bOut)]]],
            ['mean heads', { heads, mode: 'mean', meanOver: REF }, [[`blocks.${l}.hook_attn_out`, constant(refMean.get(`blocks.${l}.hook_attn_out`)!)]]],
            ['mean neurons', { neurons, mode: 'mean', meanOver: REF }, [[`blocks.${l}.hook_mlp_out`, constant(refMean.get(`blocks.${l}.hook_mlp_out`)!)]]],
          ];
          for (const [what, opts, replace] of cases) {
            const ablated = await read(sg.interp.ablate(m, TOKENS, opts));
            const expected = await logitsWith(m, replace);
            allClose(ablated, expected, { atol: 5e-5, rtol: 1e-4 }, `layer ${l} ${what}`);
            expect(Math.max(...ablated.map((v, i) => Math.abs(v - clean[i]!))), `layer ${l} ${what} changes the logits`).toBeGreaterThan(1e-2);
          }
        }
      });

      it(`${arch}: single heads and neurons against float64 recomputations of attn_out and mlp_out`, async () => {
        const m = randomModel(entry.backend, arch);
        const cached = async (tokens: number[][], names: string[], fwd?: sg.interp.RunWithHooksOptions['fwd']) => {
          const { logits, cache } = await m.runWithCache(tokens, { names, ...(fwd ? { fwd } : {}) });
          const out = await Promise.all(names.map((n) => read(cache.get(n))));
          cache.dispose(); logits.dispose();
          return out;
        };
        const affine = (x: number[], W: number[], b: number[] | null, nIn: number) => Array.from({ length: B * T * d }, (_, k) => {
          const r = Math.floor(k / d), o = k % d;
          let s = b ? b[o]! : 0;
          for (let i = 0; i < nIn; i++) s += x[r * nIn + i]! * W[o * nIn + i]!;
          return s;
        });
        const [z, post] = await cached(TOKENS, ['blocks.1.attn.hook_z', 'blocks.1.mlp.hook_post']);
        const [zRef, postRef] = await cached(REF, ['blocks.1.attn.hook_z', 'blocks.1.mlp.hook_post']);
        const zMean = colMean(zRef!, H * Dh), postMean = colMean(postRef!, dMlp);
        const attn = m.blocks[1]!.attn, mlp = m.blocks[1]!.mlp;
        const WO = await read(attn.W_O), bO = attn.b_O ? await read(attn.b_O) : null;
        const Wout = await read(mlp.W_out), bOut = mlp.b_out ? await read(mlp.b_out) : null;
        // Layer 1's inputs are clean when only layer-1 attention heads are ablated, so its z is the
        // clean z with the ablated heads replaced (zero, or the REF mean of that head).
        for (const mode of ['zero', 'mean'] as const) {
          const hooks = sg.interp.ablationHooks(m, { heads: [[1, 2], [1, 0], [1, 2]], mode, meanOver: REF });
          const [attnOut] = await cached(TOKENS, ['blocks.1.hook_attn_out'], hooks.fwd);
          hooks.dispose();
          const zAbl = z!.map((v, i) => {
            const h = Math.floor(i / Dh) % H;
            return h === 2 || h === 0 ? (mode === 'zero' ? 0 : zMean[h * Dh + (i % Dh)]!) : v;
          });
          allClose(attnOut!, affine(zAbl, WO, bO, H * Dh), { atol: 2e-5, rtol: 1e-4 }, `attn_out, heads 0 and 2 ${mode}-ablated`);
        }
        // Likewise for layer-1 neurons: the MLP's input is clean, post has the neurons replaced.
        for (const mode of ['zero', 'mean'] as const) {
          const hooks = sg.interp.ablationHooks(m, { neurons: [[1, 5], [1, 31]], mode, meanOver: REF });
          const [mlpOut] = await cached(TOKENS, ['blocks.1.hook_mlp_out'], hooks.fwd);
          hooks.dispose();
          const postAbl = post!.map((v, i) => (i % dMlp === 5 || i % dMlp === 31 ? (mode === 'zero' ? 0 : postMean[i % dMlp]!) : v));
          allClose(mlpOut!, affine(postAbl, Wout, bOut, dMlp), { atol: 2e-5, rtol: 1e-4 }, `mlp_out, neurons 5 and 31 ${mode}-ablated`);
        }
      });

      it(`${arch}: mean ablation over a reference equal to a one-token input is the clean run`, async () => {
        const m = randomModel(entry.backend, arch);
        for (const tok of [[[4]], [[9]]]) {
          const clean = await read(sg.noGrad(() => sg.tidy(() => m.runWithHooks(tok, {}))));
          const ablated = await read(sg.interp.ablate(m, tok, {
            heads: [[0, 0], [0, 3], [1, 1]], neurons: [[0, 7], [1, 0], [1, 20]], mode: 'mean', meanOver: tok,
          }));
          allClose(ablated, clean, { atol: 1e-5, rtol: 1e-5 }, `token ${tok[0]![0]}`);
          // ...while zero ablation of the same units changes it.
          const zeroed = await read(sg.interp.ablate(m, tok, { heads: [[0, 0], [0, 3], [1, 1]], neurons: [[0, 7], [1, 0], [1, 20]] }));
          expect(Math.max(...zeroed.map((v, i) => Math.abs(v - clean[i]!)))).toBeGreaterThan(1e-2);
        }
      });
    }

    it('ablationLoss reports the next-token loss with and without the ablation; memory returns to baseline', async () => {
      const m = randomModel(entry.backend, 'gpt2');
      const opts: sg.interp.AblationOptions = { heads: [[0, 1]], neurons: [[1, 3]], mode: 'mean', meanOver: REF };
      await sg.interp.ablationLoss(m, TOKENS, opts); // warm-up
      const before = sg.memory().liveTensors;
      const res = await sg.interp.ablationLoss(m, TOKENS, opts);
      const ablated = sg.interp.ablate(m, TOKENS, opts);
      const ablatedLogits = await read(ablated);
      ablated.dispose();
      expect(sg.memory().liveTensors).toBe(before);
      const clean = await read(sg.noGrad(() => sg.tidy(() => m.runWithHooks(TOKENS, {}))));
      const ce = (lg: number[]) => {
        let s = 0;
        for (let b = 0; b < B; b++) for (let t = 0; t < T - 1; t++) s -= logSoftmaxRef(row(lg, b * T + t, 12))[TOKENS[b]![t + 1]!]!;
        return s / (B * (T - 1));
      };
      expect(res.clean).toBeCloseTo(ce(clean), 4);
      expect(res.ablated).toBeCloseTo(ce(ablatedLogits), 4);
      expect(res.delta).toBeCloseTo(res.ablated - res.clean, 10);
      expect(Math.abs(res.delta)).toBeGreaterThan(1e-3);
    });

    it('names the bound of bad layers, heads and neurons', () => {
      const m = randomModel(entry.backend, 'llama');
      expect(() => sg.interp.ablate(m, TOKENS, { heads: [[0, 4]] })).toThrow(/head 4 \(layer 0\) is out of range: the model has 4 heads per layer \(0..3\)/);
      expect(() => sg.interp.ablate(m, TOKENS, { heads: [[2, 0]] })).toThrow(/head layer 2 is out of range: the model has 2 layers \(0..1\)/);
      expect(() => sg.interp.ablate(m, TOKENS, { neurons: [[1, 32]] })).toThrow(/neuron 32 \(layer 1\) is out of range: the MLP has 32 neurons \(0..31\)/);
      expect(() => sg.interp.ablate(m, TOKENS, { neurons: [[-1, 0]] })).toThrow(/neuron layer -1 is out of range/);
      expect(() => sg.interp.ablate(m, TOKENS, {})).toThrow(/at least one of `heads` or `neurons`/);
      expect(() => sg.interp.ablate(m, TOKENS, { heads: [[0, 0]], mode: 'median' as 'mean' })).toThrow(/mode must be 'zero' or 'mean', got 'median'/);
      expect(() => sg.interp.ablationHooks(m, { heads: [[0, 0]], mode: 'mean' })).toThrow(/mean mode needs `meanOver`/);
      for (const hp of m.hookPoints().values()) expect(hp.active).toBe(false);
    });
  });
});
