/**
 * Scoring token sequences with a model: the log-probability it gives each token given the tokens
 * before it. Sequences longer than the context are scored in windows of nCtx tokens that advance by
 * nCtx / 2, so every token after the first window is predicted from at least nCtx / 2 tokens of
 * context (the strided evaluation of long texts). Used to rank sampled candidates (best-of-n
 * decoding in `storygrad demo`) and to measure a text's loss under a model.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { tensor } from '../ops/creation.js';
import { logSoftmax } from '../ops/nn.js';
import { withBackend } from '../runtime.js';
import type { GPT } from './gpt.js';

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
