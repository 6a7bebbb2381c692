/**
 * Games of catch: short, name-dense documents of the embedded corpus. Two or three children take
 * turns throwing a ball, and every turn says who throws and who catches, so about a quarter of
 * the tokens are names and every name after the first sentence repeats one of the cast. A small
 * model learns to copy a name from its context on these within a few hundred steps, where the
 * stories alone (a name every twenty tokens) take thousands (bench/RESULTS.md, "Why names do
 * not copy"); the demo starts on them and keeps a share of them among its stories.
 */
import { joinList } from './grammar.js';
import { PERSON_NAMES, PLACES } from './lexicon.js';
import { mix32 } from '../../backend/rng.js';
import { Rng, storySeed } from './prng.js';

const BALLS = ['ball', 'red ball', 'big ball', 'blue ball', 'frisbee', 'beach ball'] as const;
const GAME_PLACES = PLACES.filter((p) => ['park', 'beach', 'garden', 'yard', 'meadow', 'hill'].includes(p.id));

/** Options of {@link generateCatchGame}. */
export interface CatchGameOptions {
  /**
   * Chance that the game opens the way the stories do ("Once upon a time, there was a little girl
   * named Kate. Kate had a friend named Tom.") instead of starting with the game (default 0.5).
   * Such openings carry copying over to the stories; without them in the training mix, a model
   * does not turn its "Once upon a time" stories into games.
   */
  storyOpenings?: number;
}

/** The text of the game of catch of `seed` (any safe integer): the same text on every platform. */
export function generateCatchGame(seed: number, opts: CatchGameOptions = {}): string {
  const storyOpenings = opts.storyOpenings ?? 0.5;
  if (!(storyOpenings >= 0 && storyOpenings <= 1)) throw new RangeError(`storyOpenings must be a chance in [0, 1], got ${storyOpenings}`);
  const r = new Rng(seed);
  const people = [...PERSON_NAMES.she.map((n) => [n, 'girl'] as const), ...PERSON_NAMES.he.map((n) => [n, 'boy'] as const)];
  const chosen = r.sample(people, r.chance(0.6) ? 2 : 3);
  const cast = chosen.map(([n]) => n);
  const [A, B] = cast as [string, string];
  const place = r.pick(GAME_PLACES);
  const ball = r.pick(BALLS);
  // Half the games open the way the stories do, so copying a name learned here carries over to them.
  const out: string[] = r.chance(storyOpenings)
    ? [
      r.oneOf(
        () => `Once upon a time, there was a little ${chosen[0]![1]} named ${A}.`,
        () => `Once upon a time, in a little town, there lived a ${chosen[0]![1]} named ${A}.`,
        () => `There was once a happy ${chosen[0]![1]} named ${A}.`,
      ),
      `${A} had a friend named ${B}.`,
      ...(cast.length === 3 ? [`${A} and ${B} also had a friend named ${cast[2]}.`] : []),
      `One day, ${joinList(cast)} went to ${place.name} to play with a ${ball}.`,
    ]
    : [r.oneOf(
      () => `${joinList(cast)} went to ${place.name} to play with a ${ball}.`,
      () => `One day, ${joinList(cast)} played catch ${place.at}.`,
      () => `${A} had a ${ball}, and ${A} asked ${joinList(cast.slice(1))} to play catch ${place.at}.`,
    )];
  let holder = cast[0]!;
  const turns = 6 + r.int(4);
  for (let turn = 0; turn < turns; turn++) {
    const others = cast.filter((c) => c !== holder);
    const to = r.pick(others);
    out.push(r.oneOf(
      () => `${holder} threw the ${ball} to ${to}.`,
      () => `"Catch, ${to}!" said ${holder}.`,
      () => `"Here you go, ${to}!" said ${holder}.`,
      () => `Then ${holder} gave the ${ball} to ${to}.`,
      () => `${holder} threw the ${ball} high, and ${to} ran to get it.`,
    ));
    out.push(r.oneOf(
      () => `${to} caught it.`,
      () => `${to} caught the ${ball}.`,
      () => `"Got it!" said ${to}.`,
      () => `${to} laughed and held the ${ball}.`,
      () => `${to} jumped and caught it.`,
    ));
    holder = to;
  }
  out.push(r.oneOf(
    () => 'They had a lot of fun.',
    () => `${holder} said, "Let's play again tomorrow!"`,
    () => `When the sun went down, ${joinList(cast)} went home happy.`,
  ));
  return out.join(' ');
}

/**
 * Whether document `index` of the stream `seed` is a game of catch when a share `share` of the
 * documents are (a draw independent of the story the game replaces).
 */
export function isCatchGame(seed: number, index: number, share: number): boolean {
  if (share <= 0) return false;
  return mix32((storySeed(seed, index) ^ 0x5bd1e995) >>> 0) / 4294967296 < share;
}

/** Checks a share of games of catch: a number in [0, 1]. */
export function checkCatchShare(share: number): void {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`catchGames must be a share in [0, 1], got ${share}`);
}
