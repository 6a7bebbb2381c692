/**
 * World facts of the embedded corpus: the colours and qualities of things (the sky is blue, ice
 * is cold), the sounds animals make, what they eat and where they live. Stories state them as
 * plain sentences (src/data/corpus/world.ts) and always the same way round, so a model trained on
 * the corpus can learn them; the factual probes (src/interp/probes/) ask about exactly these facts
 * in other words. `wrong` lists values that are false of a subject in this world (the probes'
 * distractors), and every one of them occurs in the corpus text.
 */
import { deepFreeze, type Place } from './lexicon.js';

type PlaceId = Place['id'];

/** What a fact is about: a colour, a quality, an animal's sound, food or home. */
export type FactKind = 'color' | 'property' | 'sound' | 'food' | 'home';

/** How a quality is noticed: by touch ("felt cold"), taste ("tasted sweet") or sight ("looked dark"). */
export type Sense = 'felt' | 'tasted' | 'looked';

/** The colour or a quality of a thing. */
export interface ThingFact {
  readonly kind: 'color' | 'property';
  /** The thing after "the": "sky", "clouds", "ice". */
  readonly thing: string;
  /** Whether {@link thing} is plural ("clouds were", not "was"). */
  readonly plural: boolean;
  /** The thing in a general statement: "the sky", "ice", "lemons". */
  readonly generic: string;
  /** The true value: "blue", "cold". */
  readonly value: string;
  /** How a quality is noticed (colours: 'looked'). */
  readonly sense: Sense;
  /** Values of the same kind that are false of the thing. */
  readonly wrong: readonly string[];
  /** Places whose stories state the fact in the opening (others are stated by particular plots). */
  readonly places: readonly PlaceId[];
  /** When the fact holds at those places, for the opening's wording ("In winter"), if not always. */
  readonly when?: string;
}

/** An animal's sound, food and home (null where the corpus says nothing). */
export interface AnimalFacts {
  /** "cow". */
  readonly noun: string;
  /** "cows". */
  readonly plural: string;
  /** Base form, past form and what it says, e.g. `["moo", "mooed", "Moo"]`. */
  readonly sound: readonly [string, string, string] | null;
  /** What it eats (a plural or mass noun): "grass". */
  readonly food: string | null;
  /** Where it lives (a count noun): "barn". */
  readonly home: string | null;
  /** Values false of this animal, by kind. */
  readonly wrong: Readonly<{ sound: readonly string[]; food: readonly string[]; home: readonly string[] }>;
  /** Places whose stories may mention it. */
  readonly places: readonly PlaceId[];
}

/** One fact in the flat form the probes use. */
export interface WorldFact {
  readonly kind: FactKind;
  /** The thing or animal ("sky", "cow"). */
  readonly subject: string;
  /** The true value ("blue", "mooed", "grass"). */
  readonly value: string;
  /** Values of the same kind that are false of the subject. */
  readonly wrong: readonly string[];
}

const color = (thing: string, plural: boolean, generic: string, value: string, wrong: string[], places: PlaceId[]): ThingFact =>
  ({ kind: 'color', thing, plural, generic, value, sense: 'looked', wrong, places });
const quality = (thing: string, plural: boolean, generic: string, value: string, sense: Sense, wrong: string[], places: PlaceId[]): ThingFact =>
  ({ kind: 'property', thing, plural, generic, value, sense, wrong, places });

