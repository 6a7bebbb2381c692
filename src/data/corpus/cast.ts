/**
 * Characters of one story. A `Char` fixes a name, a kind (or a grown-up's role) and a pronoun
 * when it is made, and every reference the templates use — name, pronoun forms, agreeing verbs,
 * "her mom", "a little girl named Lily" — is derived from those, so a character cannot change
 * name or pronoun halfway through a story.
 */
import { PRONOUNS, capitalize, possessive, withArticle, type PronounForms } from './grammar.js';
import type { Adult, Kind, KindId, Pronoun } from './lexicon.js';

/** What a character does in the story. */
export type Role = 'hero' | 'friend' | 'parent' | 'pet';

/** The facts about one character that a story reports (see {@link StoryFacts}). */
export interface CastMember {
  /** Proper name ("Lily"), or the grown-up's title ("Mom"). */
  readonly name: string;
  /** Kind of character ("girl", "dog") or grown-up ("mom", "grandpa"). */
  readonly kind: KindId | Adult['id'];
  readonly pronoun: Pronoun;
  readonly role: Role;
}

/** A character with the words that refer to it. */
export class Char {
  private readonly forms: PronounForms;

  /**
   * @param name proper name (children and animals) or title (grown-ups: "Mom")
   * @param kind the kind of a child or animal; null for a grown-up
   * @param adult the grown-up's entry; null for a child or animal
   * @param owner whose grown-up this is ("her mom" takes the owner's possessive)
   * @param adjective the describing word of the introduction ("little")
   */
  constructor(
    readonly name: string,
    readonly kind: Kind | null,
    readonly adult: Adult | null,
    readonly pronoun: Pronoun,
    readonly role: Role,
    readonly owner: Char | null,
    readonly adjective: string,
  ) {
    this.forms = PRONOUNS[pronoun];
  }

  /** How the narration names the character: "Lily", or "her mom" for a grown-up. */
  get ref(): string {
    return this.adult ? `${this.owner ? this.owner.his : 'the'} ${this.adult.noun}` : this.name;
  }
  /** {@link ref} capitalised, for the start of a sentence. */
  get Ref(): string {
    return capitalize(this.ref);
  }
  /** How others call the character: "Lily", "Mom". */
  get title(): string {
    return this.adult ? this.adult.title : this.name;
  }
  /** "Lily's", "her mom's". */
  get poss(): string {
    return possessive(this.ref);
  }
  /** Subject pronoun: she / he / they. */
  get he(): string {
    return this.forms.subject;
  }
  /** Object pronoun: her / him / them. */
  get him(): string {
    return this.forms.object;
  }
  /** Possessive before a noun: her / his / their. */
  get his(): string {
    return this.forms.possessive;
  }
  /** Reflexive: herself / himself / themself. */
  get self(): string {
    return this.forms.reflexive;
  }
  /** was / were, agreeing with {@link he}. */
  get was(): string {
    return this.forms.was;
  }
  /** is / are, agreeing with {@link he}. */
  get is(): string {
    return this.forms.is;
  }
  /** has / have, agreeing with {@link he}. */
  get has(): string {
    return this.forms.has;
  }
  /** The kind's noun ("girl", "dog") or the grown-up's ("mom"). */
  get noun(): string {
    return this.kind ? this.kind.noun : this.adult!.noun;
  }
  /** "a little girl", "an old bear". */
  get aNoun(): string {
    return withArticle(`${this.adjective} ${this.noun}`);
  }
  /** First mention: "a little girl named Lily". */
  get intro(): string {
    return `${this.aNoun} named ${this.name}`;
  }
  /** "the little girl". */
  get theNoun(): string {
    return `the ${this.adjective} ${this.noun}`;
  }
  /** Whether the character is a child (girl, boy, kid). */
  get person(): boolean {
    return this.kind ? this.kind.person : true;
  }
  /** The reported facts. */
  member(): CastMember {
    return { name: this.title, kind: this.kind ? this.kind.id : this.adult!.id, pronoun: this.pronoun, role: this.role };
  }
}
