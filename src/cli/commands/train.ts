/**
 * `storygrad train`: trains a GPT on a text file into a run directory (see src/train/run.ts for
 * the layout), with a progress line, evaluation + samples, checkpoints, `--resume`, and a
 * checkpoint on Ctrl-C.
 */
import * as sg from '../../index.js';
import { UsageError, type Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';
import { MODEL_FLAGS, OPTIM_FLAGS, modelFromFlags, startTrainingSession, trainFromFlags } from './train-flags.js';
import { trainRun } from '../../train/run.js';

async function exists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  return fs.stat(path).then(() => true, () => false);
}

export const train: Command = {
  name: 'train',
  summary: 'train a GPT on a text file (checkpoints, metrics, samples, --resume)',
  description:
    'Trains a GPT on --data (documents split on <|endoftext|> or blank lines) into the run directory\n' +
    '--out: run.json, the tokenizer, cached token shards, checkpoint/, metrics.jsonl and loss.svg.\n' +
    'Without --val, the last 2% of the training tokens are held out for validation. Ctrl-C saves a\n' +
    'checkpoint; --resume continues a run exactly (same losses as an uninterrupted run).',
  flags: [
    { name: 'data', type: 'string', value: 'FILE', help: 'training text' },
    { name: 'val', type: 'string', value: 'FILE', help: 'validation text (default: held-out tail of --data)' },
    { name: 'out', type: 'string', value: 'DIR', help: 'run directory (required)' },
    { name: 'tokenizer', type: 'string', default: 'bpe:1024', value: 'bpe:N|FILE', help: 'train a BPE of N tokens on --data, or load a tokenizer.bin / .json' },
    { name: 'resume', type: 'boolean', help: 'continue the run in --out from its checkpoint' },
    { name: 'first-data', type: 'string', value: 'FILE', help: 'curriculum: text for the first --first-steps steps (e.g. name-dense games)' },
    { name: 'first-steps', type: 'integer', value: 'N', help: 'steps trained on --first-data before --data' },
    ...MODEL_FLAGS,
    ...OPTIM_FLAGS,
    BACKEND_FLAG,
  ],
  async run(flags, io) {
    const out = flags['out'] as string | undefined;
    if (!out) throw new UsageError('--out DIR is required', 'train');
    const resume = !!flags['resume'];
    const data = flags['data'] as string | undefined;
    const val = flags['val'] as string | undefined;
    if (!resume) {
      if (!data) throw new UsageError('--data FILE is required (or --resume)', 'train');
      if (!(await exists(data))) throw new UsageError(`--data ${data}: no such file`, 'train');
      if (val && !(await exists(val))) throw new UsageError(`--val ${val}: no such file`, 'train');
      if ((flags['first-data'] === undefined) !== (flags['first-steps'] === undefined)) {
        throw new UsageError('--first-data and --first-steps go together', 'train');
      }
      const firstData = flags['first-data'] as string | undefined;
      if (firstData && !(await exists(firstData))) throw new UsageError(`--first-data ${firstData}: no such file`, 'train');
      const firstSteps = flags['first-steps'] as number | undefined;
      if (firstSteps !== undefined && !(firstSteps >= 0 && firstSteps <= (flags['steps'] as number))) {
        throw new UsageError(`--first-steps must be in [0, --steps ${flags['steps']}], got ${firstSteps}`, 'train');
      }
      const tok = flags['tokenizer'] as string;
      if (!/^bpe:\d+$/.test(tok) && !(await exists(tok))) throw new UsageError(`--tokenizer ${tok}: not bpe:N and no such file`, 'train');
    } else if (!(await exists(`${out}/run.json`))) {
      throw new UsageError(`--resume: ${out} holds no run (no run.json)`, 'train');
    }
    const model = modelFromFlags(flags, 'train');
    const trainOpts = trainFromFlags(flags, 'train');
    const { log, progress, signal, release } = await startTrainingSession(flags['backend'] as BackendChoice, io);
    try {
      const r = await trainRun({
        out, data, val, tokenizer: flags['tokenizer'] as string, model, train: trainOpts, resume,
        ...(flags['first-data'] !== undefined ? { first: { data: flags['first-data'] as string, steps: flags['first-steps'] as number } } : {}),
        log, progress, signal,
      });
      log(
        `${r.interrupted ? 'stopped' : 'done'}: ${r.steps} steps, final loss ${r.finalLoss.toFixed(4)}` +
          (r.valLoss !== undefined ? `, validation loss ${r.valLoss.toFixed(4)}` : '') +
          `, ${Math.round(r.tokensPerSec).toLocaleString('en-US')} tokens/s, ${r.wallSeconds.toFixed(1)} s; run in ${out}`,
      );
      r.model.dispose();
      return r.interrupted ? 130 : 0;
    } finally {
      release();
      await sg.shutdown();
    }
  },
};
