/**
 * The factual-completion suite: world knowledge that the embedded corpus states in every story
 * that touches it (src/data/corpus/facts.ts) — the colour of things (sky, grass, snow...), what
 * things are like (ice cold, honey sweet), the sound an animal makes, what it eats, where it lives.
 * Each item asks for one fact in a wording the corpus never uses ("Lily drew a picture of the sky
 * and colored it" → " blue"), with three values false of the subject as distractors, so a model
 * answers from what it learned about the subject rather than from a memorised sentence.
 *
 * Kinds: 'color', 'property', 'sound', 'food', 'home', in turn; within a kind the facts are
 * visited in a seeded order, each with a seeded frame, name and three of its wrong values.
 */
import { ANIMAL_FACTS, THING_FACTS, type AnimalFacts, type ThingFact } from '../../data/corpus/facts.js';
import { PRONOUNS, capitalize, withArticle } from '../../data/corpus/grammar.js';
import type { Rng } from '../../data/corpus/prng.js';
import { buildSuite, cont, people, suiteOptions, type Person } from './suite.js';
import type { ProbeItem, ProbeSuite } from './types.js';

/** The kinds of the factual suite, in the order items are made. */
export const FACTUAL_KINDS = ['color', 'property', 'sound', 'food', 'home'] as const;

/** Items of the factual suite when `n` is not given. */
export const FACTUAL_DEFAULT_N = 120;

const SALT = 0x0fac7;

type ThingFrame = (f: ThingFact, p: Person, q: Person) => string;
type AnimalFrame = (a: AnimalFacts, p: Person) => string;

const is = (f: ThingFact) => (f.plural ? 'are' : 'is');
const itWas = (f: ThingFact) => (f.plural ? 'They were' : 'It was');

const COLOR_FRAMES: readonly ThingFrame[] = [
  (f, p) => `${p.name} drew a picture of the ${f.thing} and colored ${f.plural ? 'them' : 'it'}`,
  (f, p) => `"What color ${is(f)} the ${f.thing}?" asked ${p.name}. "${f.plural ? 'They are' : 'It is'}`,
  (f, p) => `${p.name} needed a crayon for the ${f.thing}, so ${PRONOUNS[p.pronoun].subject} took the`,
  (f) => `Everyone knows that ${f.generic} ${is(f)}`,
];

const TRY: Record<ThingFact['sense'], string> = { felt: 'reached out and touched', tasted: 'took a little taste of', looked: 'looked out at' };

const PROPERTY_FRAMES: readonly ThingFrame[] = [
  (f, p) => `${p.name} ${TRY[f.sense]} the ${f.thing}. ${itWas(f)} so`,
  (f, p, q) => `${p.name} said to ${q.name}, "Did you know? ${capitalize(f.generic)} ${is(f)} always`,
  (f, p) => `${p.name} knew that ${f.generic} ${is(f)} very`,
];

const SOUND_FRAMES: readonly AnimalFrame[] = [
  (a, p) => `${p.name} wanted to sound just like ${withArticle(a.noun)}, so ${PRONOUNS[p.pronoun].subject}`,
  (a, p) => `When ${p.name} came close, the ${a.noun} looked up and`,
  (a, p) => `${p.name} gave the ${a.noun} a pat, and it`,
];

const FOOD_FRAMES: readonly AnimalFrame[] = [
  (a, p) => `${p.name} wanted to feed the hungry ${a.noun}, so ${PRONOUNS[p.pronoun].subject} brought it some`,
  (a) => `The ${a.noun}'s favorite food was`,
  (a, p) => `"What does ${withArticle(a.noun)} eat?" asked ${p.name}. "${capitalize(withArticle(a.noun))} eats`,
];

const HOME_FRAMES: readonly AnimalFrame[] = [
  (a, p) => `${p.name} followed the ${a.noun} all the way back to its`,
  (a, p) => `"Where does ${withArticle(a.noun)} live?" asked ${p.name}. "${capitalize(withArticle(a.noun))} lives in a`,
  (a) => `At the end of the day, the tired ${a.noun} went home to its`,
];

/** The subjects of each kind, with the value asked for and its wrong values. */
interface Subject {
  prompt(r: Rng): string;
  value: string;
  wrong: readonly string[];
}

function thingSubjects(kind: 'color' | 'property', frames: readonly ThingFrame[]): Subject[] {
  return THING_FACTS.filter((f) => f.kind === kind).map((f) => ({
    prompt: (r) => {
      const [p, q] = people(r, 2);
      return r.pick(frames)(f, p!, q!);
    },
    value: f.value,
    wrong: f.wrong,
  }));
}

function animalSubjects(kind: 'sound' | 'food' | 'home', frames: readonly AnimalFrame[]): Subject[] {
  return ANIMAL_FACTS.flatMap((a) => {
    const value = kind === 'sound' ? a.sound?.[1] : kind === 'food' ? a.food : a.home;
    if (!value) return [];
    return [{ prompt: (r: Rng) => r.pick(frames)(a, people(r, 1)[0]!), value, wrong: a.wrong[kind] }];
  });
}

const SUBJECTS: Readonly<Record<(typeof FACTUAL_KINDS)[number], Subject[]>> = {
  color: thingSubjects('color', COLOR_FRAMES),
  property: thingSubjects('property', PROPERTY_FRAMES),
  sound: animalSubjects('sound', SOUND_FRAMES),
  food: animalSubjects('food', FOOD_FRAMES),
  home: animalSubjects('home', HOME_FRAMES),
};

/**
 * The factual suite of `seed` with `n` items (default {@link FACTUAL_DEFAULT_N}): the kinds of
 * {@link FACTUAL_KINDS} in turn, every fact of a kind visited once before any is visited again.
 * The same seed gives the same suite on every platform.
 */
export function factualSuite(opts: { seed?: number; n?: number } = {}): ProbeSuite {
  const { seed, n } = suiteOptions(opts, FACTUAL_DEFAULT_N);
  const orders = new Map<string, number[]>();
  return buildSuite('factual', seed, n, SALT, FACTUAL_KINDS, (kind, index, r): ProbeItem => {
    const subjects = SUBJECTS[kind as (typeof FACTUAL_KINDS)[number]];
    // A fresh seeded order of the kind's facts for each pass over them.
    const pass = Math.floor(index / subjects.length), key = `${kind}:${pass}`;
    let order = orders.get(key);
    if (!order) orders.set(key, (order = r.sample(subjects.map((_, i) => i), subjects.length)));
    const s = subjects[order[index % subjects.length]!]!;
    return { prompt: s.prompt(r), answer: cont(s.value), distractors: r.sample(s.wrong, 3).map(cont), kind };
  });
}
