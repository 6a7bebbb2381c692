// The embedded story corpus: determinism (pinned PRNG draws), structure of every sentence
// (capitals, end punctuation, quotes and speech tags), a/an, pronoun agreement and consistency
// checked against each story's facts, names and toys that match the facts, bounded vocabulary,
// diversity, speed, the TinyStories file format, and the `storygrad corpus` command.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADULTS, ANIMAL_NAMES, KINDS, PERSON_NAMES, PLACES, PLOT_IDS, TOYS, Rng, corpusText, generateStories, generateStory,
  generateStoryWithFacts, seedKey, storySeed, storyStream, writeCorpusFile, type Story, generateCatchGame, isCatchGame,
  ANIMAL_FACTS, THING_FACTS, WORLD_FACTS,
} from '../src/data/corpus/index.js';
import { main } from '../src/cli/main.js';

const N = 2000;
const STORIES: Story[] = Array.from({ length: N }, (_, i) => generateStoryWithFacts(storySeed(1, i)));

const ALL_NAMES = new Set([...Object.values(PERSON_NAMES).flat(), ...Object.values(ANIMAL_NAMES).flat()]);
const SPEECH_TAG_WORDS = new Set(['said', 'asked', 'shouted', 'cried', 'she', 'he', 'they']);
const HE = ['he', 'him', 'his', 'himself'];
const SHE = ['she', 'her', 'hers', 'herself'];

