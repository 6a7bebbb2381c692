/**
 * Scoring probe suites with a language model. Each candidate continuation (the answer and every
 * distractor) gets log P(continuation | prompt), the sum of its tokens' log-probabilities; an
 * item is right when the answer's exceeds every distractor's, and its margin is the answer's
 * log-probability minus the best distractor's.
 *
 * Sequences look like training documents: the document separator first (BOS for llama2.c
 * vocabularies, `<|endoftext|>` for BPE, as the token shards put it before every story), then the
 * ids of `prompt + continuation`, tokenized jointly. When the prompt's own ids are a prefix of
 * every candidate's ids (always so for byte-level BPE with continuations that start with a
 * space, since its pre-tokenizer cuts before the space), the continuation's tokens are scored
 * given the prompt. When a tokenizer merges across the boundary for some candidate, the scored
 * span starts at the first position where any candidate's ids leave the prompt's: every candidate
 * is then scored on the same conditioning prefix, and its score is the log-probability of the
 * prompt's last tokens together with the continuation (the prompt's part differs between
 * candidates only by how the merge split it). {@link ProbeItemScore.boundaryMerged} reports it.
 *
 * All candidates of all items are scored in batches of `batchSize` sequences, sorted by length
 * and padded at the end (causal attention keeps padding from reaching earlier positions), each
 * in one forward pass without gradients; one number per sequence is read back.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { withBackend } from '../../runtime.js';
import { tidy } from '../../memory/scope.js';
import { tensor } from '../../ops/creation.js';
import { crossEntropy } from '../../ops/nn.js';
import { sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { runTokenizer } from '../../train/run-tokenizer.js';
import type { ProbeItem, ProbeKindScore, ProbeScore, ProbeSuite } from './types.js';

/** What scoring needs of a model; a `GPT` is one. */
export interface ProbeModel {
  readonly config: { readonly nCtx: number; readonly vocabSize: number };
  /** tokens i32 [B, T] -> logits [B, T, V]. */
  forward(tokens: Tensor): Tensor;
  /** Training mode, switched off while scoring and restored after (a Module's). */
  training?: boolean;
  train?(mode?: boolean): unknown;
  /** The parameters (a Module's); the first one's backend runs the scoring. */
  parameters?(): Tensor[];
}

/** Options of {@link scoreProbeSuite} and {@link scoreProbeItems}. */
export interface ScoreProbeOptions {
  /** Sequences (one per candidate continuation) per forward pass (default 32). */
  batchSize?: number;
}

/** The scores of one item. */
export interface ProbeItemScore {
  /** log P(continuation | prompt) in nats: the answer's first, then each distractor's. */
  logProbs: number[];
  /** Whether the answer's log-probability exceeds every distractor's. */
  correct: boolean;
  /** The answer's log-probability minus the best distractor's. */
  margin: number;
  /** Whether the tokenizer merged the end of the prompt into some candidate (see the file header). */
  boundaryMerged: boolean;
}

/** An item as token sequences. */
export interface EncodedProbeItem {
  /** One sequence per candidate (answer first), each starting with the document separator. */
  sequences: number[][];
  /** Ids shared by every sequence before the scored span: tokens `start..` of each sequence are scored. */
  start: number;
  /** Whether `start` is shorter than the prompt's own ids (a merge across the boundary). */
  boundaryMerged: boolean;
}

const DEFAULT_BATCH = 32;

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The encoder of a tokenizer for probes: ids without specials, and the document separator. */
export function probeEncoder(tokenizer: Tokenizer): { encode(text: string): number[]; separatorId: number } {
  const run = runTokenizer(tokenizer);
  return { encode: run.encode, separatorId: run.separatorId };
}

/** Tokenizes an item's candidates as documents (see the file header). */
export function encodeProbeItem(item: ProbeItem, enc: { encode(text: string): number[]; separatorId: number }): EncodedProbeItem {
  const prompt = [enc.separatorId, ...enc.encode(item.prompt)];
  const sequences = [item.answer, ...item.distractors].map((c) => [enc.separatorId, ...enc.encode(item.prompt + c)]);
  let start = prompt.length;
  for (const s of sequences) start = Math.min(start, commonPrefix(prompt, s));
  for (let i = 0; i < sequences.length; i++) {
    if (sequences[i]!.length <= start) {
      throw new Error(`storygrad: probe item ${JSON.stringify(item.prompt)}: candidate ${JSON.stringify(i === 0 ? item.answer : item.distractors[i - 1])} adds no tokens to the prompt`);
    }
  }
  return { sequences, start, boundaryMerged: start < prompt.length };
}

/** One sequence to score: which item and candidate, its ids and where its scored span starts. */
interface Row {
  item: number;
  cand: number;
  ids: number[];
  start: number;
}

/**
 * Scores items one by one: every candidate's log-probability given the prompt under `model`,
 * whether the answer wins and by how much. The model is put in evaluation mode while scoring.
 */
