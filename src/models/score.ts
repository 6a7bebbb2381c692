/**
 * Scoring token sequences with a model: the log-probability it gives each token given the tokens
 * before it. Sequences longer than the context are scored in windows of nCtx tokens that advance by
 * nCtx / 2, so every token after the first window is predicted from at least nCtx / 2 tokens of
 * context (the strided evaluation of long texts). `sampleLikeliest` ranks sampled candidates with it
 * (best-of-n decoding, as `storygrad demo` prints its story).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { tensor } from '../ops/creation.js';
import { logSoftmax } from '../ops/nn.js';
import { withBackend } from '../runtime.js';
import type { GPT } from './gpt.js';
import type { GenerateOptions } from './generate.js';

/**
 * Per-token log-probabilities (natural log) of each sequence: entry i of the result for a sequence
 * is log P(ids[i + 1] | the ids before it, up to nCtx of them), so a sequence of L ids gives L - 1
 * values. Ids must lie in the vocabulary; a sequence needs at least one id.
 */
export async function tokenLogProbs(model: GPT, seqs: readonly (readonly number[])[]): Promise<Float32Array[]> {
  const { nCtx, vocabSize } = model.config;
  const stride = Math.max(1, Math.floor(nCtx / 2));
  const backend = model.embed.W_E.backend;
  const out: Float32Array[] = [];
  for (const [r, ids] of seqs.entries()) {
    if (ids.length === 0) throw new Error(`storygrad: tokenLogProbs: sequence ${r} is empty`);
    for (const [i, id] of ids.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`storygrad: tokenLogProbs: sequence ${r}, position ${i}: id ${id} is outside the vocabulary [0, ${vocabSize})`);
    }
    const lp = new Float32Array(ids.length - 1);
    // Windows [start, end): the first scores positions 1..end-1, each later one the positions past
    // the previous window's end.
    let scored = 1;
    for (let start = 0; scored < ids.length; start += stride) {
      const end = Math.min(ids.length, start + nCtx);
      const win = ids.slice(start, end);
      const logits = withBackend(backend, () => noGrad(() => tidy(() => logSoftmax(model.forward(tensor(Int32Array.from(win), { shape: [1, win.length] })))))); // [1, n, V]
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      for (let p = scored; p < end; p++) lp[p - 1] = data[(p - 1 - start) * vocabSize + ids[p]!]!;
      scored = end;
    }
    out.push(lp);
  }
  return out;
}

/** What {@link sampleLikeliest} returns. */
export interface LikeliestSample {
  /** The new ids of every candidate (without the prompt; a candidate stops before a stop token). */
  candidates: number[][];
  /** Each candidate's mean log-probability per new token under the model (0 for an empty one). */
  scores: number[];
  /** Index of the likeliest candidate. */
  best: number;
  /** `candidates[best]`. */
  ids: number[];
}

/**
 * Best-of-n decoding: samples `n` continuations of `prompt` in one batch (`generateBatch`; candidate
 * 0 is what `generate` with the same options gives) and ranks them by the model's own mean
 * log-probability per new token ({@link tokenLogProbs}), so a candidate that garbles or drops what
 * its context set up ranks low.
 */
export async function sampleLikeliest(model: GPT, prompt: number[], n: number, opts: GenerateOptions = {}): Promise<LikeliestSample> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`storygrad: sampleLikeliest: n must be a positive integer, got ${n}`);
  const candidates: number[][] = Array.from({ length: n }, () => []);
  for await (const ids of model.generateBatch(candidates.map(() => prompt), opts)) ids.forEach((id, k) => { if (id !== null) candidates[k]!.push(id); });
  const lps = await tokenLogProbs(model, candidates.map((ids) => [...prompt, ...ids]));
  const scores = lps.map((lp) => {
    const fresh = lp.subarray(prompt.length - 1); // log P of the new ids
    return fresh.length ? fresh.reduce((a, b) => a + b, 0) / fresh.length : 0;
  });
  const best = scores.indexOf(Math.max(...scores));
  return { candidates, scores, best, ids: candidates[best]! };
}
