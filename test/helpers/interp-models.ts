/**
 * Small models and float64 references for the interpretability analysis tests. Models get
 * large random weights (every parameter, norm gains and biases included) so that attention is
 * sharp, biases matter and component contributions are O(1): a wrong index or a forgotten term
 * shows up as a large error, not as noise under the tolerance.
 */
import * as sg from '../../src/index.js';
import type { GPT } from '../../src/models/gpt.js';
import type { Tensor } from '../../src/tensor.js';

export const VOCAB = 12;

/** A 2-layer d16 model (llama: GQA 4 heads / 2 kv heads, untied) with randomized weights. */
export function randomModel(be: sg.Backend<any>, arch: 'gpt2' | 'llama', seed = 5, nLayer = 2): GPT {
  return sg.withBackend(be, () => {
    const m = new sg.models.GPT({
      arch, vocabSize: VOCAB, nCtx: 8, dModel: 16, nLayer, nHead: 4, nKvHead: arch === 'llama' ? 2 : 4, dMlp: 32, seed,
    });
    sg.noGrad(() => {
      m.namedParameters().forEach(([name, p], i) => {
        const s = seed * 1000 + i;
        const isNormGain = /(^|\.)(ln1|ln2|ln_final)\.w$/.test(name);
        const isBias = /\.b(_\w+)?$/.test(name);
        const r = sg.randn(p.shape.slice(), { seed: s, scale: isNormGain ? 0.3 : isBias ? 0.2 : 0.45 });
        p.assign(isNormGain ? sg.add(r, 1) : r);
      });
    });
    return m;
  });
}

/** Reads a tensor into plain numbers. */
export const read = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** Reads every parameter of the model by name. */
export async function weights(m: GPT): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [n, p] of m.namedParameters()) out.set(n, await read(p));
  return out;
}

/** The final norm of row x (float64): LayerNorm (with b) or RMSNorm; `scale` overrides the divisor. */
export function normRef(x: readonly number[], w: readonly number[], b: readonly number[] | null, kind: 'layer' | 'rms', eps: number, scale?: number): number[] {
  const d = x.length;
  const mu = kind === 'layer' ? x.reduce((s, v) => s + v, 0) / d : 0;
  const c = x.map((v) => v - mu);
  const s = scale ?? Math.sqrt(c.reduce((acc, v) => acc + v * v, 0) / d + eps);
  return c.map((v, i) => (v / s) * w[i]! + (b ? b[i]! : 0));
}

/** The divisor of the final norm for row x (float64). */
export function normScaleRef(x: readonly number[], kind: 'layer' | 'rms', eps: number): number {
  const d = x.length;
  const mu = kind === 'layer' ? x.reduce((s, v) => s + v, 0) / d : 0;
  return Math.sqrt(x.reduce((acc, v) => acc + (v - mu) ** 2, 0) / d + eps);
}

/** y = W x for W [n, d] (row-major) and x [d]. */
export function matVec(W: readonly number[], x: readonly number[]): number[] {
  const d = x.length, n = W.length / d;
  return Array.from({ length: n }, (_, o) => x.reduce((s, v, i) => s + v * W[o * d + i]!, 0));
}

/** log softmax of a row (float64). */
export function logSoftmaxRef(z: readonly number[]): number[] {
  const mx = Math.max(...z);
  const lse = mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
  return z.map((v) => v - lse);
}

/** Row r of a flat [.., d] array. */
export const row = (flat: readonly number[], r: number, d: number): number[] => flat.slice(r * d, (r + 1) * d);
