/**
 * Building a probe suite: items are made kind by kind in turn (so kinds are balanced to within
 * one item), from a random stream of the corpus PRNG seeded by the suite's seed, and checked:
 * continuations start with a space, the answer is not a distractor, distractors are distinct,
 * and no prompt repeats (a repeat is drawn again).
 */
import { PERSON_NAMES, type Pronoun } from '../../data/corpus/lexicon.js';
import { Rng, storySeed } from '../../data/corpus/prng.js';
import type { ProbeItem, ProbeSuite } from './types.js';

/** Makes the `index`-th item (0-based, within its kind) of `kind` from the stream `r`. */
export type ItemMaker = (kind: string, index: number, r: Rng) => ProbeItem;

/** How often a repeated prompt is drawn again before the suite gives up. */
const MAX_TRIES = 200;

/** Checks one item's form; throws naming the item. */
export function checkItem(item: ProbeItem): void {
  const where = `probe item ${JSON.stringify(item.prompt)} (${item.kind})`;
  if (!item.prompt || /\s$/.test(item.prompt)) throw new Error(`storygrad: ${where}: the prompt must be non-empty and must not end in whitespace`);
  for (const c of [item.answer, ...item.distractors]) {
    if (!/^ \S/.test(c)) throw new Error(`storygrad: ${where}: continuation ${JSON.stringify(c)} must start with one space and a word`);
  }
  if (item.distractors.length === 0) throw new Error(`storygrad: ${where}: no distractors`);
  if (item.distractors.includes(item.answer)) throw new Error(`storygrad: ${where}: the answer ${JSON.stringify(item.answer)} is also a distractor`);
  if (new Set(item.distractors).size !== item.distractors.length) throw new Error(`storygrad: ${where}: repeated distractors`);
}

/** Checks the options of a suite generator and fills the defaults. */
export function suiteOptions(opts: { seed?: number; n?: number }, defaultN: number): { seed: number; n: number } {
  const seed = opts.seed ?? 0, n = opts.n ?? defaultN;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`storygrad: a probe suite's seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`storygrad: a probe suite's n must be a positive integer, got ${n}`);
  return { seed, n };
}

/**
 * `n` items of `kinds` in turn (item i is of kind i mod kinds.length), each made by `make` from
 * one random stream (the suite's seed mixed with `salt`, so suites of one seed draw differently).
 */
export function buildSuite(name: ProbeSuite['name'], seed: number, n: number, salt: number, kinds: readonly string[], make: ItemMaker): ProbeSuite {
  const r = new Rng(storySeed(seed, salt));
  const seen = new Set<string>();
  const items: ProbeItem[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length]!, index = Math.floor(i / kinds.length);
    let item: ProbeItem | undefined;
    for (let t = 0; t < MAX_TRIES && !item; t++) {
      const candidate = make(kind, index, r);
      if (!seen.has(candidate.prompt)) item = candidate;
    }
    if (!item) throw new Error(`storygrad: the ${name} suite cannot make ${n} distinct items (stuck at item ${i}, kind ${kind})`);
    checkItem(item);
    seen.add(item.prompt);
    items.push(item);
  }
  return { name, seed, items };
}

/** A child's name with its pronoun. */
export interface Person {
  readonly name: string;
  readonly pronoun: Pronoun;
}

/** `k` different children (no name a prefix of another, as in the corpus), optionally of given pronouns. */
export function people(r: Rng, k: number, pronouns?: readonly Pronoun[]): Person[] {
  const out: Person[] = [];
  for (let i = 0; i < k; i++) {
    const pronoun = pronouns?.[i] ?? r.weighted<Pronoun>(['she', 'he', 'they'], [10, 10, 3]);
    const free = PERSON_NAMES[pronoun].filter((n) => !out.some((p) => p.name.startsWith(n) || n.startsWith(p.name)));
    out.push({ name: r.pick(free), pronoun });
  }
  return out;
}

/** The continuation form of a word or phrase: a leading space. */
export const cont = (s: string): string => ` ${s}`;
