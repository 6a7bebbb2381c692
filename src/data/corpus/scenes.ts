/**
 * Beats shared by the plots: the opening that introduces the hero, the toy's introduction, time
 * phrases, quoted speech with its tag ("said Lily"), feelings and the closing lines. Each beat
 * picks among several wordings so that stories of one plot do not read alike.
 */
import type { Char } from './cast.js';
import type { StoryContext, ToyPick } from './context.js';
import { speechThenTag, tagThenSpeech, withArticle } from './grammar.js';
import { animalCharFact, placeFacts } from './world.js';

/** Sentences of one paragraph. */
export type Paragraph = string[];

const ONE_DAY: readonly string[] = ['One day', 'One day', 'One sunny day', 'One morning', 'One afternoon', 'One bright morning'];
const ONE_MORNING: readonly string[] = ['One day', 'One morning', 'One bright morning'];

/** "One day", "One sunny day", "One morning"... (no comma); `morning`: only phrases that fit a morning. */
export function oneDay(c: StoryContext, morning = false): string {
  return c.r.pick(morning ? ONE_MORNING : ONE_DAY);
}

/** A toy's play phrase with `obj` in its slot: play(t, "her ball") -> "kick her ball". */
export function play(c: StoryContext, t: ToyPick, obj: string, past = false): string {
  const p = c.r.pick(t.toy.play);
  return (past ? p[1] : p[0]).replace('$', obj);
}

/** An activity of the story's place: ["play on the swings", "played on the swings"]. */
export function activity(c: StoryContext): readonly [string, string] {
  return c.r.pick(c.place.activities);
}

/**
 * The opening: one sentence naming the hero, then one or two about where and how they live, then
 * world facts: (mostly) one about an animal hero's sound or food, and two about the story's place.
 */
export function opening(c: StoryContext): Paragraph {
  const A = c.hero, r = c.r, home = A.kind!.home;
  const where = A.person ? 'in a little town' : r.pick(['in a big forest', 'in a green valley']);
  const out: Paragraph = [];
  const withHome = r.oneOf(
    () => { out.push(`Once upon a time, there was ${A.intro}.`); return false; },
    () => { out.push(`Once upon a time, ${where}, there lived ${A.intro}.`); return false; },
    () => { out.push(`There was once ${A.intro}.`); return false; },
    () => { out.push(`${A.name} was ${A.aNoun} who lived ${home}.`); return true; },
    () => { out.push(`Once upon a time, ${A.intro} lived ${home}.`); return true; },
  );
  if (!withHome && r.chance(0.5)) out.push(`${A.he} lived ${home}.`);
  const [act] = activity(c);
  out.push(r.oneOf(
    () => `${A.he} loved to ${act} ${c.place.at}.`,
    () => `Every day, ${A.he} went to ${c.place.name} to ${act}.`,
    () => `${A.poss} favorite place was ${c.place.name}, where ${A.he} liked to ${act}.`,
    () => `${A.he} liked to laugh and play all day.`,
  ));
  const own = r.chance(0.7) ? animalCharFact(c, A) : null;
  if (own) out.push(own);
  out.push(...placeFacts(c, 2));
  return out;
}

/** A sentence about the day, what can be seen there (the place's sights) or a fact of the place, or nothing. */
export function scenery(c: StoryContext, who: Char = c.hero): string[] {
  const r = c.r, P = c.place;
  if (r.chance(0.3)) return [];
  if (r.chance(0.5)) return placeFacts(c, 1);
  const [s1, s2] = r.sample(P.sights, 2);
  return [r.pick([
    'The sun was shining, and the birds were singing.',
    'The sky was blue, and a soft wind was blowing.',
    'It was a warm and sunny day.',
    'The air was fresh and cool.',
    `${who.he} could see ${s1} and ${s2}.`,
    `${P.at}, ${who.he} saw ${s1}.`,
  ])];
}

/**
 * Two characters, each with a toy of their own: "Lily had a red ball, and Max had a blue kite.",
 * then who played with what ("Lily kicked her ball, and Max flew his kite.").
 */
