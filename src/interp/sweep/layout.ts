/**
 * The sweep directory and the files in it:
 *
 *   <out>/sweep.json                 the spec, the vocabulary size and the expanded grid
 *   <out>/corpus-train.txt, -val.txt the embedded corpus (when no --data), written once
 *   <out>/tokenizer.json|bin         the tokenizer shared by every configuration, trained once
 *   <out>/data/*.sgtok               token shards, tokenized once for every configuration
 *   <out>/configs/<id>/              one training run per configuration (src/train/run.ts)
 *   <out>/configs/<id>/result.json   written atomically once training and evaluation finished
 *   <out>/configs/<id>/error.json    written when the configuration failed (removed on a retry)
 *   <out>/report.md, metrics.jsonl, loss-vs-params.svg, accuracy-vs-layers.svg
 *
 * Each configuration is an independent job in its own directory; the report is rebuilt from
 * whatever configuration directories exist (they can come from several machines).
 */
import type { GPTConfig } from '../../models/config.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { SweepConfig } from './grid.js';
import type { SweepSpec } from './spec.js';

/** File names inside a sweep directory. */
export const SWEEP_FILES = Object.freeze({
  manifest: 'sweep.json',
  configs: 'configs',
  result: 'result.json',
  error: 'error.json',
  report: 'report.md',
  metrics: 'metrics.jsonl',
  lossPlot: 'loss-vs-params.svg',
  accuracyPlot: 'accuracy-vs-layers.svg',
});

/** What sweep.json holds. */
export interface SweepManifest {
  format: 'storygrad-sweep';
  version: 1;
  spec: SweepSpec;
  /** Vocabulary size of the shared tokenizer (the configurations depend on it). */
  vocabSize: number;
  /** The tokenizer file inside the sweep directory. */
  tokenizerFile: string;
  configs: SweepConfig[];
}

/** What a finished configuration's result.json holds. */
export interface ConfigResult {
  format: 'storygrad-sweep-result';
  version: 1;
  id: string;
  model: GPTConfig;
  params: { total: number; nonEmbedding: number };
  paramTarget?: number;
  train: {
    steps: number;
    tokens: number;
    /** Training FLOPs (flopsPerToken x tokens). */
    flops: number;
    flopsPerToken: number;
    /** Training time summed over every session of the run (resumptions included). */
    seconds: number;
    /** Training loss of the last step. */
    finalLoss: number;
  };
  /** Every evaluator's metrics by full name (`val.loss`, ...). */
  metrics: Record<string, number>;
  evalSeconds: number;
}

/** What a failed configuration's error.json holds. */
export interface ConfigError {
  format: 'storygrad-sweep-error';
  version: 1;
  id: string;
  model: GPTConfig;
  /** Where it failed. */
  phase: 'setup' | 'train' | 'evaluate';
  message: string;
  /** ISO time of the failure. */
  at: string;
}

/** `a/b` without doubling the slash. */
export function joinPath(a: string, b: string): string {
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** The directory of configuration `id`. */
export function configDir(out: string, id: string): string {
  return joinPath(joinPath(out, SWEEP_FILES.configs), id);
}

/** Writes `value` as indented JSON, atomically. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n'));
}

/** Reads a JSON file, or null when it does not exist; a corrupt file is an error naming it. */
export async function readJson<T>(path: string): Promise<T | null> {
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`storygrad: sweep: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The state of one configuration directory. */
export type ConfigState =
  | { id: string; status: 'done'; result: ConfigResult }
  | { id: string; status: 'failed'; error: ConfigError }
  | { id: string; status: 'incomplete' };

/** Every configuration directory under `<out>/configs`, sorted by id, with its state. */
export async function readConfigStates(out: string): Promise<ConfigState[]> {
  const fs = await import('node:fs/promises');
  let names: string[];
  try {
    const entries = await fs.readdir(joinPath(out, SWEEP_FILES.configs), { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
  const states: ConfigState[] = [];
  for (const id of names) {
    const dir = configDir(out, id);
    const result = await readJson<ConfigResult>(joinPath(dir, SWEEP_FILES.result));
    if (result) {
      states.push({ id, status: 'done', result });
      continue;
    }
    const error = await readJson<ConfigError>(joinPath(dir, SWEEP_FILES.error));
    states.push(error ? { id, status: 'failed', error } : { id, status: 'incomplete' });
  }
  return states;
}
