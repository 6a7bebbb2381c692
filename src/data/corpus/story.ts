/**
 * Assembling stories: a seed picks the place, the hero and the plot; the plot tells paragraphs of
 * sentences; every sentence is checked and capitalised; paragraphs are joined by newlines. The
 * story's facts (plot, place, cast with pronouns, toys) come back beside the text so tests and
 * probes can check what the text must say.
 */
import type { CastMember } from './cast.js';
import { StoryContext } from './context.js';
import { sentence } from './grammar.js';
import { PLACES, type Place } from './lexicon.js';
import { PLOTS, type PlotId } from './plots/index.js';
import { Rng, storySeed } from './prng.js';
import { checkCatchShare, generateCatchGame, isCatchGame } from './catch-game.js';

/** What a story is about, beside its text. */
export interface StoryFacts {
  /** The seed the story was generated from. */
  readonly seed: number;
  readonly plot: PlotId;
  /** The story's outdoor place (named in the opening; some scenes, such as bedtime, happen at home). */
  readonly place: Place['id'];
  /** Everyone in the story, the hero first. */
  readonly cast: readonly CastMember[];
  /** Toys the story mentions, main toy first: noun and its fixed describing word. */
  readonly toys: readonly { readonly noun: string; readonly adjective: string }[];
}

/** A story and its facts. */
export interface Story {
  readonly text: string;
  readonly facts: StoryFacts;
}

/** Options of {@link generateStory} and {@link generateStoryWithFacts}. */
export interface StoryOptions {
  /** Tell a story of this plot (default: drawn from the seed). */
  plot?: PlotId;
}

/**
 * Generates the story of `seed` (any safe integer) with its facts. The same seed and options
 * give the same story on every platform.
 */
export function generateStoryWithFacts(seed: number, opts: StoryOptions = {}): Story {
  const r = new Rng(seed);
  const plotIndex = r.int(PLOTS.length);
  const place = r.pick(PLACES);
  const plot = opts.plot === undefined ? PLOTS[plotIndex]! : PLOTS.find((p) => p.id === opts.plot);
  if (!plot) throw new RangeError(`unknown plot '${opts.plot}'; plots: ${PLOTS.map((p) => p.id).join(', ')}`);
  const c = new StoryContext(r, place);
  const paragraphs = plot.tell(c);
  const text = paragraphs.map((p) => p.map(sentence).join(' ')).join('\n');
  return {
    text,
    facts: {
      seed,
      plot: plot.id,
      place: c.place.id,
      cast: c.cast.map((ch) => ch.member()),
      toys: c.toys.map((t) => ({ noun: t.toy.noun, adjective: t.adjective })),
    },
  };
}

/** The text of the story of `seed` (see {@link generateStoryWithFacts}). */
export function generateStory(seed: number, opts: StoryOptions = {}): string {
  return generateStoryWithFacts(seed, opts).text;
}

/** Options of {@link generateStories}. */
export interface GenerateStoriesOptions {
  /** Seed of the stream (any safe integer). */
  seed: number;
  /** How many stories. */
  count: number;
  /** Index of the first story in the stream (default 0). */
  start?: number;
  /**
   * Share of the documents that are games of catch (`generateCatchGame`) instead of stories
   * (default 0): name-dense text on which a small model learns to copy names (see catch-game.ts).
   * Which documents are games is drawn per index, so the stories that remain are unchanged.
   */
  catchGames?: number;
  /** Chance that a game of catch opens the way stories do (default 0.5; see `CatchGameOptions`). */
  catchStoryOpenings?: number;
}

/** Document `index` of the stream `seed`: the story `generateStory(storySeed(seed, index))`, or a game of catch. */
export function corpusDocument(seed: number, index: number, catchGames = 0, catchStoryOpenings = 0.5): string {
  const s = storySeed(seed, index);
  return isCatchGame(seed, index, catchGames) ? generateCatchGame(s, { storyOpenings: catchStoryOpenings }) : generateStory(s);
}

/**
 * Stories `start .. start + count - 1` of the stream seeded by `seed`: story i is
 * `generateStory(storySeed(seed, i))`, so any slice of a stream can be made on its own.
 */
export function generateStories(opts: GenerateStoriesOptions): string[] {
  const start = opts.start ?? 0;
  if (!Number.isSafeInteger(opts.count) || opts.count < 0) throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
  const share = opts.catchGames ?? 0;
  checkCatchShare(share);
  const out: string[] = new Array(opts.count);
  const openings = opts.catchStoryOpenings ?? 0.5;
  for (let i = 0; i < opts.count; i++) out[i] = corpusDocument(opts.seed, start + i, share, openings);
  return out;
}

/**
 * The endless stream of stories seeded by `seed`, from story `start` on (a share `catchGames` of
 * games of catch among them, each opening like a story with chance `catchStoryOpenings`): the
 * documents of {@link generateStories} with the same options, one at a time.
 */
export function* storyStream(seed: number, start = 0, catchGames = 0, catchStoryOpenings = 0.5): Generator<string, never, undefined> {
  checkCatchShare(catchGames);
  if (!(catchStoryOpenings >= 0 && catchStoryOpenings <= 1)) throw new RangeError(`catchStoryOpenings must be a chance in [0, 1], got ${catchStoryOpenings}`);
  for (let i = start; ; i++) yield corpusDocument(seed, i, catchGames, catchStoryOpenings);
}
