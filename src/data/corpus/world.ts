/**
 * Beats that state world facts (facts.ts) as story sentences: a fact about the story's place
 * ("In the park, the grass was green.", "A cow said, "Moo! Moo!""), a fact about an animal hero
 * ("Rex loved to eat bones."), and a named fact for plots whose scene calls for one ("The snow
 * was cold."). The wordings here are the corpus's own; the probes use other ones.
 */
import type { Char } from './cast.js';
import type { StoryContext } from './context.js';
import { ANIMAL_FACTS, THING_FACTS, animalFacts, thingFact, type AnimalFacts, type ThingFact } from './facts.js';
import { capitalize, withArticle } from './grammar.js';

/**
 * One sentence stating a thing's colour or quality; `placed`: the fact is told as one of the
 * story's place, which the sentence may name ("In the park, ..."), with its season ("In winter, ...").
 */
function thingSentence(c: StoryContext, f: ThingFact, placed: boolean): string {
  const was = f.plural ? 'were' : 'was';
  if (placed && f.when) {
    return c.r.oneOf(() => `${f.when}, the ${f.thing} ${c.place.at} ${was} ${f.value}.`, () => `${f.when}, the ${f.thing} ${was} ${f.value}.`);
  }
  const variants: (() => string)[] = [
    () => `The ${f.thing} ${was} ${f.value}.`,
    f.kind === 'color'
      ? () => `${c.hero.name} liked to look at the ${f.value} ${f.thing}.`
      : () => `The ${f.thing} ${f.sense} very ${f.value}.`,
  ];
  if (placed) variants.push(() => `${capitalize(c.place.at)}, the ${f.thing} ${was} ${f.value}.`);
  return c.r.oneOf(...variants);
}

/** One sentence stating one fact about an animal of the place. */
function animalSentence(c: StoryContext, a: AnimalFacts, kind: 'sound' | 'food' | 'home'): string {
  const r = c.r, an = withArticle(a.noun);
  if (kind === 'sound') {
    const [base, past, call] = a.sound!;
    return r.oneOf(
      () => `${capitalize(c.place.at)}, ${an} ${past}.`,
      () => `${c.hero.name} heard ${an} ${base}.`,
      () => `${capitalize(an)} said, "${call}! ${call}!"`,
    );
  }
  if (kind === 'food') {
    return r.oneOf(
      () => `${capitalize(an)} was eating some ${a.food}.`,
      () => `${capitalize(a.plural)} like to eat ${a.food}.`,
    );
  }
  return r.oneOf(
    () => `${capitalize(an)} lived in ${withArticle(a.home!)} nearby.`,
    () => `${c.hero.name} saw ${an} go into its ${a.home}.`,
  );
}

/** The kinds of fact the table has for an animal. */
function animalKinds(a: AnimalFacts): ('sound' | 'food' | 'home')[] {
  return [...(a.sound ? ['sound' as const] : []), ...(a.food ? ['food' as const] : []), ...(a.home ? ['home' as const] : [])];
}

/** Sentences stating `n` different facts that belong to the story's place (things or animals there). */
export function placeFacts(c: StoryContext, n: number): string[] {
  const id = c.place.id;
  const things = THING_FACTS.filter((f) => f.places.includes(id));
  const animals = ANIMAL_FACTS.filter((a) => a.places.includes(id)).flatMap((a) => animalKinds(a).map((k) => [a, k] as const));
  const picks = c.r.sample(Array.from({ length: things.length + animals.length }, (_, i) => i), n);
  return picks.map((i) => {
    if (i < things.length) return thingSentence(c, things[i]!, true);
    const [a, k] = animals[i - things.length]!;
    return animalSentence(c, a, k);
  });
}

/** A sentence about an animal character's sound or food, or null when the table has neither. */
export function animalCharFact(c: StoryContext, who: Char): string | null {
  const a = who.kind ? animalFacts(who.kind.noun) : undefined;
  if (!a || who.person) return null;
  const kinds = animalKinds(a).filter((k) => k !== 'home');
  if (kinds.length === 0) return null;
  if (c.r.pick(kinds) === 'sound') {
    const past = a.sound![1];
    return c.r.oneOf(
      () => `When ${who.name} was happy, ${who.he} ${past}.`,
      () => `${who.name} ${past} to say hello to everyone.`,
    );
  }
  return c.r.oneOf(
    () => `${who.name} loved to eat ${a.food}.`,
    () => `Every day, ${who.name} ate some ${a.food}.`,
  );
}

/** A sentence stating the colour or quality of `thing` (a plot whose scene calls for it). */
export function statedFact(c: StoryContext, thing: string, kind: 'color' | 'property'): string {
  return thingSentence(c, thingFact(thing, kind), false);
}