const words = (text: string): string[] => text.match(/[A-Za-z]+(?:'[a-z]+)*/g) ?? [];

/** Problems with the sentence structure of one paragraph (empty when fine). */
function structureProblems(para: string, castNames: ReadonlySet<string>): string[] {
  const bad: string[] = [];
  if (para !== para.trim() || para.length === 0) bad.push('blank or padded paragraph');
  if (!/^"?[A-Z]/.test(para)) bad.push(`paragraph does not start with a capital: ${para.slice(0, 30)}`);
  if (!/[.!?]"?$/.test(para)) bad.push(`paragraph does not end a sentence: ${para.slice(-30)}`);
  if (((para.match(/"/g) ?? []).length & 1) !== 0) bad.push('odd number of quotes');
  let inQuote = false;
  for (let i = 0; i < para.length; i++) {
    const ch = para[i]!;
    const rest = para.slice(i + 1);
    if (ch === '"') {
      if (!inQuote) {
        if (i > 0 && para[i - 1] !== ' ') bad.push(`opening quote glued to text at ${i}`);
        if (!/^[A-Z]/.test(rest)) bad.push(`speech starts without a capital: ${rest.slice(0, 20)}`);
      } else {
        if (!/[.!?,]/.test(para[i - 1]!)) bad.push(`speech ends without punctuation: ${para.slice(i - 20, i + 1)}`);
        const next = /^ (\S+)/.exec(rest);
        if (rest.length && !next) bad.push(`closing quote not followed by a space: ${para.slice(i - 10, i + 10)}`);
        if (next) {
          const w = next[1]!.replace(/[^A-Za-z]/g, '');
          if (para[i - 1] === ',') {
            // "…," said Lily. / "…," she said. / "…," her mom said.
            if (!SPEECH_TAG_WORDS.has(w) && !castNames.has(w) && !/^(Her|His|Their)$/.test(w)) bad.push(`comma speech not followed by a tag: ${para.slice(i - 10, i + 20)}`);
          } else if (/^[a-z]/.test(w) && !SPEECH_TAG_WORDS.has(w)) {
            bad.push(`lowercase word after a finished quote: ${para.slice(i - 10, i + 20)}`);
          }
        }
      }
      inQuote = !inQuote;
      continue;
    }
    if (/[.!?]/.test(ch) && rest.startsWith(' ') && !rest.startsWith(' "') && para[i + 1] !== '"') {
      // A sentence ended (in narration or inside speech): the next one starts with a capital.
      if (!/^ [A-Z]/.test(rest)) bad.push(`sentence starts lowercase: ${para.slice(i - 15, i + 15)}`);
    }
    if (ch === '.' && rest.startsWith(' "') && !/^ "[A-Z]/.test(rest)) bad.push(`speech after a sentence starts lowercase at ${i}`);
  }
  if (inQuote) bad.push('unclosed quote');
  return bad;
}

/** a/an errors in a text, by an independent rule: "an" before a vowel sound, "a" before a consonant. */
function articleProblems(text: string): string[] {
  const bad: string[] = [];
  for (const m of text.matchAll(/\b(a|an|A|An) ([A-Za-z]+)/g)) {
    const art = m[1]!.toLowerCase(), w = m[2]!.toLowerCase();
    const vowelSound = /^(hour|honest)/.test(w) || (/^[aeiou]/.test(w) && !/^(uni|use|one|once|eu)/.test(w));
    if ((art === 'an') !== vowelSound) bad.push(m[0]);
  }
  return bad;
}

/**
 * Sentences of a paragraph: a sentence ends at . ! ? outside speech, or at a closing quote after
 * . ! ? when a capital or a new quote follows (not before a tag: `"Look!" said Lily.`).
 */
function sentencesOf(para: string): string[] {
  const out: string[] = [];
  let start = 0, inQuote = false;
  for (let i = 0; i < para.length; i++) {
    const ch = para[i]!;
    if (ch === '"') inQuote = !inQuote;
    const ends = inQuote ? false : ch === '"' ? /[.!?]/.test(para[i - 1]!) : /[.!?]/.test(ch);
    if (ends && /^ ["A-Z]/.test(para.slice(i + 1, i + 3))) {
      out.push(para.slice(start, i + 1));
      start = i + 2;
    }
  }
  out.push(para.slice(start));
  return out;
}

describe('corpus: determinism and seeds', () => {
  it('the PRNG draws are pinned (the same on every platform)', () => {
    const r = new Rng(42);
    expect([r.next(), r.next(), r.next(), r.next()]).toEqual(PINNED_DRAWS);
    expect(seedKey(0)).toBe(seedKey(0));
    expect(seedKey(-1)).not.toBe(seedKey(2 ** 32 - 1 + 2 ** 32)); // both halves of the seed count
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
  });
  it('the same seed gives the same story; generateStories is the stream of storySeed', () => {
    for (const seed of [0, 1, -7, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      expect(generateStory(seed)).toBe(generateStory(seed));
    }
    const a = generateStories({ seed: 9, count: 20 });
    expect(a).toEqual(generateStories({ seed: 9, count: 20 }));
    expect(a).toEqual(Array.from({ length: 20 }, (_, i) => generateStory(storySeed(9, i))));
    expect(generateStories({ seed: 9, count: 5, start: 15 })).toEqual(a.slice(15));
    const it = storyStream(9, 3);
    expect([it.next().value, it.next().value]).toEqual(a.slice(3, 5));
  });
  it('the text of a fixed seed range is pinned (update deliberately when templates change)', () => {
    expect(fnv1a(generateStories({ seed: 2024, count: 50 }).join('\n'))).toBe(PINNED_TEXT_HASH);
  });
  it('different seeds give different stories', () => {
    const texts = new Set(generateStories({ seed: 5, count: 200 }));
    expect(texts.size).toBe(200);
    expect(generateStory(1)).not.toBe(generateStory(2));
    expect(generateStories({ seed: 1, count: 10 })).not.toEqual(generateStories({ seed: 2, count: 10 }));
  });
  it('a plot can be forced, and every plot shape occurs', () => {
    for (const plot of PLOT_IDS) expect(generateStoryWithFacts(3, { plot }).facts.plot).toBe(plot);
    expect(() => generateStoryWithFacts(3, { plot: 'nope' as never })).toThrow(/unknown plot/);
    const counts = new Map<string, number>();
    for (const s of STORIES) counts.set(s.facts.plot, (counts.get(s.facts.plot) ?? 0) + 1);
    expect(PLOT_IDS.length).toBeGreaterThanOrEqual(10);
    for (const p of PLOT_IDS) expect(counts.get(p) ?? 0, p).toBeGreaterThan(N / PLOT_IDS.length / 2);
  });
});

describe('corpus: games of catch', () => {
  const GAMES = Array.from({ length: 300 }, (_, i) => generateCatchGame(storySeed(3, i)));
  const PEOPLE = new Set(Object.values(PERSON_NAMES).flat());
  it('are deterministic, well formed and name-dense: a name is at least a sixth of the words', () => {
    expect(generateCatchGame(77)).toBe(generateCatchGame(77));
    expect(new Set(GAMES).size).toBe(300);
    for (const g of GAMES) {
      const names = words(g).filter((w) => ALL_NAMES.has(w));
      expect(names.every((n) => PEOPLE.has(n)), g).toBe(true);
      expect(names.length / words(g).length, g).toBeGreaterThan(1 / 6);
      expect(structureProblems(g, new Set(names)), g).toEqual([]);
    }
  });
  it('keep to a cast of 2 or 3, each named at least three times, and every throw goes to someone else', () => {
    let storyLike = 0;
    for (const g of GAMES) {
      const counts = new Map<string, number>();
      for (const w of words(g)) if (ALL_NAMES.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
      expect(counts.size === 2 || counts.size === 3, g).toBe(true);
      for (const [n, k] of counts) expect(k, `${n} in ${g}`).toBeGreaterThanOrEqual(3);
      for (const m of g.matchAll(/(\w+) threw the [a-z ]+? to (\w+)\./g)) expect(m[1]).not.toBe(m[2]);
      if (/^(Once upon a time|There was once)/.test(g)) storyLike++;
    }
    expect(storyLike).toBeGreaterThan(100); // about half open the way the stories do
    expect(storyLike).toBeLessThan(200);
  });
  it('storyOpenings sets the chance of a story-like opening: 0 never, 1 always', () => {
    const opens = (g: string) => /^(Once upon a time|There was once)/.test(g);
    for (let i = 0; i < 100; i++) {
      expect(opens(generateCatchGame(storySeed(3, i), { storyOpenings: 0 }))).toBe(false);
      expect(opens(generateCatchGame(storySeed(3, i), { storyOpenings: 1 }))).toBe(true);
    }
    expect(generateCatchGame(5, { storyOpenings: 0.5 })).toBe(generateCatchGame(5));
    expect(() => generateCatchGame(5, { storyOpenings: 2 })).toThrow(/storyOpenings must be a chance in \[0, 1\], got 2/);
    const docs = generateStories({ seed: 8, count: 200, catchGames: 0.5, catchStoryOpenings: 0 });
    const games = docs.filter((_, i) => isCatchGame(8, i, 0.5));
    expect(games.length).toBeGreaterThan(50);
    expect(games.some(opens)).toBe(false);
  });
  it('replace a share of a stream\'s documents and leave the other stories as they were', () => {
    const plain = generateStories({ seed: 8, count: 1000 });
    const mixed = generateStories({ seed: 8, count: 1000, catchGames: 0.2 });
    const games = mixed.filter((d, i) => d !== plain[i]);
    expect(games.length).toBeGreaterThan(160);
    expect(games.length).toBeLessThan(240);
    mixed.forEach((d, i) => expect(d).toBe(isCatchGame(8, i, 0.2) ? generateCatchGame(storySeed(8, i)) : plain[i]));
    expect(generateStories({ seed: 8, count: 30, catchGames: 1 })).toEqual(Array.from({ length: 30 }, (_, i) => generateCatchGame(storySeed(8, i))));
    expect(generateStories({ seed: 8, count: 30, catchGames: 0 })).toEqual(plain.slice(0, 30));
    const it = storyStream(8, 10, 0.2);
    expect([it.next().value, it.next().value]).toEqual(mixed.slice(10, 12));
    const plainOpenings = generateStories({ seed: 8, count: 40, catchGames: 0.5, catchStoryOpenings: 0 });
    const stream = storyStream(8, 0, 0.5, 0);
    expect(Array.from({ length: 40 }, () => stream.next().value)).toEqual(plainOpenings);
    expect(plainOpenings).not.toEqual(generateStories({ seed: 8, count: 40, catchGames: 0.5 }));
    expect(() => storyStream(8, 0, 0.5, 2).next()).toThrow(/catchStoryOpenings must be a chance in \[0, 1\], got 2/);
    expect(() => generateStories({ seed: 8, count: 3, catchGames: 1.5 })).toThrow(/catchGames must be a share in \[0, 1\], got 1.5/);
  });
});

describe('corpus: every story is well formed', () => {
  it('has no template debris', () => {
    for (const { text } of STORIES) {
      expect(text).not.toMatch(/[{}$\\]|undefined|NaN|null|\[object|  | [,.!?]|\.\.|,,|^\s|\s$/);
      expect(text).not.toMatch(/\bi\b/); // the pronoun I is always a capital
    }
  });
  it('has 80-250 words in 3-5 paragraphs', () => {
    for (const { text } of STORIES) {
      const n = words(text).length;
      expect(n).toBeGreaterThanOrEqual(80);
      expect(n).toBeLessThanOrEqual(250);
      const paras = text.split('\n').length;
      expect(paras).toBeGreaterThanOrEqual(3);
      expect(paras).toBeLessThanOrEqual(5);
    }
  });
  it('starts with a sentence that introduces the hero by name and kind', () => {
    for (const { text, facts } of STORIES) {
      const hero = facts.cast[0]!;
      expect(hero.role).toBe('hero');
      const first = sentencesOf(text.split('\n')[0]!)[0]!;
      expect(first).toContain(hero.name);
      expect(first).toMatch(new RegExp(`\\b${KINDS[hero.kind as keyof typeof KINDS].noun}\\b`));
    }
  });
  it('capitalises every sentence, ends each with . ! ? or a closing quote, and balances quotes', () => {
    for (const { text, facts } of STORIES) {
      const names = new Set(facts.cast.map((c) => c.name));
      for (const para of text.split('\n')) expect(structureProblems(para, names), para).toEqual([]);
    }
  });
  it('uses a and an correctly', () => {
    for (const { text } of STORIES) expect(articleProblems(text), text).toEqual([]);
  });
});

describe('corpus: characters and things stay consistent', () => {
  it('every named character of the facts appears more than once, and no other name appears', () => {
    for (const { text, facts } of STORIES) {
      const cast = new Set(facts.cast.map((c) => c.name));
      for (const c of facts.cast) {
        if (c.role !== 'parent') expect(text.match(new RegExp(`\\b${c.name}\\b`, 'g'))?.length ?? 0, `${c.name}: ${text}`).toBeGreaterThan(1);
      }
      for (const w of new Set(words(text))) if (ALL_NAMES.has(w)) expect(cast.has(w), `${w} in ${text}`).toBe(true);
      // A grown-up is mentioned only when the facts have them.
      for (const a of ADULTS) {
        if (new RegExp(`\\b${a.noun}\\b`, 'i').test(text)) expect(facts.cast.some((c) => c.kind === a.id), `${a.noun}: ${text}`).toBe(true);
      }
    }
  });
  it('every other character is introduced when first named ("her friend Max", "a boy named Max")', () => {
    const intro = /(friend |named |called |call (him|her) |name will be |named the \w+ |called the \w+ |called (him|her) )$/;
    const bad: string[] = [];
    for (const { text, facts } of STORIES) {
      for (const c of facts.cast.slice(1)) {
        if (c.role === 'parent') continue;
        const k = text.search(new RegExp(`\\b${c.name}\\b`));
        const before = text.slice(Math.max(0, k - 30), k), after = text.slice(k + c.name.length, k + c.name.length + 20);
        if (!intro.test(before) && !after.startsWith(' is a good name')) bad.push(`${before}[${c.name}]${after}`);
      }
    }
    expect(bad).toEqual([]);
  });
  it('the lexicon is read-only, all the way down', () => {
    expect(() => (PLACES[0]!.spots as string[]).push('on the moon')).toThrow(TypeError);
    expect(() => ((KINDS.girl.move as unknown as string[])[0] = 'fly')).toThrow(TypeError);
    expect(() => (PERSON_NAMES.she as string[]).push('Zed')).toThrow(TypeError);
    expect(() => ((TOYS[0]!.play[0] as unknown as string[])[0] = 'eat $')).toThrow(TypeError);
  });
  it('no name is also an ordinary word of the corpus', () => {
    const lower = new Set(STORIES.flatMap((s) => words(s.text).filter((w) => /^[a-z]/.test(w))));
    for (const n of ALL_NAMES) expect(lower.has(n.toLowerCase()), n).toBe(false);
  });
  it('pronouns agree with the cast: no "he" forms without a he, no "she" forms without a she', () => {
    let checked = 0;
    for (const { text, facts } of STORIES) {
      const ps = new Set(facts.cast.map((c) => c.pronoun));
      const ws = new Set(words(text).map((w) => w.toLowerCase()));
      if (!ps.has('he')) { checked++; for (const w of HE) expect(ws.has(w), `${w}: ${text}`).toBe(false); }
      if (!ps.has('she')) { checked++; for (const w of SHE) expect(ws.has(w), `${w}: ${text}`).toBe(false); }
    }
    expect(checked).toBeGreaterThan(N / 4); // the check had many stories to bite on
  });
  it('a sentence about one named character uses only that character\'s pronouns', () => {
    // Narration only (speech removed); sentences that also name a grown-up, a friend or an animal
    // by noun are skipped, since their pronouns may point there.
    const others = new RegExp(`\\b(${['mom', 'dad', 'grandma', 'grandpa', 'friend', 'friends', 'family', 'kitten', 'puppy', 'snowman', 'mother', 'baby', 'lamb', 'pig',
      ...Object.values(KINDS).flatMap((k) => [k.noun, k.plural])].join('|')})\\b`, 'i');
    let checked = 0;
    const bad: string[] = [];
    for (const { text, facts } of STORIES) {
      const named = facts.cast.filter((c) => c.role !== 'parent').map((c) => ({ c, re: new RegExp(`\\b${c.name}\\b`) }));
      for (const para of text.split('\n')) {
        for (const s of sentencesOf(para)) {
          const narration = s.replace(/"[^"]*"/g, ' ');
          const present = named.filter(({ re }) => re.test(narration)).map(({ c }) => c);
          if (present.length !== 1 || others.test(narration)) continue;
          const who = present[0]!;
          const ws = words(narration).map((w) => w.toLowerCase());
          const wrong = who.pronoun === 'she' ? HE : who.pronoun === 'he' ? SHE : [...HE, ...SHE];
          if (ws.some((w) => wrong.includes(w))) bad.push(`${who.name} (${who.pronoun}): ${s}`);
          if (ws.some((w) => [...HE, ...SHE, 'they', 'their', 'them'].includes(w))) checked++;
        }
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(N);
  });
  it('singular "they" takes plural verbs, and he/she take singular ones', () => {
    for (const { text } of STORIES) {
      expect(text).not.toMatch(/\bthey (was|is|has|does|wasn't|isn't|doesn't|loves|likes|wants|needs)\b/i);
      expect(text).not.toMatch(/\b(he|she) (were|are|have|do|don't)\b/i);
    }
    expect(STORIES.some((s) => s.facts.cast[0]!.pronoun === 'they')).toBe(true);
  });
  it('the second sentence is about the hero', () => {
    const forms = { she: ['she', 'her'], he: ['he', 'his', 'him'], they: ['they', 'their', 'them'] } as const;
    for (const { text, facts } of STORIES) {
      const hero = facts.cast[0]!;
      const second = sentencesOf(text.split('\n')[0]!)[1]!;
      const ws = words(second).map((w) => w.toLowerCase());
      const about = second.includes(hero.name) || ws.some((w) => (forms[hero.pronoun] as readonly string[]).includes(w));
      expect(about, `${hero.name}: ${second}`).toBe(true);
    }
  });
  it('the toys in the text are exactly the toys of the facts, each with its own describing word', () => {
    const toyRe = new Map(TOYS.map((t) => [t.noun, new RegExp(`\\b${t.noun}\\b`)]));
    const bad: string[] = [];
    for (const { text, facts } of STORIES) {
      const mine = new Set(facts.toys.map((t) => t.noun));
      for (const toy of TOYS) {
        if (toyRe.get(toy.noun)!.test(text) !== mine.has(toy.noun)) bad.push(`${toy.noun} (in facts: ${mine.has(toy.noun)}): ${text}`);
      }
      for (const t of facts.toys) if (!text.includes(`${t.adjective} ${t.noun}`)) bad.push(`no "${t.adjective} ${t.noun}": ${text}`);
    }
    expect(bad).toEqual([]);
  });
  it('two children with their own toys: the next sentence plays with each toy by its owner', () => {
    const own = /\b([A-Z][a-z]+) had an? ([a-z]+) ([a-z]+(?: [a-z]+)?), and ([A-Z][a-z]+) had an? ([a-z]+) ([a-z]+(?: [a-z]+)?)\./;
    let n = 0;
    for (const { text, facts } of STORIES) {
      const ss = text.split('\n').flatMap(sentencesOf);
      ss.forEach((s, i) => {
        const m = own.exec(s);
        if (!m) return;
        n++;
        const [, a, adjA, toyA, b, adjB, toyB] = m as unknown as string[];
        expect(facts.toys).toContainEqual({ noun: toyA, adjective: adjA });
        expect(facts.toys).toContainEqual({ noun: toyB, adjective: adjB });
        const next = ss[i + 1]!;
        const plays = (who: string, toy: string) => new RegExp(`\\b${who}'s ${toy}\\b|\\b${who} [a-z ]*?\\b(her|his|their) ${toy}\\b`).test(next);
        expect(plays(a!, toyA!) && plays(b!, toyB!), `${s} ${next}`).toBe(true);
        expect(plays(a!, toyB!) || plays(b!, toyA!), `${s} ${next}`).toBe(false);
      });
    }
    expect(n).toBeGreaterThan(50);
  });
  it('the lost toy is the one introduced at the start and the one found at the end', () => {
    let n = 0;
    for (const { text, facts } of STORIES) {
      if (facts.plot !== 'lost-toy') continue;
      n++;
      const t = facts.toys[0]!;
      const paras = text.split('\n');
      expect(paras[0]).toContain(`${t.adjective} ${t.noun}`);
      expect(paras[paras.length - 1]).toMatch(new RegExp(`\\b${t.noun}\\b`));
      expect(facts.toys).toHaveLength(1);
    }
    expect(n).toBeGreaterThan(50);
  });
  it('structure holds for arbitrary seeds and plots (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.constantFrom(...PLOT_IDS), (seed, plot) => {
        const { text, facts } = generateStoryWithFacts(seed, { plot });
        const names = new Set(facts.cast.map((c) => c.name));
        for (const para of text.split('\n')) expect(structureProblems(para, names)).toEqual([]);
        expect(articleProblems(text)).toEqual([]);
        expect(text).toContain(facts.cast[0]!.name);
        const n = words(text).length;
        // About 1 seed in 16,000 gives a story just over 250 words (seed 8670361606610829, plot
        // 'new-friend': 251 words, well formed); the longest of 250,000 random seeds had 254.
        return n >= 80 && n <= 270 && !/[{}$]|undefined|NaN/.test(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('corpus: world facts', () => {
  const TEXT = STORIES.map((s) => s.text).join('\n');
  const count = (re: RegExp) => (TEXT.match(re) ?? []).length;
  /**
   * How a story states a fact about a thing or an animal named by its noun, by an independent
   * reading of the sentences (not the templates). Characters are checked by name further down.
   */
  const stated = (kind: string, subject: string, value: string): RegExp => {
    const a = ANIMAL_FACTS.find((x) => x.noun === subject);
    const sounder = ANIMAL_FACTS.find((x) => x.sound?.[1] === value); // whose sound `value` is
    switch (kind) {
      case 'color': case 'property':
        return new RegExp(`\\b[Tt]he ${subject}\\b( [a-z]+ the [a-z]+)? (was|were|felt|tasted|looked)( very)? ${value}\\b|\\bthe ${value} ${subject}\\b`, 'g');
      case 'sound':
        return new RegExp(`\\b[Aa]n? ${subject} (${sounder!.sound![0]}|${value})\\b|\\b[Aa]n? ${subject} said, "${sounder!.sound![2]}!`, 'g');
      case 'food':
        return new RegExp(`\\b(an? ${subject} was eating some|${a!.plural} like to eat) ${value}\\b`, 'gi');
      default:
        return new RegExp(`\\b(an? ${subject} lived in an?|an? ${subject} go into its) ${value}\\b`, 'gi');
    }
  };
  const STATED = WORLD_FACTS.map((f) => stated(f.kind, f.subject, f.value));

  it('the table is consistent: no value among its own wrong values, at least three wrong values, animals agree with the lexicon', () => {
    for (const f of WORLD_FACTS) {
      expect(f.wrong, `${f.kind} ${f.subject}`).not.toContain(f.value);
      expect(new Set(f.wrong).size, `${f.kind} ${f.subject}`).toBe(f.wrong.length);
      expect(f.wrong.length, `${f.kind} ${f.subject}`).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(WORLD_FACTS.map((f) => `${f.kind} ${f.subject}`)).size).toBe(WORLD_FACTS.length);
    for (const k of Object.values(KINDS)) {
      const a = ANIMAL_FACTS.find((x) => x.noun === k.noun);
      if (k.sound) expect(a?.sound?.[1], k.noun).toBe(k.sound);
      if (a?.home) expect(k.home, k.noun).toMatch(new RegExp(`\\b${a.home}\\b`));
    }
  });
  it('every fact is stated several times in 2000 stories, so a model can learn it', () => {
    const counts = WORLD_FACTS.map((f, i) => [`${f.kind} ${f.subject} ${f.value}`, count(STATED[i]!)] as const);
    expect(counts.filter(([, n]) => n < 4)).toEqual([]);
    expect(counts.reduce((s, [, n]) => s + n, 0)).toBeGreaterThan(N); // more than one fact per story on average
  });
  it('no story contradicts a fact, and every wrong value is a corpus word (a distractor the model has seen)', () => {
    const words_ = new Set(words(TEXT).map((w) => w.toLowerCase()));
    for (const f of WORLD_FACTS) {
      for (const w of f.wrong) {
        expect(words_.has(w), `${w} (wrong for ${f.subject})`).toBe(true);
        expect(count(stated(f.kind, f.subject, w)), `"${f.subject}" stated as "${w}"`).toBe(0);
      }
    }
  });
  it('fact sentences are well formed: capitalised, with a or an by the following sound', () => {
    // The structure and a/an tests above read every story; these are the fact sentences among them.
    const facts = STORIES.flatMap((s) => s.text.split('\n').flatMap(sentencesOf))
      .filter((s) => STATED.some((re) => { re.lastIndex = 0; return re.test(s); }));
    expect(facts.length).toBeGreaterThan(N);
    expect(facts.some((s) => /\ban owl\b/.test(s))).toBe(true);
    for (const s of facts) {
      expect(s, s).toMatch(/^"?[A-Z]/);
      expect(s, s).toMatch(/[.!?]"?$/);
      expect(articleProblems(s), s).toEqual([]);
    }
    expect(THING_FACTS.filter((f) => f.plural).every((f) => !new RegExp(`\\bThe ${f.thing} was\\b`).test(TEXT))).toBe(true);
    expect(THING_FACTS.filter((f) => !f.plural).every((f) => !new RegExp(`\\bThe ${f.thing} were\\b`).test(TEXT))).toBe(true);
  });
  it('an animal character makes its own kind\'s sound and eats its own kind\'s food', () => {
    const sounds = ANIMAL_FACTS.flatMap((a) => (a.sound ? [a.sound[1]] : []));
    const foods = ANIMAL_FACTS.flatMap((a) => (a.food ? [a.food] : []));
    let checked = 0;
    for (const { text, facts } of STORIES) {
      for (const m of facts.cast) {
        const a = ANIMAL_FACTS.find((x) => x.noun === m.kind);
        if (!a) continue;
        for (const w of sounds) {
          const n = text.match(new RegExp(`\\b${m.name},? (he |she )?${w}\\b`, 'g'))?.length ?? 0;
          if (w === a.sound?.[1]) checked += n;
          else expect(n, `${m.name} the ${m.kind} ${w}: ${text}`).toBe(0);
        }
        for (const w of foods) {
          const n = text.match(new RegExp(`\\b${m.name} (loved to eat|ate some) ${w}\\b`, 'g'))?.length ?? 0;
          if (w === a.food) checked += n;
          else expect(n, `${m.name} the ${m.kind} eats ${w}: ${text}`).toBe(0);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('corpus: vocabulary, diversity, speed', () => {
  it('keeps a bounded vocabulary', () => {
    const vocab = new Set(STORIES.flatMap((s) => words(s.text).map((w) => w.toLowerCase())));
    expect(vocab.size).toBeGreaterThan(500);
    expect(vocab.size).toBeLessThanOrEqual(1500);
  });
  it('has few duplicates, even with names taken out, and many different openings', () => {
    const texts = STORIES.map((s) => s.text);
    expect(new Set(texts).size).toBeGreaterThan(N * 0.99);
    const delex = STORIES.map(({ text, facts }) => facts.cast.reduce((t, c) => t.replaceAll(c.name, 'NAME'), text));
    expect(new Set(delex).size).toBeGreaterThan(N * 0.99);
    const firsts = new Set(texts.map((t) => sentencesOf(t)[0]));
    expect(firsts.size).toBeGreaterThan(N * 0.4);
    // Sentences (names taken out): no story shares more than 90% of them with any other story.
    const sets = delex.slice(0, 1000).map((t) => new Set(t.split('\n').flatMap(sentencesOf)));
    const where = new Map<string, number[]>();
    sets.forEach((ss, i) => ss.forEach((s) => {
      const list = where.get(s);
      if (list) list.push(i);
      else where.set(s, [i]);
    }));
    let worst = 0;
    sets.forEach((ss, i) => {
      const shared = new Map<number, number>();
      for (const s of ss) for (const j of where.get(s)!) if (j !== i) shared.set(j, (shared.get(j) ?? 0) + 1);
      for (const k of shared.values()) worst = Math.max(worst, k / ss.size);
    });
    expect(worst).toBeLessThan(0.9);
  });
  it(`generates ${N} stories in well under two seconds`, () => {
    const t0 = performance.now();
    generateStories({ seed: 77, count: N });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('corpus: files and the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storygrad-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('corpusText follows the TinyStories file format', () => {
    const stories = generateStories({ seed: 3, count: 4 });
    const text = corpusText(stories);
    expect(text).toBe(stories.map((s) => `${s}\n<|endoftext|>\n`).join(''));
    expect(text.split('\n<|endoftext|>\n').slice(0, -1)).toEqual(stories);
    expect(corpusText(stories, '###')).toContain('\n###\n');
    expect(() => corpusText(stories, 'a\nb')).toThrow(RangeError);
    const ts = fileURLToPath(new URL('../../shared/data/tinystories/train.txt', import.meta.url));
    if (existsSync(ts)) {
      const head = readFileSync(ts, 'utf8').slice(0, 20000);
      // Same layout as the real file: stories end with a line holding only <|endoftext|>.
      expect(head).toMatch(/\n<\|endoftext\|>\n/);
      expect(text).toMatch(/\n<\|endoftext\|>\n$/);
    }
  });
  it('writeCorpusFile writes the corpus text atomically', async () => {
    const path = join(dir, 'c.txt');
    const res = await writeCorpusFile(path, { seed: 11, count: 25 });
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(corpusText(generateStories({ seed: 11, count: 25 })));
    expect(res).toEqual({ stories: 25, bytes: Buffer.byteLength(text) });
  });
  it('storygrad corpus --out FILE --stories N --seed S', async () => {
    const path = join(dir, 'cli.txt');
    const out: string[] = [], err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(['corpus', '--out', path, '--stories', '30', '--seed', '4'], io)).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(corpusText(generateStories({ seed: 4, count: 30 })));
    expect(out.join('\n')).toMatch(/30 stories/);
    expect(await main(['corpus', '--out', path, '--stories', '-1'], io)).toBe(2);
    const shown: string[] = [];
    expect(await main(['corpus', '--print', '--stories', '2', '--seed', '4'], { out: (l) => shown.push(l), err: io.err })).toBe(0);
    expect(shown.join('\n')).toBe(corpusText(generateStories({ seed: 4, count: 2 })).trimEnd());
  });
});

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// Computed independently (Python, u32 arithmetic) from the formula in src/data/corpus/prng.ts.
const PINNED_DRAWS = [1396641924, 138755876, 323899635, 2936936049];
// FNV-1a of generateStories({ seed: 2024, count: 50 }); changes whenever a template or list changes.
const PINNED_TEXT_HASH = 3699472051;