/** Colours and qualities of things. */
export const THING_FACTS: readonly ThingFact[] = deepFreeze([
  color('sky', false, 'the sky', 'blue', ['green', 'red', 'brown', 'yellow'], ['park', 'hill', 'meadow', 'beach', 'yard']),
  color('grass', false, 'grass', 'green', ['blue', 'red', 'pink', 'purple', 'white'], ['park', 'hill', 'meadow', 'yard', 'garden', 'farm']),
  color('sun', false, 'the sun', 'yellow', ['blue', 'green', 'purple', 'pink', 'brown'], ['park', 'beach', 'hill', 'meadow', 'garden']),
  color('clouds', true, 'clouds', 'white', ['green', 'red', 'purple', 'brown'], ['hill', 'meadow', 'beach']),
  color('sea', false, 'the sea', 'blue', ['red', 'yellow', 'pink', 'purple'], ['beach']),
  { ...color('snow', false, 'snow', 'white', ['green', 'red', 'blue', 'purple', 'pink'], ['hill', 'yard']), when: 'In winter' },
  color('strawberries', true, 'strawberries', 'red', ['blue', 'purple', 'brown', 'yellow'], ['garden']),
  color('bananas', true, 'bananas', 'yellow', ['blue', 'red', 'purple', 'pink'], []),
  color('carrots', true, 'carrots', 'orange', ['blue', 'pink', 'green', 'white'], ['garden', 'farm']),
  color('frogs', true, 'frogs', 'green', ['pink', 'purple', 'white', 'orange'], ['pond']),
  color('mud', false, 'mud', 'brown', ['blue', 'pink', 'white', 'yellow', 'purple'], ['farm', 'pond']),
  color('milk', false, 'milk', 'white', ['green', 'blue', 'red', 'purple'], ['farm']),
  { ...quality('ice', false, 'ice', 'cold', 'felt', ['hot', 'soft', 'sweet'], ['pond']), when: 'In winter' },
  { ...quality('snow', false, 'snow', 'cold', 'felt', ['hot', 'sweet', 'salty'], ['hill', 'meadow']), when: 'In winter' },
  quality('fire', false, 'fire', 'hot', 'felt', ['cold', 'soft', 'sweet'], []),
  quality('sun', false, 'the sun', 'hot', 'felt', ['cold', 'dark', 'soft'], ['beach']),
  quality('honey', false, 'honey', 'sweet', 'tasted', ['sour', 'salty', 'hard'], ['woods', 'garden']),
  quality('lemons', true, 'lemons', 'sour', 'tasted', ['sweet', 'salty', 'soft'], []),
  quality('rocks', true, 'rocks', 'hard', 'felt', ['soft', 'sweet', 'sour'], ['woods', 'hill', 'beach']),
  quality('pillows', true, 'pillows', 'soft', 'felt', ['hard', 'sour', 'salty', 'hot'], []),
  quality('sea', false, 'the sea', 'salty', 'tasted', ['sweet', 'sour', 'hard'], ['beach']),
  quality('night', false, 'the night', 'dark', 'looked', ['bright', 'hot', 'sweet'], []),
]);

const animal = (
  noun: string, plural: string, sound: [string, string, string] | null, food: string | null, home: string | null,
  wrong: { sound?: string[]; food?: string[]; home?: string[] }, places: PlaceId[],
): AnimalFacts => ({ noun, plural, sound, food, home, wrong: { sound: wrong.sound ?? [], food: wrong.food ?? [], home: wrong.home ?? [] }, places });

/** Sounds heard from every animal but the listed ones ("a dog growls too"). */
const SOUNDS = ['barked', 'meowed', 'chirped', 'growled', 'quacked', 'squeaked', 'croaked', 'mooed', 'oinked', 'clucked', 'neighed', 'hooted', 'buzzed'];
const soundsBut = (...also: string[]): string[] => SOUNDS.filter((s) => !also.includes(s));

/**
 * Animals of the world. The character kinds of the lexicon (dog, cat, bird, ...) agree with it
 * (`Kind.sound` is the past form here; `Kind.home` names the same home); farm and wild animals that
 * are never characters (cow, owl, bee, ...) live only here.
 */
