// Hook points, runWithHooks / runWithCache and gradient hooks, on every backend. Cached
// activations are checked against relations recomputed in plain float64 JS from other cached
// activations and the weights (q = ln1(x) W_Qᵀ + b_Q, pattern rows, z = pattern · v, attn_out,
// residual sums, logits), and the fused and materialized attention paths give the same logits.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { GPT } from '../src/models/gpt.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends } from './helpers/backends.js';
import { findNonFiniteActivation } from '../src/train/nonfinite.js';

const backends = await loadBackends();

const read = async (t: Tensor) => Array.from(await t.data());

/** y[r, o] = Σ_i x[r, i] W[o, i] (+ b[o]) in float64. */
function linearRef(x: number[], W: number[], b: number[] | null, rows: number, nIn: number, nOut: number): number[] {
  const y = new Array<number>(rows * nOut).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < nOut; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i]! * W[o * nIn + i]!;
      y[r * nOut + o] = s;
    }
  }
  return y;
}

const TOKENS = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];

function makeModel(be: sg.Backend<any>, arch: 'gpt2' | 'llama', nLayer = 2): GPT {
  return sg.withBackend(be, () => new sg.models.GPT({
    arch, vocabSize: 12, nCtx: 8, dModel: 16, nLayer, nHead: 4, nKvHead: arch === 'llama' ? 2 : 4, seed: 3,
  }));
}

describe('hook names', () => {
  it('lists TransformerLens names in forward order for both archs', () => {
    const be = backends[0]!.backend;
    const gpt2 = makeModel(be, 'gpt2');
    const names = gpt2.hookNames();
    expect(names.slice(0, 6)).toEqual([
      'hook_embed', 'hook_pos_embed', 'blocks.0.hook_resid_pre', 'blocks.0.ln1.hook_normalized',
      'blocks.0.attn.hook_q', 'blocks.0.attn.hook_k',
    ]);
    expect(names).toContain('blocks.1.attn.hook_pattern');
    expect(names).toContain('blocks.1.mlp.hook_post');
    expect(names.at(-1)).toBe('ln_final.hook_normalized');
    const block0 = names.filter((n) => n.startsWith('blocks.0.'));
    expect(block0).toEqual([
      'blocks.0.hook_resid_pre', 'blocks.0.ln1.hook_normalized', 'blocks.0.attn.hook_q', 'blocks.0.attn.hook_k',
      'blocks.0.attn.hook_v', 'blocks.0.attn.hook_attn_scores', 'blocks.0.attn.hook_pattern', 'blocks.0.attn.hook_z',
      'blocks.0.hook_attn_out', 'blocks.0.hook_resid_mid', 'blocks.0.ln2.hook_normalized', 'blocks.0.mlp.hook_pre',
      'blocks.0.mlp.hook_post', 'blocks.0.hook_mlp_out', 'blocks.0.hook_resid_post',
    ]);
    expect(names).toHaveLength(2 + 2 * 15 + 1);
    const llama = makeModel(be, 'llama').hookNames();
    expect(llama).not.toContain('hook_pos_embed');
    expect(llama).toContain('blocks.0.attn.hook_rot_q');
    expect(llama).toContain('blocks.1.mlp.hook_pre_linear');
    expect(gpt2.hookPoints().get('blocks.1.hook_mlp_out')!.layer).toBe(1);
    // Hook points carry no parameters.
    expect(gpt2.namedParameters().some(([n]) => n.includes('hook'))).toBe(false);
  });

  it('rejects unknown names and empty filters with a hint', () => {
    const m = makeModel(backends[0]!.backend, 'gpt2');
    expect(() => m.addHook('blocks.0.attn.hook_patern', () => {})).toThrow(/no hook point named 'blocks.0.attn.hook_patern'; see model.hookNames/);
    expect(() => m.addHook('blocks.7.hook_resid_post', () => {})).toThrow(/names ending in 'hook_resid_post': blocks.0.hook_resid_post, blocks.1.hook_resid_post/);
    expect(() => m.addHook(/nothing_here/, () => {})).toThrow(/selects no hook point/);
  });
});

