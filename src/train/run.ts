/**
 * A training run in a directory, from text files to a trained model: what `storygrad train`
 * does, usable from scripts and notebooks too.
 *
 *   <out>/run.json             model config, training options, tokenizer, data files (written once)
 *   <out>/tokenizer.bin|json   the run's tokenizer
 *   <out>/data/*.sgtok         cached token shards (train, validation; or in `shardDir`)
 *   <out>/checkpoint/          latest checkpoint (checkpoint.ts)
 *   <out>/metrics.jsonl, loss.svg
 *
 * With `first` (a curriculum) the first steps train on another text file, tokenized into the same
 * shard cache. Without a validation file the last `valFraction` of the training tokens (2% by default, at
 * most 1M) is held out and never trained on. `resume` reads run.json and continues the run.
 */
import type { GPTConfig } from '../models/config.js';
import { GPT } from '../models/gpt.js';
import { cachedShard } from '../data/cache.js';
import type { TokenArray } from '../data/shard.js';
import { BatchSampler } from '../data/loader.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { manualSeed } from '../ops/creation.js';
import { Trainer, type TrainBatches, type TrainResult } from './trainer.js';
import { CurriculumBatches } from './curriculum.js';
import { resolveRunTokenizer, runTokenizerFromFile, type RunTokenizer } from './run-tokenizer.js';

/** Training options stored in run.json. */
export interface RunTrainOptions {
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  minLr?: number;
  warmupSteps?: number;
  /** Steps at the peak learning rate after warmup, before the cosine (default 0). */
  stableSteps?: number;
  /** Learning rate of the first warmup and the stable steps (default lr). */
  stableLr?: number;
  /** Warm up again when the stable steps end (default false). */
  rewarmup?: boolean;
  weightDecay?: number;
  /** Decay norm gains and biases too (Trainer `decayAll`; default false). */
  decayAll?: boolean;
  gradClip?: number;
  gradAccum?: number;
  evalEvery?: number;
  evalBatches?: number;
  seed: number;
  sampleTokens?: number;
}

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Run directory. */
  out: string;
  /** Training text (documents split on `<|endoftext|>` or blank lines). */
  data?: string;
  /** Validation text (default: a held-out tail of the training tokens). */
  val?: string;
  /** `bpe:N` or a tokenizer file (default bpe:1024). */
  tokenizer?: string;
  /** Model shape without vocabSize (taken from the tokenizer); nCtx defaults to seqLen. */
  model?: Omit<GPTConfig, 'vocabSize' | 'nCtx'> & { nCtx?: number };
  train?: RunTrainOptions;
  /** Continue the run in `out` from its checkpoint (other options come from run.json). */
  resume?: boolean;
  /**
   * A curriculum: the first `steps` optimizer steps train on the text file `data` instead (for
   * example name-dense games of catch before stories), tokenized with the run's tokenizer.
   */
  first?: { data: string; steps: number };
  /** Held-out fraction of the training tokens when there is no `val` (default 0.02). */
  valFraction?: number;
  /**
   * Directory of the cached token shards (default `<out>/data`); runs sharing a tokenizer and
   * text files can share one (a sweep tokenizes its data once for all its runs).
   */
  shardDir?: string;
  log?: (line: string) => void;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

/** What run.json holds. */
export interface RunManifest {
  format: 'storygrad-run';
  version: 1;
  model: GPTConfig;
  train: RunTrainOptions;
  tokenizer: { kind: RunTokenizer['kind']; file: RunTokenizer['fileName']; spec: string };
  data: { train: string; val: string | null; valFraction: number; first?: { data: string; steps: number } };
}

/** What {@link trainRun} returns. */
export interface TrainRunResult extends TrainResult {
  model: GPT;
  tokenizer: RunTokenizer;
  manifest: RunManifest;
  trainTokens: number;
  valTokens: number;
}

const join = (a: string, b: string) => (a.endsWith('/') ? a + b : `${a}/${b}`);

/**
 * Splits a run's training tokens when it has no validation file: the last `valFraction` (at
 * least seqLen + 1 tokens, at most 1M) is held out. Throws when too little is left to train on.
 */
export function heldOutSplit(all: TokenArray, seqLen: number, valFraction: number, what = 'the training text'): { train: TokenArray; val: TokenArray } {
  const held = Math.min(1 << 20, Math.max(seqLen + 1, Math.floor(all.length * valFraction)));
  if (all.length - held < seqLen + 1) throw new Error(`storygrad: train: ${what} has too few tokens (${all.length}) for training and a validation split`);
  return { train: all.subarray(0, all.length - held), val: all.subarray(all.length - held) };
}

