/** `sg.data`: the embedded story corpus (more data tools — token shards, batch loading — join here). */
export * as corpus from './corpus/index.js';
export {
  generateStory, generateStoryWithFacts, generateStories, storyStream, corpusText, writeCorpusFile, END_OF_TEXT,
} from './corpus/index.js';
export type { Story, StoryFacts, StoryOptions, GenerateStoriesOptions, WriteCorpusOptions, WriteCorpusResult } from './corpus/index.js';
