/**
 * Autoregressive sampling as an async iterator: greedy (temperature 0), temperature, top-k and
 * top-p with a seeded counter-based RNG, stop tokens. Each step runs the model on the window of
 * the last nCtx tokens and reads back one row of logits.
 */
import type { GPT } from './gpt.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { tensor } from '../ops/creation.js';
import { slice } from '../ops/movement.js';
import { withBackend } from '../runtime.js';
import { uniformAt } from '../backend/rng.js';

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

/** Implements `GPT.generate`. */
export async function* generate(model: GPT, prompt: number[], opts: GenerateOptions = {}): AsyncGenerator<number> {
  if (prompt.length === 0) throw new Error('storygrad: generate: the prompt needs at least one token (e.g. BOS)');
  const vocab = model.config.vocabSize;
  for (const id of prompt) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`storygrad: generate: prompt id ${id} is outside the vocabulary [0, ${vocab})`);
  }
  const ids = prompt.slice();
  const backend = model.embed.W_E.backend;
  const maxNew = opts.maxNewTokens ?? 64;
  const stop = new Set(opts.stopTokens ?? []);
  for (let step = 0; step < maxNew; step++) {
    const window = ids.slice(-model.config.nCtx);
    const row = withBackend(backend, () => noGrad(() => tidy(() => {
      const logits = model.forward(tensor(Int32Array.from(window), { shape: [1, window.length] })); // [1, T, V]
      return slice(logits, 1, window.length - 1, window.length); // [1, 1, V]
    })));
    const data = (await row.data()) as Float32Array;
    row.dispose();
    const next = sampleFromLogits(data, opts, uniformAt(opts.seed ?? 0, 0, step));
    if (stop.has(next)) return;
    ids.push(next);
    yield next;
  }
}