export async function scoreProbeItems(model: ProbeModel, tokenizer: Tokenizer, items: readonly ProbeItem[], opts: ScoreProbeOptions = {}): Promise<ProbeItemScore[]> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`storygrad: scoreProbeItems: batchSize must be a positive integer, got ${batchSize}`);
  const { nCtx, vocabSize: V } = model.config;
  const enc = probeEncoder(tokenizer);
  const encoded = items.map((it) => encodeProbeItem(it, enc));
  const rows: Row[] = [];
  encoded.forEach((e, i) => {
    e.sequences.forEach((ids, c) => {
      if (ids.length - 1 > nCtx) {
        throw new Error(`storygrad: probe item ${i} (${items[i]!.kind}, ${JSON.stringify(items[i]!.prompt.slice(0, 40))}...) needs ${ids.length - 1} positions with its continuation ${c}, more than the model's context of ${nCtx}`);
      }
      const bad = ids.find((t) => !(t >= 0 && t < V));
      if (bad !== undefined) throw new Error(`storygrad: probe item ${i}: token id ${bad} is outside the model's vocabulary of ${V} (is this the model's tokenizer?)`);
      rows.push({ item: i, cand: c, ids, start: e.start });
    });
  });
  rows.sort((a, b) => b.ids.length - a.ids.length);
  const logProbs = encoded.map((e) => new Array<number>(e.sequences.length).fill(0));
  const backend = model.parameters?.()[0]?.backend;
  const wasTraining = model.training;
  if (model.train && wasTraining !== undefined) model.train(false);
  try {
    for (let b0 = 0; b0 < rows.length; b0 += batchSize) {
      const batch = rows.slice(b0, b0 + batchSize);
      const B = batch.length, T = batch[0]!.ids.length - 1;
      const inputs = new Int32Array(B * T).fill(enc.separatorId); // padding: any valid id
      const targets = new Int32Array(B * T).fill(-100); // ignored except on the scored span
      batch.forEach((row, b) => {
        const L = row.ids.length;
        for (let j = 0; j < L - 1; j++) inputs[b * T + j] = row.ids[j]!;
        for (let j = row.start - 1; j < L - 1; j++) targets[b * T + j] = row.ids[j + 1]!;
      });
      const score = () => noGrad(() => tidy(() => {
        const logits = model.forward(tensor(inputs, { shape: [B, T] })); // [B, T, V]
        const nll = crossEntropy(logits.reshape([B * T, V]), tensor(targets, { shape: [B * T] }), { reduction: 'none' }); // [B*T]
        return sum(nll.reshape([B, T]), 1); // [B]
      }));
      // Token tensors go to the model's backend (which need not be the current one).
      const nllSum = backend ? withBackend(backend, score) : score();
      let values: ArrayLike<number>;
      try {
        values = await nllSum.data();
      } finally {
        nllSum.dispose();
      }
      batch.forEach((row, b) => (logProbs[row.item]![row.cand] = -values[b]!));
    }
  } finally {
    if (model.train && wasTraining !== undefined) model.train(wasTraining);
  }
  return logProbs.map((lp, i) => {
    const best = Math.max(...lp.slice(1));
    return { logProbs: lp, correct: lp[0]! > best, margin: lp[0]! - best, boundaryMerged: encoded[i]!.boundaryMerged };
  });
}

/** Accuracy and mean margin of item scores. */
function summarize(scores: readonly ProbeItemScore[]): ProbeKindScore {
  const n = scores.length;
  let right = 0, margin = 0;
  for (const s of scores) {
    if (s.correct) right++;
    margin += s.margin;
  }
  return { n, accuracy: n ? right / n : 0, meanMargin: n ? margin / n : 0 };
}

/** The suite's score from its items' scores: overall and per kind. */
export function summarizeProbeScores(suite: ProbeSuite, scores: readonly ProbeItemScore[]): ProbeScore {
  if (scores.length !== suite.items.length) throw new Error(`storygrad: ${scores.length} scores for ${suite.items.length} items of the ${suite.name} suite`);
  const byKind = new Map<string, ProbeItemScore[]>();
  suite.items.forEach((it, i) => {
    const list = byKind.get(it.kind);
    if (list) list.push(scores[i]!);
    else byKind.set(it.kind, [scores[i]!]);
  });
  const perKind: Record<string, ProbeKindScore> = {};
  for (const [k, list] of byKind) perKind[k] = summarize(list);
  return { suite: suite.name, ...summarize(scores), perKind };
}

/**
 * Scores a suite with a model and its tokenizer: the accuracy (answer more likely than every
 * distractor) and the mean log-probability margin, overall and per kind. See the file header
 * for how continuations are tokenized and batched; an item longer than the model's context is an
 * error naming it.
 */
export async function scoreProbeSuite(model: ProbeModel, tokenizer: Tokenizer, suite: ProbeSuite, opts: ScoreProbeOptions = {}): Promise<ProbeScore> {
  return summarizeProbeScores(suite, await scoreProbeItems(model, tokenizer, suite.items, opts));
}

/** The accuracy of guessing: the mean over items of 1 / (1 + number of distractors). */
export function chanceAccuracy(items: readonly ProbeItem[]): number {
  let s = 0;
  for (const it of items) s += 1 / (1 + it.distractors.length);
  return items.length ? s / items.length : 0;
}
