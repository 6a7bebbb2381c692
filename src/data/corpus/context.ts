/**
 * The state of one story while it is being told: the random stream, the hero, the place, and the
 * characters and toys brought in so far. Characters and toys are made here (never in a template),
 * with names unique within the story, and recorded for the story's facts.
 */
import { Char } from './cast.js';
import { ADULTS, ANIMAL_NAMES, CHARACTER_ADJECTIVES, COLORS, KINDS, PERSON_NAMES, PLACES, TOYS } from './lexicon.js';
import type { Adult, Kind, KindId, Place, Pronoun, Toy } from './lexicon.js';
import type { Rng } from './prng.js';

/** A toy as it appears in one story: always with the same describing word. */
export interface ToyPick {
  readonly toy: Toy;
  /** Describing word fixed for the story ("red"). */
  readonly adjective: string;
  /** "red ball". */
  readonly np: string;
}

const PERSON_KINDS: readonly KindId[] = ['girl', 'boy', 'kid'];
const PERSON_WEIGHTS: readonly number[] = [10, 10, 3];
const ANIMAL_KINDS: readonly KindId[] = ['dog', 'cat', 'bird', 'bear', 'rabbit', 'duck', 'fox', 'mouse', 'frog'];
const PET_KINDS: readonly KindId[] = ['dog', 'cat', 'bird', 'rabbit'];
/** "little" three times as often as each other describing word. */
const ADJ_WEIGHTS: readonly number[] = CHARACTER_ADJECTIVES.map((a) => (a === 'little' ? 3 : 1));

/** Options for a new child or animal. */
export interface NewCharOptions {
  /** Child (true) or animal (false); default: decided by chance. */
  person?: boolean;
  /** Restrict the kind. */
  kinds?: readonly KindId[];
}

/** One story in the making. */
export class StoryContext {
  /** Everyone in the story, hero first, in order of creation. */
  readonly cast: Char[] = [];
  /** Toys used by the story, in order of creation. */
  readonly toys: ToyPick[] = [];
  readonly hero: Char;
  private readonly adults = new Map<Adult['id'], Char>();
  private mainToy: ToyPick | null = null;
  private parentChar: Char | null = null;

  /**
   * @param place where the story happens; a plot may change it before telling the opening
   */
  constructor(readonly r: Rng, public place: Place, hero?: NewCharOptions) {
    const person = hero?.person ?? r.chance(0.68);
    this.hero = this.makeChar('hero', { person, ...(hero?.kinds ? { kinds: hero.kinds } : {}) });
  }

  /** A friend of the hero: mostly a child for a child hero and an animal for an animal hero. */
  friend(opts: NewCharOptions = {}): Char {
    const person = opts.person ?? (this.hero.person ? this.r.chance(0.85) : this.r.chance(0.15));
    return this.makeChar('friend', { person, ...(opts.kinds ? { kinds: opts.kinds } : {}) });
  }

  /** An animal the hero keeps or finds and names (dog, cat, bird or rabbit unless `kinds`). */
  pet(kinds: readonly KindId[] = PET_KINDS): Char {
    return this.makeChar('pet', { person: false, kinds });
  }

  /** Moves the story to the place `id` (before the opening is told). */
  usePlace(id: Place['id']): Place {
    this.place = PLACES.find((p) => p.id === id)!;
    return this.place;
  }

  /** The hero's grown-up of that role (made once per story). */
  adult(id: Adult['id']): Char {
    let a = this.adults.get(id);
    if (!a) {
      const entry = ADULTS.find((x) => x.id === id)!;
      a = new Char(entry.title, null, entry, entry.pronoun, 'parent', this.hero, 'kind');
      this.adults.set(id, a);
      this.cast.push(a);
    }
    return a;
  }

  /** The hero's mom or dad, chosen once per story. */
  parent(): Char {
    if (!this.parentChar) this.parentChar = this.adult(this.r.chance(0.6) ? 'mom' : 'dad');
    return this.parentChar;
  }

  /** The story's main toy, chosen once (optionally among `nouns`). */
  toy(nouns?: readonly string[]): ToyPick {
    if (!this.mainToy) this.mainToy = this.newToy(nouns);
    return this.mainToy;
  }

  /** A toy not used yet in this story (optionally among `nouns`). */
  newToy(nouns?: readonly string[]): ToyPick {
    const used = new Set(this.toys.map((t) => t.toy.noun));
    const pool = TOYS.filter((t) => !used.has(t.noun) && (!nouns || nouns.includes(t.noun)));
    const toy = this.r.pick(pool);
    const adjectives = toy.colored ? [...COLORS, ...toy.adjectives] : toy.adjectives;
    const adjective = this.r.pick(adjectives);
    const pick: ToyPick = { toy, adjective, np: `${adjective} ${toy.noun}` };
    this.toys.push(pick);
    return pick;
  }

  private makeChar(role: 'hero' | 'friend' | 'pet', opts: { person: boolean; kinds?: readonly KindId[] }): Char {
    const r = this.r;
    let kind: Kind;
    if (opts.kinds) kind = KINDS[r.pick(opts.kinds)];
    else if (opts.person) kind = KINDS[r.weighted(PERSON_KINDS, PERSON_WEIGHTS)];
    else kind = KINDS[r.pick(ANIMAL_KINDS)];
    const pronoun: Pronoun = r.pick(kind.pronouns);
    const names = kind.person ? PERSON_NAMES[pronoun] : ANIMAL_NAMES[pronoun as 'she' | 'he'];
    const taken = this.cast.map((c) => c.name);
    // Unique, and no name a prefix of another ("Tim" beside "Timmy").
    const free = names.filter((n) => !taken.some((t) => t.startsWith(n) || n.startsWith(t)));
    const name = r.pick(free);
    const adjective = r.weighted(CHARACTER_ADJECTIVES, ADJ_WEIGHTS);
    const c = new Char(name, kind, null, pronoun, role, null, adjective);
    this.cast.push(c);
    return c;
  }
}
