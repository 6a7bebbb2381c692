/**
 * The embedded default corpus: seeded, procedural children's stories (TinyStories-like) from a
 * bounded world, so tests and demos train without a download. `generateStory(seed)` is the same
 * text on every platform; the lexicon and the world facts (facts.ts) are exported read-only for
 * probes built from the same world.
 */
export { generateStory, generateStoryWithFacts, generateStories, storyStream, corpusDocument } from './story.js';
export { generateCatchGame, isCatchGame } from './catch-game.js';
export type { CatchGameOptions } from './catch-game.js';
export type { Story, StoryFacts, StoryOptions, GenerateStoriesOptions } from './story.js';
export { corpusText, writeCorpusFile, END_OF_TEXT } from './corpus-file.js';
export type { WriteCorpusOptions, WriteCorpusResult } from './corpus-file.js';
export { Rng, seedKey, storySeed } from './prng.js';
export { PLOTS, PLOT_IDS } from './plots/index.js';
export type { Plot, PlotId } from './plots/index.js';
export type { StoryContext, ToyPick, NewCharOptions } from './context.js';
export type { Paragraph } from './scenes.js';
export type { CastMember, Role, Char } from './cast.js';
export {
  KINDS, PERSON_NAMES, ANIMAL_NAMES, ADULTS, COLORS, TOYS, PLACES, HOME_SPOTS, SNACKS, FEELINGS,
  CHARACTER_ADJECTIVES, NUMBER_WORDS,
} from './lexicon.js';
export type { Adult, Kind, KindId, Place, Pronoun, Snack, Toy } from './lexicon.js';
export { THING_FACTS, ANIMAL_FACTS, WORLD_FACTS, thingFact, animalFacts } from './facts.js';
export type { FactKind, Sense, ThingFact, AnimalFacts, WorldFact } from './facts.js';
export { PRONOUNS, article, withArticle, possessive, plural, capitalize, joinList } from './grammar.js';
export type { PronounForms } from './grammar.js';