describe.each(backends)('hooks on $name', (entry) => {
  entry.describe('runWithCache', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: cached activations satisfy the forward's relations`, async () => {
        const be = entry.backend;
        const m = makeModel(be, arch);
        const [B, T, d, H, Dh] = [2, 6, 16, 4, 4];
        const Hkv = arch === 'llama' ? 2 : 4;
        const { logits, cache } = await m.runWithCache(TOKENS);
        expect(cache.names).toEqual(m.hookNames());
        const get = (n: string) => read(cache.get(n));
        const W = async (t: Tensor | null) => (t ? read(t) : null);
        const a = m.blocks[1]!.attn;
        expect(cache.get('blocks.1.attn.hook_q').shape).toEqual([B, T, H, Dh]);
        expect(cache.get('blocks.1.attn.hook_k').shape).toEqual([B, T, Hkv, Dh]);
        expect(cache.get('blocks.1.attn.hook_pattern').shape).toEqual([B, H, T, T]);
        expect(cache.get('blocks.1.attn.hook_z').shape).toEqual([B, T, H, Dh]);
        // q = ln1(resid_pre) W_Qᵀ + b_Q
        const ln1 = await get('blocks.1.ln1.hook_normalized');
        allClose(await get('blocks.1.attn.hook_q'), linearRef(ln1, (await W(a.W_Q))!, await W(a.b_Q), B * T, d, H * Dh), { atol: 1e-5, rtol: 1e-4 }, 'hook_q');
        // Pattern: causal rows summing to 1, and z = pattern · v (rotated v = v), kv head h / (H / Hkv).
        const pattern = await get('blocks.1.attn.hook_pattern');
        const v = await get('blocks.1.attn.hook_v');
        const zRef: number[] = new Array(B * T * H * Dh).fill(0);
        for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
          let rowSum = 0;
          for (let j = 0; j < T; j++) {
            const p = pattern[((b * H + h) * T + i) * T + j]!;
            if (j > i) expect(p).toBe(0);
            rowSum += p;
            const kvh = Math.floor(h / (H / Hkv));
            for (let e = 0; e < Dh; e++) zRef[((b * T + i) * H + h) * Dh + e] += p * v[((b * T + j) * Hkv + kvh) * Dh + e]!;
          }
          expect(rowSum).toBeCloseTo(1, 5);
        }
        allClose(await get('blocks.1.attn.hook_z'), zRef, { atol: 1e-5, rtol: 1e-4 }, 'hook_z');
        // attn_out = z W_Oᵀ + b_O; residual sums.
        const z = await get('blocks.1.attn.hook_z');
        allClose(await get('blocks.1.hook_attn_out'), linearRef(z, (await W(a.W_O))!, await W(a.b_O), B * T, H * Dh, d), { atol: 1e-5, rtol: 1e-4 }, 'attn_out');
        const pre = await get('blocks.1.hook_resid_pre');
        const attnOut = await get('blocks.1.hook_attn_out');
        allClose(await get('blocks.1.hook_resid_mid'), pre.map((x, i) => x + attnOut[i]!), { atol: 1e-6 }, 'resid_mid');
        const mid = await get('blocks.1.hook_resid_mid');
        const mlpOut = await get('blocks.1.hook_mlp_out');
        allClose(await get('blocks.1.hook_resid_post'), mid.map((x, i) => x + mlpOut[i]!), { atol: 1e-6 }, 'resid_post');
        allClose(await get('blocks.1.hook_resid_pre'), await get('blocks.0.hook_resid_post'), { atol: 0 }, 'resid chain');
        // logits = ln_final(resid_post) W_Eᵀ (tied) or W_Uᵀ
        const unembed = m.unembed ? m.unembed.W_U : m.embed.W_E;
        allClose(await read(logits), linearRef(await get('ln_final.hook_normalized'), await read(unembed), null, B * T, d, 12), { atol: 1e-5, rtol: 1e-4 }, 'logits');
        cache.dispose();
        logits.dispose();
      });
    }

    it('caching the pattern (materialized attention) gives the fused path\'s logits', async () => {
      for (const arch of ['gpt2', 'llama'] as const) {
        const m = makeModel(entry.backend, arch);
        const plain = await read(sg.noGrad(() => m.runWithHooks(TOKENS, {})));
        const { logits, cache } = await m.runWithCache(TOKENS, { names: /hook_pattern$/ });
        expect(cache.names).toEqual(['blocks.0.attn.hook_pattern', 'blocks.1.attn.hook_pattern']);
        allClose(await read(logits), plain, { atol: 2e-5, rtol: 1e-4 }, `${arch} fused vs materialized`);
        cache.dispose();
      }
    });

    it('caches only what the filter selects and frees it on dispose', async () => {
      const m = makeModel(entry.backend, 'gpt2');
      await (await m.runWithCache(TOKENS, { names: ['blocks.0.hook_resid_post'] })).cache.dispose();
      const before = sg.memory().liveTensors;
      const { logits, cache } = await m.runWithCache(TOKENS, { names: ['blocks.0.hook_resid_post', 'hook_embed'] });
      expect(cache.names).toEqual(['hook_embed', 'blocks.0.hook_resid_post']);
      expect(cache.bytes).toBe(2 * 2 * 6 * 16 * 4);
      expect(() => cache.get('blocks.1.hook_resid_post')).toThrow(/holds no 'blocks.1.hook_resid_post' \(it holds hook_embed, blocks.0.hook_resid_post\)/);
      cache.dispose();
      logits.dispose();
      expect(sg.memory().liveTensors).toBe(before);
      for (const hp of m.hookPoints().values()) expect(hp.active).toBe(false);
    });
  });

  entry.describe('runWithHooks', () => {
    it('replaces activations: a zeroed final residual gives ln_final(0) logits', async () => {
      const m = makeModel(entry.backend, 'gpt2');
      const logits = sg.noGrad(() => m.runWithHooks(TOKENS, {
        fwd: [['blocks.1.hook_resid_post', (x) => sg.zerosLike(x)]],
      }));
      // LayerNorm of a zero row is its bias (zero at init), so every logit is 0.
      expect(Math.max(...(await read(logits)).map(Math.abs))).toBe(0);
      for (const hp of m.hookPoints().values()) expect(hp.active).toBe(false);
    });

    it('zero-ablating one head through hook_z equals recomputing attn_out without it', async () => {
      const m = makeModel(entry.backend, 'gpt2', 1);
      const [B, T, H, Dh, d] = [2, 6, 4, 4, 16];
      const { logits: l0, cache } = await m.runWithCache(TOKENS, { names: ['blocks.0.attn.hook_z'] });
      const z = await read(cache.get('blocks.0.attn.hook_z'));
      const zAbl = z.map((x, i) => (Math.floor(i / Dh) % H === 2 ? 0 : x));
      const a = m.blocks[0]!.attn;
      const expected = linearRef(zAbl, await read(a.W_O), await read(a.b_O!), B * T, H * Dh, d);
      const { cache: c2 } = await m.runWithCache(TOKENS, {
        names: ['blocks.0.hook_attn_out'],
        fwd: [['blocks.0.attn.hook_z', (x) => sg.mul(x, sg.withBackend(entry.backend, () => sg.tensor([1, 1, 0, 1]).reshape([1, 1, H, 1])))]],
      });
      allClose(await read(c2.get('blocks.0.hook_attn_out')), expected, { atol: 1e-5, rtol: 1e-4 }, 'ablated attn_out');
      cache.dispose(); c2.dispose(); l0.dispose();
    });

    it('removes hooks when a hook throws or returns the wrong shape', () => {
      const m = makeModel(entry.backend, 'gpt2');
      expect(() => m.runWithHooks(TOKENS, { fwd: [['blocks.0.hook_resid_mid', () => { throw new Error('boom'); }]] })).toThrow('boom');
      expect(() => m.runWithHooks(TOKENS, { fwd: [[/hook_resid_mid/, (x) => x.reshape([-1])]] }))
        .toThrow(/hook on blocks.0.hook_resid_mid returned \[192\] f32; the activation is \[2, 6, 16\] f32/);
      expect(() => m.runWithHooks(TOKENS, { fwd: [['hook_embed', () => {}], ['no_such_hook', () => {}]] })).toThrow(/no hook point/);
      for (const hp of m.hookPoints().values()) expect(hp.active, hp.name).toBe(false);
      expect(() => m.runWithHooks([[1, 2], [3]], {})).toThrow(/equal lengths: row 0 has 2, row 1 has 1/);
    });
  });

  entry.describe('non-finite search', () => {
    it('names the first non-finite activation through the hook points', async () => {
      const m = makeModel(entry.backend, 'gpt2');
      const ids = Int32Array.from(TOKENS.flat());
      expect(await findNonFiniteActivation(m, ids, 2, 6)).toBeNull();
      const w = m.blocks[1]!.attn.W_O;
      const bad = await w.data();
      bad[3] = Infinity;
      sg.withBackend(entry.backend, () => sg.noGrad(() => w.assign(sg.tensor(bad as Float32Array, { shape: w.shape.slice() }))));
      expect(await findNonFiniteActivation(m, ids, 2, 6)).toMatch(/^activation blocks\.1\.hook_attn_out \(element \d+\)$/);
    });
  });

  entry.describe('gradient hooks', () => {
    it('sees dL/d(ln_final output) = R W_E for L = Σ logits · R, and can rescale it', async () => {
      const be = entry.backend;
      const m = makeModel(be, 'gpt2');
      const [B, T, d, V] = [2, 6, 16, 12];
      const R = Array.from({ length: B * T * V }, (_, i) => Math.sin(i * 0.37));
      const kept: Tensor[] = [];
      const seen = await sg.withBackend(be, async () => {
        const logits = m.runWithHooks(TOKENS, { bwd: [['ln_final.hook_normalized', (g) => { kept.push(sg.keep(g.detach())); }]] });
        expect(kept).toHaveLength(0); // fires in backward, not forward
        sg.sum(sg.mul(logits, sg.tensor(R, { shape: [B, T, V] }))).backward();
        expect(kept).toHaveLength(1);
        const out = await read(kept[0]!);
        kept[0]!.dispose();
        return out;
      });
      const WE = await read(m.embed.W_E);
      const expected: number[] = new Array(B * T * d).fill(0);
      for (let r = 0; r < B * T; r++) for (let c = 0; c < d; c++) {
        let s = 0;
        for (let v = 0; v < V; v++) s += R[r * V + v]! * WE[v * d + c]!;
        expected[r * d + c] = s;
      }
      allClose(seen!, expected, { atol: 1e-5, rtol: 1e-4 }, 'grad at ln_final.hook_normalized');

      // Doubling the gradient at the embedding doubles W_E's gradient from that path: compare
      // with and without the hook on a loss that only reaches W_E through hook_embed (untied llama).
      const ll = makeModel(be, 'llama');
      const gradOfWE = async (scale: number) => sg.withBackend(be, async () => {
        ll.embed.W_E.grad?.dispose();
        ll.embed.W_E.grad = null;
        const logits = ll.runWithHooks(TOKENS, scale === 1 ? {} : { bwd: [['hook_embed', (g) => sg.mul(g, scale)]] });
        sg.sum(sg.mul(logits, sg.tensor(R, { shape: [B, T, V] }))).backward();
        return read(ll.embed.W_E.grad!);
      });
      const g1 = await gradOfWE(1);
      const g2 = await gradOfWE(2);
      allClose(g2, g1.map((x) => 2 * x), { atol: 1e-6, rtol: 1e-5 }, 'scaled embedding gradient');
    });

    it('Tensor.onGrad passes or replaces the gradient', async () => {
      await sg.withBackend(entry.backend, async () => {
        const x = sg.tensor([1, 2, 3], { requiresGrad: true });
        const y = x.onGrad((g) => sg.mul(g, 10));
        sg.sum(sg.mul(y, y)).backward();
        expect(await read(x.grad!)).toEqual([20, 40, 60]);
        expect(() => sg.sum(x.onGrad(() => sg.zeros([2]))).backward()).toThrow(/onGrad hook returned a gradient of shape \[2\] for a tensor of shape \[3\]/);
      });
    });
  });
});
