/**
 * Token ids for the analyses: a TokensLike (i32 tensor, number[] or number[][]) read back as
 * host rows [B][T], checked against the vocabulary.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import type { TokensLike } from './hooks.js';

/** The ids as rows [B][T]; ids outside the vocabulary are an error naming where they are. */
export async function tokenRows(model: GPT, tokens: TokensLike): Promise<number[][]> {
  let rows: number[][];
  if (Array.isArray(tokens)) {
    const nested = tokens.length > 0 && Array.isArray(tokens[0]);
    rows = (nested ? (tokens as readonly (readonly number[])[]) : [tokens as readonly number[]]).map((r) => [...r]);
  } else {
    const t = tokens as Tensor;
    if (t.rank !== 2 || t.dtype !== 'i32') throw new Error(`storygrad: token ids must be an i32 [B, T] tensor, got ${t.describe()}`);
    const flat = Array.from(await t.data());
    const [B, T] = t.shape as [number, number];
    rows = Array.from({ length: B }, (_, b) => flat.slice(b * T, (b + 1) * T));
  }
  const T = rows[0]?.length ?? 0;
  if (rows.length === 0 || T === 0) throw new Error('storygrad: token ids must be a non-empty number[] or number[][]');
  const V = model.config.vocabSize;
  rows.forEach((r, b) => {
    if (r.length !== T) throw new Error(`storygrad: token rows must have equal lengths: row 0 has ${T}, row ${b} has ${r.length}`);
    r.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new Error(`storygrad: token id ${id} at [${b}, ${t}] is outside the vocabulary of ${V} tokens`);
      }
    });
  });
  if (T > model.config.nCtx) throw new Error(`storygrad: ${T} tokens exceed the model's context of ${model.config.nCtx}`);
  return rows;
}
