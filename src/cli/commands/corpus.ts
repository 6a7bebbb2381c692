/**
 * `storygrad corpus`: writes the embedded story corpus (seeded, procedural children's stories)
 * to a file in the TinyStories format — each story followed by a line `<|endoftext|>` — or prints
 * it. The same --seed and --stories give the same file on every platform.
 */
import { UsageError, type Command } from '../args.js';
import { corpusText, END_OF_TEXT, generateStories, writeCorpusFile } from '../../data/corpus/index.js';

export const corpus: Command = {
  name: 'corpus',
  summary: 'write the built-in story corpus (seeded, procedural) to a file',
  description:
    'Generates simple children\'s stories from the built-in seeded generator and writes them in the\n' +
    'TinyStories file format (each story followed by a line holding only the separator).\n' +
    'The same --seed, --start and --stories always give the same text. Needs --out or --print.',
  flags: [
    { name: 'out', type: 'string', value: 'FILE', help: 'file to write (written atomically)' },
    { name: 'print', type: 'boolean', help: 'print the corpus on stdout instead of writing a file' },
    { name: 'stories', type: 'integer', default: 1000, value: 'N', help: 'number of stories' },
    { name: 'seed', type: 'integer', default: 0, value: 'S', help: 'seed of the story stream' },
    { name: 'start', type: 'integer', default: 0, value: 'I', help: 'index of the first story in the stream' },
    { name: 'separator', type: 'string', default: END_OF_TEXT, value: 'TEXT', help: 'line written after every story' },
    { name: 'catch-games', type: 'number', default: 0, value: 'X', help: 'share of documents that are name-dense games of catch (0..1)' },
  ],
  async run(flags, io) {
    const count = flags.stories as number, seed = flags.seed as number, start = flags.start as number;
    const separator = flags.separator as string, out = flags.out as string | undefined;
    if (count < 0) throw new UsageError('--stories must be at least 0', 'corpus');
    if (start < 0) throw new UsageError('--start must be at least 0', 'corpus');
    if (!Number.isSafeInteger(seed)) throw new UsageError('--seed must be a safe integer', 'corpus');
    if (separator.includes('\n')) throw new UsageError('--separator must be one line', 'corpus');
    const catchGames = flags['catch-games'] as number;
    if (!(catchGames >= 0 && catchGames <= 1)) throw new UsageError(`--catch-games must be a share in [0, 1], got ${catchGames}`, 'corpus');
    if (flags.print) {
      if (out !== undefined) throw new UsageError('give --out or --print, not both', 'corpus');
      io.out(corpusText(generateStories({ seed, count, start, catchGames }), separator).trimEnd());
      return 0;
    }
    if (out === undefined || out === '') throw new UsageError('--out FILE is required (or --print)', 'corpus');
    const t0 = performance.now();
    const res = await writeCorpusFile(out, { seed, count, start, separator, catchGames });
    const ms = performance.now() - t0;
    io.out(`wrote ${res.stories} stories (${res.bytes} bytes) to ${out} in ${(ms / 1000).toFixed(2)} s (seed ${seed}, start ${start}${catchGames ? `, ${catchGames * 100}% games of catch` : ''})`);
    return 0;
  },
};
