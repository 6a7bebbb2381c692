/**
 * The context-tracking suite: two children, each bound to something in the prompt (a toy, a
 * colour, a place, an action), then a continuation whose answer needs the binding:
 *
 * - 'object':  "Lily had a ball, and Tom had a kite. Then Tom played with his" → " kite"
 * - 'color':   "Lily had a red ball, and Tom had a blue ball. Tom held up his ball. It was" → " blue"
 * - 'owner':   "Lily had a ball, and Tom had a kite. The kite belonged to" → " Tom"
 * - 'place':   "Lily went to the park, and Tom went to the beach. Later, Tom came home from the" → " beach"
 * - 'action':  "Lily picked flowers, and Tom fed the hens. The one who fed the hens was" → " Tom"
 * - 'pronoun': "Lily had a ball, and Tom had a kite. Then she played with her" → " ball" (a girl and a boy)
 *
 * The distractors are the other child's binding (so copying the most recent toy or name fails
 * half the time) and one entity of the same type that is not in the prompt (so ignoring the
 * context fails). Within each kind the asked-about child is the first-mentioned one for even
 * items and the second-mentioned one for odd items. Toys, colours, places and activities come
 * from the corpus lexicon, so every word is one the model has seen; the sentences are the
 * suite's own.
 */
import { possessive, PRONOUNS, withArticle } from '../../data/corpus/grammar.js';
import { COLORS, PLACES, TOYS, type Pronoun } from '../../data/corpus/lexicon.js';
import type { Rng } from '../../data/corpus/prng.js';
import { buildSuite, cont, people, suiteOptions, type Person } from './suite.js';
import type { ProbeItem, ProbeSuite } from './types.js';

/** The kinds of the tracking suite, in the order items are made. */
export const TRACKING_KINDS = ['object', 'color', 'owner', 'place', 'action', 'pronoun'] as const;

/** Items of the tracking suite when `n` is not given. */
export const TRACKING_DEFAULT_N = 120;

const SALT = 0x7ac4;

const his = (p: Person) => PRONOUNS[p.pronoun].possessive;
const TOY_NOUNS = TOYS.map((t) => t.noun);
const COLORED_TOYS = TOYS.filter((t) => t.colored).map((t) => t.noun);
const PLACE_WORDS = PLACES.map((p) => p.name.replace(/^the /, ''));
/** Past-tense activities of every place ("picked flowers"), each once. */
const ACTIVITIES = [...new Set(PLACES.flatMap((p) => p.activities.map((a) => a[1])))];

/** `k` different values of a list: the first ones are bound in the prompt, the last is the outsider. */
const distinct = <T>(r: Rng, list: readonly T[], k: number): T[] => r.sample(list, k);

/** "Lily had a ball, and Tom had a kite." and its variants. */
function owning(r: Rng, a: Person, b: Person, ta: string, tb: string): string {
  return r.oneOf(
    () => `${a.name} had ${withArticle(ta)}, and ${b.name} had ${withArticle(tb)}.`,
    () => `${a.name} brought ${withArticle(ta)} to the ${r.pick(PLACE_WORDS)}, and ${b.name} brought ${withArticle(tb)}.`,
    () => `For ${his(a)} birthday, ${a.name} got ${withArticle(ta)}. For ${his(b)} birthday, ${b.name} got ${withArticle(tb)}.`,
  );
}

type Maker = (r: Rng, first: boolean) => ProbeItem;

const object: Maker = (r, first) => {
  const [a, b] = people(r, 2), [ta, tb, out] = distinct(r, TOY_NOUNS, 3);
  const q = first ? a! : b!, [tq, to] = first ? [ta!, tb!] : [tb!, ta!];
  const ask = r.oneOf(
    () => `Then ${q.name} played with ${his(q)}`,
    () => `Later, ${q.name} put away ${his(q)}`,
    () => `${q.name} showed everyone ${his(q)}`,
  );
  return { prompt: `${owning(r, a!, b!, ta!, tb!)} ${ask}`, answer: cont(tq), distractors: [cont(to), cont(out!)], kind: 'object' };
};

const color: Maker = (r, first) => {
  const [a, b] = people(r, 2), t = r.pick(COLORED_TOYS), [ca, cb, out] = distinct(r, COLORS, 3);
  const q = first ? a! : b!, [cq, co] = first ? [ca!, cb!] : [cb!, ca!];
  const ctx = r.oneOf(
    () => `${a!.name} had ${withArticle(`${ca} ${t}`)}, and ${b!.name} had ${withArticle(`${cb} ${t}`)}.`,
    () => `${a!.name} picked ${withArticle(`${ca} ${t}`)}, and ${b!.name} picked ${withArticle(cb!)} one.`,
    () => `${a!.name} and ${b!.name} each had ${withArticle(t)}. ${possessive(a!.name)} was ${ca}, and ${possessive(b!.name)} was ${cb}.`,
  );
  const ask = r.oneOf(
    () => `${q.name} held up ${his(q)} ${t}. It was`,
    () => `The ${t} that ${q.name} had was`,
    () => `${q.name} said, "My ${t} is`,
  );
  return { prompt: `${ctx} ${ask}`, answer: cont(cq), distractors: [cont(co), cont(out!)], kind: 'color' };
};

