/**
 * The small grammar the story templates lean on: pronoun forms and verb agreement (singular
 * "they" takes "were"/"are"/"have"), "a" or "an", possessives, capitalisation, lists, sentence
 * checks, and the punctuation of quoted speech (`"Look!" said Lily.`, `Lily said, "Look."`).
 */
import type { Pronoun } from './lexicon.js';

/** Every form of one pronoun, and the verb forms that agree with it as a subject. */
export interface PronounForms {
  /** she / he / they */
  readonly subject: string;
  /** her / him / them */
  readonly object: string;
  /** her / his / their (before a noun) */
  readonly possessive: string;
  /** hers / his / theirs */
  readonly possessivePronoun: string;
  /** herself / himself / themself */
  readonly reflexive: string;
  /** was / was / were */
  readonly was: string;
  /** is / is / are */
  readonly is: string;
  /** has / has / have */
  readonly has: string;
  /** does / does / do */
  readonly does: string;
}

/** Pronoun forms by subject pronoun. */
export const PRONOUNS: Readonly<Record<Pronoun, PronounForms>> = Object.freeze({
  she: Object.freeze({ subject: 'she', object: 'her', possessive: 'her', possessivePronoun: 'hers', reflexive: 'herself', was: 'was', is: 'is', has: 'has', does: 'does' }),
  he: Object.freeze({ subject: 'he', object: 'him', possessive: 'his', possessivePronoun: 'his', reflexive: 'himself', was: 'was', is: 'is', has: 'has', does: 'does' }),
  they: Object.freeze({ subject: 'they', object: 'them', possessive: 'their', possessivePronoun: 'theirs', reflexive: 'themself', was: 'were', is: 'are', has: 'have', does: 'do' }),
});

/** Words starting with a vowel letter but a consonant sound ("a unicorn", "a one"). */
const CONSONANT_SOUND = /^(uni|use|usu|eu|one\b|once\b)/i;
/** Words starting with a silent h ("an hour"). */
const SILENT_H = /^(hour|honest|honou?r|heir)/i;

/** "a" or "an" for the noun phrase that follows. */
export function article(phrase: string): 'a' | 'an' {
  const w = phrase.trimStart();
  if (SILENT_H.test(w)) return 'an';
  if (CONSONANT_SOUND.test(w)) return 'a';
  return /^[aeiou]/i.test(w) ? 'an' : 'a';
}

/** The phrase with "a"/"an" in front: "an orange ball". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

/** Possessive of a name or noun phrase: "Lily's", "her mom's". */
export function possessive(phrase: string): string {
  return /s$/.test(phrase) ? `${phrase}'` : `${phrase}'s`;
}

/** Regular English plural ("box" -> "boxes", "berry" -> "berries"); irregular ones live in the lexicon. */
export function plural(noun: string): string {
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** Upper-cases the first letter (after any opening quote). */
export function capitalize(s: string): string {
  const i = s.search(/[A-Za-z]/);
  if (i < 0) return s;
  return s.slice(0, i) + s[i]!.toUpperCase() + s.slice(i + 1);
}

/**
 * Capitalises the first letter and every letter that starts a sentence inside the text: after
 * `. ! ?` and a space, or after `. ! ?`, a space and an opening quote. A closing quote (`!" said`)
 * is left alone, since the speech tag continues the sentence.
 */
export function capitalizeSentences(s: string): string {
  return capitalize(s).replace(/([.!?]) ("?)([a-z])/g, (_m, p: string, q: string, ch: string) => `${p} ${q}${ch.toUpperCase()}`);
}

/** "a", "a and b", "a, b and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Ends a sentence: . ! ? optionally followed by a closing quote. */
const SENTENCE_END = /[.!?]"?$/;

/**
 * A finished sentence: capitalised, checked for its final punctuation and for template debris.
 * Throws when the text is not a sentence, so a broken template fails loudly.
 */
export function sentence(s: string): string {
  const t = capitalizeSentences(s.trim());
  if (!SENTENCE_END.test(t)) throw new Error(`corpus template made a sentence without an end: ${JSON.stringify(t)}`);
  if (/[{}$]|undefined|NaN|\s\s|\s[,.!?]/.test(t)) throw new Error(`corpus template left debris: ${JSON.stringify(t)}`);
  return t;
}

/** What a speaker says: one or more full sentences, capitalised, ending in . ! or ?. */
function checkLine(line: string): string {
  const t = capitalizeSentences(line.trim());
  if (!/[.!?]$/.test(t)) throw new Error(`speech must end in . ! or ?: ${JSON.stringify(t)}`);
  return t;
}

/**
 * Speech tagged after the quote: `"We can find it," said Mom.` A final full stop becomes a
 * comma; ! and ? stay. `tag` is the rest of the sentence ("said Mom", "she asked").
 */
export function speechThenTag(line: string, tag: string): string {
  const t = checkLine(line);
  const q = t.endsWith('.') ? `${t.slice(0, -1)},` : t;
  return `"${q}" ${tag}.`;
}

/** Speech tagged before the quote: `Lily said, "Look at the kite."` (`tag` is "Lily said"). */
export function tagThenSpeech(tag: string, line: string): string {
  return `${tag}, "${checkLine(line)}"`;
}