export function ownToys(c: StoryContext, a: Char, b: Char): string[] {
  const ta = c.newToy(), tb = c.newToy();
  return [
    `${a.name} had ${withArticle(ta.np)}, and ${b.name} had ${withArticle(tb.np)}.`,
    c.r.oneOf(
      () => `${a.name} ${play(c, ta, `${a.his} ${ta.toy.noun}`, true)}, and ${b.name} ${play(c, tb, `${b.his} ${tb.toy.noun}`, true)}.`,
      () => `First they played with ${b.poss} ${tb.toy.noun}, and then they played with ${a.poss} ${ta.toy.noun}.`,
    ),
  ];
}

/** Introduces the hero's toy (the one the plot will use). */
export function introduceToy(c: StoryContext, who: Char, t: ToyPick): string {
  return c.r.oneOf(
    () => `${who.he} had ${withArticle(t.np)} that ${who.he} loved very much.`,
    () => `${who.poss} favorite thing in the world was ${withArticle(t.np)}.`,
    () => `${who.he} had ${withArticle(t.np)}, and ${who.he} loved to ${play(c, t, 'it')} every day.`,
    () => `Every day, ${who.he} played with ${who.his} ${t.np}.`,
  );
}

/** A friend's name at first mention: "Max", or "Pip the bird" for an animal. */
export function friendName(b: Char): string {
  return b.person ? b.name : `${b.name} the ${b.noun}`;
}

/**
 * First mention of a helper: "her mom" for a grown-up, "her friend Max" (or "her friend Pip the
 * bird") for a friend.
 */
export function helperIntro(c: StoryContext, who: Char): string {
  return who.adult ? who.ref : `${c.hero.his} friend ${friendName(who)}`;
}

/** How a speech verb is chosen when none is given. */
function defaultVerb(line: string): string {
  return line.trimEnd().endsWith('?') ? 'asked' : 'said';
}

/**
 * One line of quoted speech with its tag: `"Look!" said Lily.`, `Lily said, "Look!"` or
 * (less often, for the hero alone) `"Look!" she said.` The verb defaults to "asked" for a question, else "said".
 */
export function say(c: StoryContext, who: Char, line: string, verb = defaultVerb(line)): string {
  // "said Lily" only for a one-word verb; "said softly" goes after the name ("Lily said softly").
  const verbFirst = verb.includes(' ') ? `${who.ref} ${verb}` : `${verb} ${who.ref}`;
  // "she said" only for the hero, only when no one else in the story is a "she" (never "they said").
  const pronounOk = who === c.hero && who.pronoun !== 'they' && !c.cast.some((o) => o !== who && o.pronoun === who.pronoun);
  const form = c.r.weighted([0, 1, 2], [5, 4, 2]);
  if (form === 0) return speechThenTag(line, verbFirst);
  if (form === 1 || !pronounOk) return tagThenSpeech(`${who.ref} ${verb}`, line);
  return speechThenTag(line, `${who.he} ${verb}`);
}

/** Speech after an action: `Mom smiled and said, "We can fix it."` */
export function sayAfter(who: Char, action: string, line: string): string {
  return tagThenSpeech(`${who.ref} ${action} and ${defaultVerb(line)}`, line);
}

/** A sentence telling how a character feels: "Lily felt very sad." */
export function feels(c: StoryContext, who: Char, feeling: string): string {
  return c.r.oneOf(
    () => `${who.ref} felt very ${feeling}.`,
    () => `${who.ref} was very ${feeling}.`,
    () => `${who.he} felt ${feeling}.`,
  );
}

/** A closing line about the hero's happiness. */
export function happyEnd(c: StoryContext): string {
  const A = c.hero;
  return c.r.oneOf(
    () => `${A.name} smiled. It was a very good day.`,
    () => `That night, ${A.name} went to bed with a big smile.`,
    () => `${A.name} was very happy.`,
    () => `It was the best day ever.`,
  );
}
