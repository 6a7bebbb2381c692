/**
 * Corpus text in the TinyStories file format: each story followed by a line holding only the
 * separator (`<|endoftext|>` by default), the last story too. `writeCorpusFile` writes it
 * atomically (Node and Deno).
 */
import { writeFileAtomic } from '../../io/atomic-write.js';
import { generateStories } from './story.js';

/** The separator of TinyStories files and the BPE tokenizer's default special token. */
import { END_OF_TEXT } from '../documents.js';
export { END_OF_TEXT };

/** Joins stories as a corpus file: `story\n<|endoftext|>\n` for each story. */
export function corpusText(stories: readonly string[], separator: string = END_OF_TEXT): string {
  if (separator.includes('\n')) throw new RangeError('the separator is one line and must not contain a newline');
  let out = '';
  for (const s of stories) out += `${s}\n${separator}\n`;
  return out;
}

/** Options of {@link writeCorpusFile}. */
export interface WriteCorpusOptions {
  /** Seed of the story stream. */
  seed: number;
  /** Number of stories. */
  count: number;
  /** Index of the first story in the stream (default 0). */
  start?: number;
  /** Line written after every story (default `<|endoftext|>`). */
  separator?: string;
  /** Share of the documents that are games of catch instead of stories (default 0; see `generateStories`). */
  catchGames?: number;
  /** Chance that a game of catch opens the way stories do (default 0.5). */
  catchStoryOpenings?: number;
}

/** What {@link writeCorpusFile} wrote. */
export interface WriteCorpusResult {
  readonly stories: number;
  /** Size of the file in bytes (UTF-8). */
  readonly bytes: number;
}

/**
 * Generates `count` stories of the stream `seed` and writes them to `path` in the TinyStories
 * format, atomically (temporary file + rename). Node and Deno only.
 */
export async function writeCorpusFile(path: string, opts: WriteCorpusOptions): Promise<WriteCorpusResult> {
  const stories = generateStories({ seed: opts.seed, count: opts.count, ...(opts.start !== undefined ? { start: opts.start } : {}), ...(opts.catchGames !== undefined ? { catchGames: opts.catchGames } : {}),
    ...(opts.catchStoryOpenings !== undefined ? { catchStoryOpenings: opts.catchStoryOpenings } : {}) });
  const bytes = new TextEncoder().encode(corpusText(stories, opts.separator));
  await writeFileAtomic(path, bytes);
  return { stories: stories.length, bytes: bytes.length };
}
