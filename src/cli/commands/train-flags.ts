/**
 * Flags shared by `storygrad train`, `demo` and `sweep`: model shape, optimisation and
 * evaluation settings, the TTY progress writer, and the start of a training session.
 */
import type { CliIO, FlagSpec, Flags } from '../args.js';
import { init } from '../../runtime.js';
import type { BackendDescription } from '../../backend/backend.js';
import type { BackendChoice } from './backend-flag.js';
import { UsageError } from '../args.js';
import type { RunTrainOptions, TrainRunOptions } from '../../train/run.js';
import { PRESETS, type PresetShape } from '../../models/presets.js';

/** Model-shape flags. */
export const MODEL_FLAGS: FlagSpec[] = [
  { name: 'preset', type: 'string', choices: Object.keys(PRESETS), value: 'NAME', help: 'a named model shape (instead of the dimension flags)' },
  { name: 'arch', type: 'string', choices: ['gpt2', 'llama'], help: 'architecture (default gpt2)' },
  { name: 'd-model', type: 'integer', value: 'N', help: 'residual width (default 128)' },
  { name: 'n-layer', type: 'integer', value: 'N', help: 'transformer blocks (default 4)' },
  { name: 'n-head', type: 'integer', value: 'N', help: 'attention heads (default 4)' },
  { name: 'n-kv-head', type: 'integer', value: 'N', help: 'key/value heads (llama; default n-head)' },
  { name: 'd-mlp', type: 'integer', value: 'N', help: 'MLP hidden size (default 4 d-model, llama 8/3 d-model)' },
  { name: 'n-ctx', type: 'integer', value: 'N', help: 'context length (default --seq)' },
  { name: 'tie-embeddings', type: 'boolean', help: 'share the unembedding with the token embedding (default: gpt2 yes, llama no)' },
  { name: 'embed-init-std', type: 'number', value: 'X', help: 'std of the token embedding at init (default 0.02)' },
  { name: 'value-output-init', type: 'string', choices: ['normal', 'identity'], value: 'KIND', help: 'attention W_V, W_O at init: normal (default) or identity (copying heads)' },
  { name: 'unembed-init', type: 'string', choices: ['normal', 'embed'], value: 'KIND', help: 'untied W_U at init: normal (default) or embed (a copy of W_E)' },
];