const owner: Maker = (r, first) => {
  const [a, b, out] = people(r, 3), [ta, tb] = distinct(r, TOY_NOUNS, 2);
  const [q, o, tq] = first ? [a!, b!, ta!] : [b!, a!, tb!];
  const ask = r.oneOf(
    () => `The ${tq} belonged to`,
    () => `The one with the ${tq} was`,
    () => `Everyone wanted a turn with the ${tq}, so they asked`,
  );
  return { prompt: `${owning(r, a!, b!, ta!, tb!)} ${ask}`, answer: cont(q.name), distractors: [cont(o.name), cont(out!.name)], kind: 'owner' };
};

const place: Maker = (r, first) => {
  const [a, b] = people(r, 2), [pa, pb, out] = distinct(r, PLACE_WORDS, 3);
  const q = first ? a! : b!, [pq, po] = first ? [pa!, pb!] : [pb!, pa!];
  const ctx = r.oneOf(
    () => `${a!.name} went to the ${pa}, and ${b!.name} went to the ${pb}.`,
    () => `In the morning, ${a!.name} walked to the ${pa} and ${b!.name} walked to the ${pb}.`,
    () => `${a!.name} spent the day at the ${pa}. ${b!.name} spent the day at the ${pb}.`,
  );
  const ask = r.oneOf(
    () => `Later, ${q.name} came home from the`,
    () => `That night, ${q.name} dreamed about the`,
    () => `${q.name} told ${his(q)} mom all about the`,
  );
  return { prompt: `${ctx} ${ask}`, answer: cont(pq), distractors: [cont(po), cont(out!)], kind: 'place' };
};

const action: Maker = (r, first) => {
  const [a, b, out] = people(r, 3), [xa, xb] = distinct(r, ACTIVITIES, 2);
  const [q, o, xq] = first ? [a!, b!, xa!] : [b!, a!, xb!];
  const ctx = r.oneOf(
    () => `${a!.name} ${xa}, and ${b!.name} ${xb}.`,
    () => `After lunch, ${a!.name} ${xa} and ${b!.name} ${xb}.`,
  );
  const ask = r.oneOf(
    () => `The one who ${xq} was`,
    () => `Who ${xq}? That was`,
    () => `The friend who ${xq} was named`,
  );
  return { prompt: `${ctx} ${ask}`, answer: cont(q.name), distractors: [cont(o.name), cont(out!.name)], kind: 'action' };
};

const pronoun: Maker = (r, first) => {
  const genders: Pronoun[] = r.chance(0.5) ? ['she', 'he'] : ['he', 'she'];
  const [a, b] = people(r, 2, genders), [ta, tb, out] = distinct(r, TOY_NOUNS, 3);
  const q = first ? a! : b!, [tq, to] = first ? [ta!, tb!] : [tb!, ta!];
  const he = PRONOUNS[q.pronoun].subject;
  const ask = r.oneOf(
    () => `Then ${he} played with ${his(q)}`,
    () => `After lunch, ${he} picked up ${his(q)}`,
    () => `Later, ${he} put away ${his(q)}`,
  );
  return { prompt: `${owning(r, a!, b!, ta!, tb!)} ${ask}`, answer: cont(tq), distractors: [cont(to), cont(out!)], kind: 'pronoun' };
};

const MAKERS: Readonly<Record<(typeof TRACKING_KINDS)[number], Maker>> = { object, color, owner, place, action, pronoun };

/**
 * The context-tracking suite of `seed` with `n` items (default {@link TRACKING_DEFAULT_N}): the
 * kinds of {@link TRACKING_KINDS} in turn, the answer bound to the first-mentioned child in even
 * items of a kind and to the second-mentioned one in odd items. The same seed gives the same
 * suite on every platform.
 */
export function trackingSuite(opts: { seed?: number; n?: number } = {}): ProbeSuite {
  const { seed, n } = suiteOptions(opts, TRACKING_DEFAULT_N);
  return buildSuite('tracking', seed, n, SALT, TRACKING_KINDS, (kind, index, r) => MAKERS[kind as (typeof TRACKING_KINDS)[number]](r, index % 2 === 0));
}