/** Reads a run's manifest and tokenizer (for resume, eval and generate). */
export async function readRun(out: string): Promise<{ manifest: RunManifest; tokenizer: RunTokenizer }> {
  const fs = await import('node:fs/promises');
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(await fs.readFile(join(out, 'run.json'), 'utf8')) as RunManifest;
  } catch (e) {
    throw new Error(`storygrad: ${out} is not a storygrad run directory (no readable run.json: ${e instanceof Error ? e.message : String(e)})`);
  }
  if (manifest.format !== 'storygrad-run') throw new Error(`storygrad: ${out}/run.json is not a storygrad run manifest`);
  const path = join(out, manifest.tokenizer.file);
  const tokenizer = runTokenizerFromFile(new Uint8Array(await fs.readFile(path)), path);
  return { manifest, tokenizer };
}

/** Trains (or resumes) the run in `opts.out`; see the file header for the directory layout. */
export async function trainRun(opts: TrainRunOptions): Promise<TrainRunResult> {
  const fs = await import('node:fs/promises');
  const log = opts.log ?? (() => {});
  const out = opts.out;
  let manifest: RunManifest;
  let tokenizer: RunTokenizer;
  if (opts.resume) {
    ({ manifest, tokenizer } = await readRun(out));
    // Runs written before `decayAll` existed decayed every parameter: resume them the same way.
    if (manifest.train.decayAll === undefined) manifest.train.decayAll = true;
    if (opts.train?.steps && opts.train.steps !== manifest.train.steps) {
      log(`resume: total steps ${manifest.train.steps} -> ${opts.train.steps}`);
      manifest.train.steps = opts.train.steps;
    }
  } else {
    if (!opts.data) throw new Error('storygrad: train: --data FILE is required');
    if (!opts.model) throw new Error('storygrad: train: a model shape (preset or dimensions) is required');
    if (!opts.train) throw new Error('storygrad: train: training options are required');
    const exists = await fs.stat(join(out, 'run.json')).then(() => true, () => false);
    if (exists) throw new Error(`storygrad: train: ${out} already holds a run; pass --resume to continue it or choose another --out`);
    await fs.stat(opts.data).catch(() => { throw new Error(`storygrad: train: --data ${opts.data}: no such file`); });
    if (opts.val) await fs.stat(opts.val).catch(() => { throw new Error(`storygrad: train: --val ${opts.val}: no such file`); });
    if (opts.first) {
      const { data, steps } = opts.first;
      await fs.stat(data).catch(() => { throw new Error(`storygrad: train: --first-data ${data}: no such file`); });
      if (!Number.isInteger(steps) || steps < 0 || steps > opts.train.steps) {
        throw new Error(`storygrad: train: --first-steps must be an integer in [0, --steps ${opts.train.steps}], got ${steps}`);
      }
    }
    await fs.mkdir(out, { recursive: true });
    const spec = opts.tokenizer ?? 'bpe:1024';
    tokenizer = await resolveRunTokenizer(spec, opts.data, log);
    await writeFileAtomic(join(out, tokenizer.fileName), tokenizer.bytes);
    const { nCtx, ...shape } = opts.model;
    manifest = {
      format: 'storygrad-run',
      version: 1,
      model: { ...shape, vocabSize: tokenizer.vocabSize, nCtx: nCtx ?? opts.train.seqLen } as GPTConfig,
      train: { ...opts.train, decayAll: opts.train.decayAll ?? false }, // written out: resume tells it from older runs
      tokenizer: { kind: tokenizer.kind, file: tokenizer.fileName, spec },
      data: { train: opts.data, val: opts.val ?? null, valFraction: opts.valFraction ?? 0.02, ...(opts.first ? { first: opts.first } : {}) },
    };
    if (manifest.train.seqLen > manifest.model.nCtx) {
      throw new Error(`storygrad: train: --seq ${manifest.train.seqLen} exceeds the model context ${manifest.model.nCtx}`);
    }
    await writeFileAtomic(join(out, 'run.json'), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
  }

  // Token shards, cached next to the run.
  const shardOpts = { docSeparatorId: tokenizer.separatorId };
  const key = tokenizer.bytes;
  const progress = (what: string) => (p: { bytesRead: number; totalBytes: number; tokens: number }) =>
    opts.progress?.(`tokenizing ${what}: ${(p.bytesRead / 1e6).toFixed(1)}/${(p.totalBytes / 1e6).toFixed(1)} MB, ${p.tokens.toLocaleString('en-US')} tokens`);
  const shardDir = opts.shardDir ?? join(out, 'data');
  const trainShard = await cachedShard(manifest.data.train, shardDir, tokenizer, key, { ...shardOpts, onProgress: progress('train') });
  log(`data: ${manifest.data.train}: ${trainShard.shard.tokens.length.toLocaleString('en-US')} tokens (${trainShard.reused ? 'cached shard' : 'tokenized'})`);
  let trainTokens: ArrayLike<number> = trainShard.shard.tokens;
  let valTokens: ArrayLike<number>;
  if (manifest.data.val) {
    const valShard = await cachedShard(manifest.data.val, shardDir, tokenizer, key, { ...shardOpts, onProgress: progress('validation') });
    valTokens = valShard.shard.tokens;
    log(`data: ${manifest.data.val}: ${valTokens.length.toLocaleString('en-US')} validation tokens`);
  } else {
    const split = heldOutSplit(trainShard.shard.tokens, manifest.train.seqLen, manifest.data.valFraction, manifest.data.train);
    trainTokens = split.train;
    valTokens = split.val;
    log(`data: holding out the last ${split.val.length.toLocaleString('en-US')} tokens for validation`);
  }

  const t = manifest.train;
  let trainBatches: TrainBatches = new BatchSampler(trainTokens, { batchSize: t.batchSize, seqLen: t.seqLen, seed: t.seed });
  const first = manifest.data.first;
  if (first) {
    const firstShard = await cachedShard(first.data, shardDir, tokenizer, key, { ...shardOpts, onProgress: progress('first-stage') });
    log(`data: ${first.data}: ${firstShard.shard.tokens.length.toLocaleString('en-US')} tokens for the first ${first.steps} steps (${firstShard.reused ? 'cached shard' : 'tokenized'})`);
    const firstBatches = new BatchSampler(firstShard.shard.tokens, { batchSize: t.batchSize, seqLen: t.seqLen, seed: t.seed });
    trainBatches = new CurriculumBatches(firstBatches, trainBatches, first.steps, t.gradAccum ?? 1);
  }
  manualSeed(t.seed);
  const model = new GPT({ ...manifest.model, seed: manifest.model.seed ?? t.seed });
  let trainer: Trainer | undefined;
  try {
    trainer = new Trainer({
      model,
      train: trainBatches,
      val: new BatchSampler(valTokens, { batchSize: t.batchSize, seqLen: t.seqLen }),
      steps: t.steps,
      lr: t.lr,
      minLr: t.minLr,
      warmupSteps: t.warmupSteps,
      stableSteps: t.stableSteps,
      stableLr: t.stableLr,
      rewarmup: t.rewarmup,
      weightDecay: t.weightDecay,
      decayAll: t.decayAll,
      gradClip: t.gradClip,
      gradAccum: t.gradAccum,
      evalEvery: t.evalEvery,
      evalBatches: t.evalBatches,
      outDir: out,
      samplePrompt: [tokenizer.separatorId],
      sampleTokens: t.sampleTokens ?? 96,
      sampleStopTokens: tokenizer.stopIds,
      decoder: tokenizer,
      log,
      progress: opts.progress,
      signal: opts.signal,
    });
    if (opts.resume) {
      const at = await trainer.resume();
      log(`resume: continuing ${out} at step ${at} of ${t.steps}`);
    }
    const p = model.config;
    log(`model: ${p.arch}, d ${p.dModel}, ${p.nLayer} layers, ${p.nHead} heads, context ${p.nCtx}, vocab ${p.vocabSize}: ${model.numParameters().toLocaleString('en-US')} parameters`);
    const result = await trainer.run();
    return { ...result, model, tokenizer, manifest, trainTokens: trainTokens.length, valTokens: valTokens.length };
  } catch (e) {
    // A failed run frees its weights, so a process training many runs (a sweep) does not leak them.
    model.dispose();
    throw e;
  } finally {
    // The optimizer moments are not returned: free them (the trainer is not reused).
    if (trainer) for (const m of [...trainer.optimizer.state().m, ...trainer.optimizer.state().v]) m?.dispose();
  }
}
