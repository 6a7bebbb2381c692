/**
 * The data every configuration of a sweep shares, prepared once in the sweep directory: the
 * embedded corpus (when the spec asks for it), the tokenizer (trained once, so every
 * configuration sees the same ids), and the token shards (tokenized once; the runs read them from
 * `<out>/data`). Each step is skipped when its file is already there, so a rerun or a second
 * machine working in the same directory reuses them.
 */
import { cachedShard } from '../../data/cache.js';
import type { TokenArray } from '../../data/shard.js';
import { writeCorpusFile } from '../../data/corpus/index.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { heldOutSplit } from '../../train/run.js';
import { resolveRunTokenizer, runTokenizerFromFile, type RunTokenizer } from '../../train/run-tokenizer.js';
import { tokenizerFromBytes, type Tokenizer } from '../../tokenizers/tokenizer.js';
import { joinPath } from './layout.js';
import type { SweepSpec } from './spec.js';

/** Held-out fraction of the training tokens when there is no validation file. */
export const VAL_FRACTION = 0.02;

/** What {@link prepareSweepData} returns. */
export interface SweepData {
  /** Training and validation text files (val null: held-out tail). */
  train: string;
  val: string | null;
  /** The shared tokenizer file in the sweep directory. */
  tokenizerPath: string;
  tokenizer: Tokenizer;
  runTokenizer: RunTokenizer;
  /** Token shard cache shared by the runs. */
  shardDir: string;
  /** The validation ids every configuration is scored on. */
  valTokens: TokenArray;
}

async function exists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  return fs.stat(path).then(() => true, () => false);
}

/** Writes (if missing) and loads the sweep's corpus, tokenizer and shards. */
export async function prepareSweepData(out: string, spec: SweepSpec, log: (line: string) => void = () => {}): Promise<SweepData> {
  const fs = await import('node:fs/promises');
  await fs.mkdir(out, { recursive: true });
  let train: string, val: string | null;
  if (spec.data.kind === 'corpus') {
    const c = spec.data;
    train = joinPath(out, 'corpus-train.txt');
    val = joinPath(out, 'corpus-val.txt');
    if (!(await exists(train))) {
      const r = await writeCorpusFile(train, { seed: c.seed, count: c.stories });
      log(`corpus: ${r.stories} training stories (${(r.bytes / 1e6).toFixed(1)} MB) from the embedded generator`);
    }
    if (!(await exists(val))) await writeCorpusFile(val, { seed: c.seed, count: c.valStories, start: c.stories });
  } else {
    ({ train, val } = spec.data);
    if (!(await exists(train))) throw new Error(`storygrad: sweep: training text ${train}: no such file`);
    if (val && !(await exists(val))) throw new Error(`storygrad: sweep: validation text ${val}: no such file`);
  }

  // The shared tokenizer: trained (or copied) once into the sweep directory.
  let tokenizerPath: string | undefined;
  for (const name of ['tokenizer.json', 'tokenizer.bin']) {
    if (!tokenizerPath && (await exists(joinPath(out, name)))) tokenizerPath = joinPath(out, name);
  }
  if (!tokenizerPath) {
    const made = await resolveRunTokenizer(spec.tokenizer, train, log);
    tokenizerPath = joinPath(out, made.fileName);
    await writeFileAtomic(tokenizerPath, made.bytes);
  }
  // Loaded back from the file, as each run loads it, so the shard cache keys agree.
  const bytes = new Uint8Array(await fs.readFile(tokenizerPath));
  const runTok = runTokenizerFromFile(bytes, tokenizerPath);
  const tokenizer = tokenizerFromBytes(bytes, tokenizerPath);

  const shardDir = joinPath(out, 'data');
  const opts = { docSeparatorId: runTok.separatorId };
  const trainShard = await cachedShard(train, shardDir, runTok, runTok.bytes, opts);
  if (!trainShard.reused) log(`data: ${train}: ${trainShard.shard.tokens.length.toLocaleString('en-US')} tokens`);
  const valTokens = val
    ? (await cachedShard(val, shardDir, runTok, runTok.bytes, opts)).shard.tokens
    : heldOutSplit(trainShard.shard.tokens, spec.train.seqLen, VAL_FRACTION, train).val;
  return { train, val, tokenizerPath, tokenizer, runTokenizer: runTok, shardDir, valTokens };
}