/** Optimisation and evaluation flags. */
export const OPTIM_FLAGS: FlagSpec[] = [
  { name: 'steps', type: 'integer', default: 1000, value: 'N', help: 'optimizer steps' },
  { name: 'batch', type: 'integer', default: 16, value: 'N', help: 'sequences per micro-batch' },
  { name: 'seq', type: 'integer', default: 128, value: 'N', help: 'tokens per sequence' },
  { name: 'lr', type: 'number', default: 1e-3, value: 'X', help: 'peak learning rate' },
  { name: 'min-lr', type: 'number', value: 'X', help: 'final learning rate of the cosine (default lr/10)' },
  { name: 'warmup', type: 'integer', value: 'N', help: 'warmup steps (default min(100, steps/10))' },
  { name: 'stable-steps', type: 'integer', value: 'N', help: 'steps at the peak lr after warmup, before the cosine (default 0)' },
  { name: 'stable-lr', type: 'number', value: 'X', help: 'learning rate of the warmup and the --stable-steps (default --lr)' },
  { name: 'weight-decay', type: 'number', default: 0.1, value: 'X', help: 'AdamW decoupled weight decay (matrices and embeddings; see --decay-all)' },
  { name: 'decay-all', type: 'boolean', help: 'weight decay on norm gains and biases too' },
  { name: 'grad-clip', type: 'number', default: 1, value: 'X', help: 'clip the gradient norm (0 = off)' },
  { name: 'grad-accum', type: 'integer', default: 1, value: 'N', help: 'micro-batches per step' },
  { name: 'eval-every', type: 'integer', default: 100, value: 'N', help: 'evaluate (and checkpoint) every N steps' },
  { name: 'eval-batches', type: 'integer', default: 20, value: 'N', help: 'validation batches per evaluation' },
  { name: 'sample-tokens', type: 'integer', default: 96, value: 'N', help: 'tokens of the sample story at each evaluation' },
  { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the weights and the batches' },
];

function positive(flags: Flags, names: string[], command: string): void {
  for (const n of names) {
    const v = flags[n];
    if (v !== undefined && !((v as number) > 0)) throw new UsageError(`--${n} must be positive, got ${v}`, command);
  }
}

const SHAPE_FLAGS = ['arch', 'd-model', 'n-layer', 'n-head', 'n-kv-head', 'd-mlp'];

/** The model shape from the flags: a --preset, or the dimension flags with their defaults. */
export function modelFromFlags(flags: Flags, command: string): NonNullable<TrainRunOptions['model']> {
  positive(flags, ['d-model', 'n-layer', 'n-head', 'n-kv-head', 'd-mlp', 'n-ctx', 'embed-init-std'], command);
  const name = flags['preset'] as string | undefined;
  const init = {
    ...(flags['tie-embeddings'] ? { tieEmbeddings: true } : {}),
    ...(flags['embed-init-std'] !== undefined ? { embedInitStd: flags['embed-init-std'] as number } : {}),
    ...(flags['value-output-init'] !== undefined ? { valueOutputInit: flags['value-output-init'] as 'normal' | 'identity' } : {}),
    ...(flags['unembed-init'] !== undefined ? { unembedInit: flags['unembed-init'] as 'normal' | 'embed' } : {}),
  };
  if (name) {
    const clash = SHAPE_FLAGS.filter((f) => flags[f] !== undefined);
    if (clash.length) throw new UsageError(`--preset ${name} fixes the shape; drop ${clash.map((f) => `--${f}`).join(', ')}`, command);
    const { about: _about, vocabSize: _vocab, nCtx, ...shape } = (PRESETS as Record<string, PresetShape>)[name]!;
    return { ...shape, ...init, nCtx: (flags['n-ctx'] as number | undefined) ?? nCtx };
  }
  return {
    arch: (flags['arch'] as 'gpt2' | 'llama' | undefined) ?? 'gpt2',
    dModel: (flags['d-model'] as number | undefined) ?? 128,
    nLayer: (flags['n-layer'] as number | undefined) ?? 4,
    nHead: (flags['n-head'] as number | undefined) ?? 4,
    ...(flags['n-kv-head'] !== undefined ? { nKvHead: flags['n-kv-head'] as number } : {}),
    ...(flags['d-mlp'] !== undefined ? { dMlp: flags['d-mlp'] as number } : {}),
    ...(flags['n-ctx'] !== undefined ? { nCtx: flags['n-ctx'] as number } : {}),
    ...init,
  };
}

/** The training options from the flags. */
export function trainFromFlags(flags: Flags, command: string): RunTrainOptions {
  positive(flags, ['steps', 'batch', 'seq', 'lr', 'stable-lr', 'grad-accum', 'eval-batches'], command);
  return {
    steps: flags['steps'] as number,
    batchSize: flags['batch'] as number,
    seqLen: flags['seq'] as number,
    lr: flags['lr'] as number,
    minLr: flags['min-lr'] as number | undefined,
    warmupSteps: flags['warmup'] as number | undefined,
    ...(flags['stable-steps'] !== undefined ? { stableSteps: flags['stable-steps'] as number } : {}),
    ...(flags['stable-lr'] !== undefined ? { stableLr: flags['stable-lr'] as number } : {}),
    weightDecay: flags['weight-decay'] as number,
    decayAll: !!flags['decay-all'],
    gradClip: flags['grad-clip'] as number,
    gradAccum: flags['grad-accum'] as number,
    evalEvery: flags['eval-every'] as number,
    evalBatches: flags['eval-batches'] as number,
    seed: flags['seed'] as number,
    sampleTokens: flags['sample-tokens'] as number,
  };
}

/** A progress writer redrawing one line on a TTY (stderr), or undefined when not a TTY. */
export function ttyProgress(): ((line: string) => void) | undefined {
  const p = (globalThis as { process?: { stderr?: { isTTY?: boolean; columns?: number; write(s: string): boolean } } }).process;
  const err = p?.stderr;
  if (!err?.isTTY) return undefined;
  return (line: string) => {
    const width = (err.columns ?? 100) - 1;
    err.write('\r' + line.slice(0, width).padEnd(width));
  };
}

/** Ends the progress line before a regular log line is printed. */
export function withProgressBreak(progress: ((line: string) => void) | undefined, log: (line: string) => void): (line: string) => void {
  if (!progress) return log;
  const err = (globalThis as { process?: { stderr?: { write(s: string): boolean } } }).process?.stderr;
  return (line: string) => {
    err?.write('\r\x1b[K');
    log(line);
  };
}

/** Aborts `ctrl` on the first SIGINT (the trainer then saves a checkpoint); a second one exits. */
export function abortOnSigint(ctrl: AbortController, log: (line: string) => void): () => void {
  const proc = (globalThis as { process?: { on(e: string, f: () => void): void; off(e: string, f: () => void): void; exit(c: number): never } }).process;
  if (!proc?.on) return () => {};
  let count = 0;
  const handler = () => {
    if (++count > 1) proc.exit(130);
    log('interrupt: finishing this step and saving a checkpoint (press Ctrl-C again to quit now)');
    ctrl.abort();
  };
  proc.on('SIGINT', handler);
  return () => proc.off('SIGINT', handler);
}

/** What {@link startTrainingSession} returns. */
export interface TrainingSession {
  device: BackendDescription;
  /** Log lines (ending the progress line first). */
  log: (line: string) => void;
  /** The TTY progress writer, or undefined when stderr is not a TTY. */
  progress: ((line: string) => void) | undefined;
  /** Aborted on the first Ctrl-C (the trainer then saves a checkpoint). */
  signal: AbortSignal;
  /** Removes the SIGINT handler. */
  release: () => void;
}

/** Starts the backend, the progress line and the log (naming the backend), and Ctrl-C handling. */
export async function startTrainingSession(backend: BackendChoice, io: CliIO): Promise<TrainingSession> {
  const device = await init({ backend });
  const progress = ttyProgress();
  const log = withProgressBreak(progress, (l) => io.out(l));
  log(`backend: ${device.backend}${device.adapter ? ` (${device.adapter})` : ''}`);
  const ctrl = new AbortController();
  const release = abortOnSigint(ctrl, log);
  return { device, log, progress, signal: ctrl.signal, release };
}