export const ANIMAL_FACTS: readonly AnimalFacts[] = deepFreeze([
  animal('dog', 'dogs', ['bark', 'barked', 'Woof'], 'bones', null,
    { sound: soundsBut('barked', 'growled'), food: ['seeds', 'hay', 'flies', 'grass'] }, ['park', 'yard']),
  animal('cat', 'cats', ['meow', 'meowed', 'Meow'], 'fish', null,
    { sound: soundsBut('meowed', 'growled'), food: ['seeds', 'hay', 'carrots', 'corn'] }, ['yard', 'garden']),
  animal('bird', 'birds', ['chirp', 'chirped', 'Tweet'], 'seeds', 'nest',
    { sound: soundsBut('chirped'), food: ['bones', 'hay', 'cheese', 'carrots'], home: ['cave', 'barn', 'pond', 'den'] }, ['park', 'garden', 'woods', 'meadow', 'yard']),
  animal('bear', 'bears', ['growl', 'growled', 'Grr'], 'honey', 'cave',
    { sound: soundsBut('growled'), food: ['hay', 'cheese', 'flies', 'bones'], home: ['nest', 'hive', 'pond', 'barn'] }, ['woods']),
  animal('rabbit', 'rabbits', null, 'carrots', 'hole',
    { food: ['bones', 'fish', 'cheese', 'flies'], home: ['nest', 'hive', 'pond', 'barn'] }, ['meadow', 'garden']),
  animal('duck', 'ducks', ['quack', 'quacked', 'Quack'], null, 'pond',
    { sound: soundsBut('quacked'), home: ['cave', 'hive', 'den', 'hole'] }, ['pond']),
  animal('fox', 'foxes', null, null, 'den',
    { home: ['nest', 'hive', 'pond', 'barn'] }, ['woods']),
  animal('mouse', 'mice', ['squeak', 'squeaked', 'Squeak'], 'cheese', 'hole',
    { sound: soundsBut('squeaked', 'chirped'), food: ['bones', 'fish', 'flies', 'hay'], home: ['hive', 'pond', 'cave'] }, ['farm']),
  animal('frog', 'frogs', ['croak', 'croaked', 'Ribbit'], 'flies', 'pond',
    { sound: soundsBut('croaked'), food: ['bones', 'hay', 'cheese', 'carrots', 'honey'], home: ['nest', 'cave', 'hive', 'barn', 'den'] }, ['pond']),
  animal('cow', 'cows', ['moo', 'mooed', 'Moo'], 'grass', 'barn',
    { sound: soundsBut('mooed'), food: ['bones', 'fish', 'cheese', 'flies'], home: ['nest', 'hive', 'pond', 'cave', 'hole'] }, ['farm', 'meadow']),
  animal('pig', 'pigs', ['oink', 'oinked', 'Oink'], null, null,
    { sound: soundsBut('oinked') }, ['farm']),
  animal('hen', 'hens', ['cluck', 'clucked', 'Cluck'], 'corn', null,
    { sound: soundsBut('clucked', 'chirped'), food: ['bones', 'fish', 'cheese', 'hay'] }, ['farm']),
  animal('horse', 'horses', ['neigh', 'neighed', 'Neigh'], 'hay', 'barn',
    { sound: soundsBut('neighed'), food: ['bones', 'fish', 'cheese', 'flies'], home: ['nest', 'hive', 'pond', 'hole'] }, ['farm']),
  animal('owl', 'owls', ['hoot', 'hooted', 'Hoo'], null, null,
    { sound: soundsBut('hooted') }, ['woods']),
  animal('bee', 'bees', ['buzz', 'buzzed', 'Buzz'], null, 'hive',
    { sound: soundsBut('buzzed'), home: ['barn', 'pond', 'cave', 'den'] }, ['garden', 'meadow']),
]);

/** Every fact as kind, subject, value and wrong values: things first, then animals (sound, food, home). */
export const WORLD_FACTS: readonly WorldFact[] = deepFreeze([
  ...THING_FACTS.map((f) => ({ kind: f.kind, subject: f.thing, value: f.value, wrong: f.wrong })),
  ...ANIMAL_FACTS.flatMap((a) => [
    ...(a.sound ? [{ kind: 'sound' as const, subject: a.noun, value: a.sound[1], wrong: a.wrong.sound }] : []),
    ...(a.food ? [{ kind: 'food' as const, subject: a.noun, value: a.food, wrong: a.wrong.food }] : []),
    ...(a.home ? [{ kind: 'home' as const, subject: a.noun, value: a.home, wrong: a.wrong.home }] : []),
  ]),
]);

/** The thing fact of `kind` about `thing` (throws when the table has none: a template typo). */
export function thingFact(thing: string, kind: 'color' | 'property'): ThingFact {
  const f = THING_FACTS.find((x) => x.thing === thing && x.kind === kind);
  if (!f) throw new Error(`storygrad: no ${kind} fact about '${thing}' in the world-fact table`);
  return f;
}

/** The facts of the animal called `noun`, or undefined. */
export function animalFacts(noun: string): AnimalFacts | undefined {
  return ANIMAL_FACTS.find((a) => a.noun === noun);
}
