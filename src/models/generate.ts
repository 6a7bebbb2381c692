/**
 * Autoregressive sampling as an async iterator: greedy (temperature 0), temperature, top-k and
 * top-p with a seeded counter-based RNG, stop tokens, repeated n-gram blocking (no-repeat.ts),
 * batched prompts. With the KV cache each step runs only the newest position; each step reads back
 * one row of logits per prompt.
 */
import type { GPT } from './gpt.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { tensor } from '../ops/creation.js';
import { slice } from '../ops/movement.js';
import { withBackend } from '../runtime.js';
import { uniformAt } from '../backend/rng.js';
import { KVCache } from './kv-cache.js';
import { repeatedNgramBans, withBans } from './no-repeat.js';

/** Options of `GPT.generate`. */
export interface GenerateOptions {
  /** Tokens to generate (default 64). */
  maxNewTokens?: number;
  /** 0 = greedy (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = off). */
  topP?: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** Stop (without yielding) when one of these ids is produced. */
  stopTokens?: number[];
  /** Reuse keys/values of earlier positions (default true); false re-runs the window each step. */
  useCache?: boolean;
  /**
   * Never complete an n-gram of this many ids that already occurs in the sequence (prompt
   * included): stops a sampler from looping over a sentence; single ids (names) still repeat.
   * 0 = off (default); an integer >= 1 otherwise.
   */
  noRepeatNgram?: number;
}

/** Picks the next id from a row of logits. */
export function sampleFromLogits(logits: Float32Array, opts: GenerateOptions, u: number): number {
  const temperature = opts.temperature ?? 1;
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let ids = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
  if (opts.topK && opts.topK > 0) ids = ids.slice(0, opts.topK);
  const maxL = logits[ids[0]!]!;
  let probs = ids.map((i) => Math.exp((logits[i]! - maxL) / temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    let acc = 0, cut = probs.length;
    for (let j = 0; j < probs.length; j++) { acc += probs[j]!; if (acc >= topP) { cut = j + 1; break; } }
    ids = ids.slice(0, cut); probs = probs.slice(0, cut);
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  let acc = 0;
  for (let j = 0; j < probs.length; j++) { acc += probs[j]!; if (u < acc) return ids[j]!; }
  return ids[ids.length - 1]!;
}

/** Implements `GPT.generate`: one prompt, ids streamed as they are sampled. */
export async function* generate(model: GPT, prompt: number[], opts: GenerateOptions = {}): AsyncGenerator<number> {
  for await (const row of generateBatch(model, [prompt], opts)) {
    if (row[0] === null || row[0] === undefined) return;
    yield row[0];
  }
}

/** Seed of batch row r's sampler (row 0 uses the seed itself). */
function rowSeed(seed: number, r: number): number {
  return (seed + Math.imul(r, 0x9e3779b9)) >>> 0;
}

/**
 * Implements `GPT.generateBatch`: prompts of equal length decoded together. With the KV cache
 * (default) the prompt is run once and each later step runs only the newest position; when the
 * sequence reaches nCtx, the cache is rebuilt from the last nCtx/2 tokens (the cache-free path
 * slides a window of nCtx instead, so the two agree exactly up to nCtx tokens).
 */
export async function* generateBatch(model: GPT, prompts: number[][], opts: GenerateOptions = {}): AsyncGenerator<(number | null)[]> {
  const B = prompts.length;
  if (B === 0) throw new Error('storygrad: generate: no prompts given');
  const P = prompts[0]!.length;
  if (P === 0) throw new Error('storygrad: generate: the prompt needs at least one token (e.g. BOS)');
  const vocab = model.config.vocabSize;
  prompts.forEach((prompt, r) => {
    if (prompt.length !== P) throw new Error(`storygrad: generate: batched prompts must have equal lengths; prompt ${r} has ${prompt.length} tokens, prompt 0 has ${P}`);
    for (const id of prompt) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`storygrad: generate: prompt ${r} id ${id} is outside the vocabulary [0, ${vocab})`);
    }
  });
  const nCtx = model.config.nCtx;
  const backend = model.embed.W_E.backend;
  const maxNew = opts.maxNewTokens ?? 64;
  const stop = new Set(opts.stopTokens ?? []);
  const seed = opts.seed ?? 0;
  const useCache = opts.useCache ?? true;
  const noRepeat = opts.noRepeatNgram ?? 0;
  if (!Number.isInteger(noRepeat) || noRepeat < 0) throw new Error(`storygrad: generate: noRepeatNgram must be an integer >= 0 (0 = off), got ${noRepeat}`);
  const seqs = prompts.map((p) => p.slice());
  const done = new Array<boolean>(B).fill(false);
  const cache = useCache ? new KVCache(model.config.nLayer) : null;

  /** Runs the model on rows [B, n] of ids and returns the last position's logits [B, V]. */
  const lastLogits = async (rows: number[][]): Promise<Float32Array> => {
    const n = rows[0]!.length;
    const flat = Int32Array.from(rows.flat());
    const out = withBackend(backend, () => noGrad(() => tidy(() => {
      const logits = model.forward(tensor(flat, { shape: [B, n] }), cache ? { cache } : {}); // [B, n, V]
      return slice(logits, 1, n - 1, n); // [B, 1, V]
    })));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };

  try {
    for (let step = 0; step < maxNew; step++) {
      let rows: number[][];
      if (!cache) rows = seqs.map((s) => s.slice(-nCtx));
      else if (cache.length === 0) rows = seqs.map((s) => s.slice(-nCtx));
      else if (cache.length + 1 > nCtx) {
        cache.reset();
        rows = seqs.map((s) => s.slice(-Math.max(1, Math.floor(nCtx / 2))));
      } else rows = seqs.map((s) => s.slice(-1));
      const logits = await lastLogits(rows);
      const ids: (number | null)[] = [];
      for (let r = 0; r < B; r++) {
        if (done[r]) {
          ids.push(null);
          seqs[r]!.push(seqs[r]![seqs[r]!.length - 1]!); // keeps rows aligned; never yielded
          continue;
        }
        let row = logits.subarray(r * vocab, (r + 1) * vocab); // [V]
        if (noRepeat > 0) row = withBans(row, repeatedNgramBans(seqs[r]!, noRepeat));
        const next = sampleFromLogits(row, opts, uniformAt(rowSeed(seed, r), 0, step));
        seqs[r]!.push(next);
        if (stop.has(next)) {
          done[r] = true;
          ids.push(null);
        } else ids.push(next);
      }
      if (done.every(Boolean)) return;
      yield ids;
    }
  } finally {
    cache?.dispose();
  }
}
