/**
 * `storygrad demo`, the README's main command: writes the embedded procedural story corpus
 * (src/data/corpus/), trains a small GPT on it (BPE tokenizer trained on the corpus, held-out
 * validation stories) into a run directory with the progress line, evaluation samples and
 * checkpoints of `storygrad train`, then prints a story generated from "Once upon a time".
 * Exits 1 when the validation loss is not at least one nat below a uniform guess (ln V).
 */
import * as sg from '../../index.js';
import type { Command } from '../args.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';
import { abortOnSigint, ttyProgress, withProgressBreak } from './train-flags.js';
import { trainRun } from '../../train/run.js';
import { writeCorpusFile } from '../../data/corpus/index.js';

export const demo: Command = {
  name: 'demo',
  summary: 'train a small GPT on the embedded story corpus and tell a story',
  description:
    'Writes the embedded procedural story corpus (--stories training stories, 5% as many held-out\n' +
    'validation stories), trains a BPE tokenizer and a small GPT on it into --out, printing the\n' +
    'progress line and a sample at each evaluation, then generates a story from "Once upon a time".\n' +
    'About two minutes on a 2-core CPU with the software WebGPU adapter at the defaults.',
  flags: [
    { name: 'out', type: 'string', default: 'runs/demo', value: 'DIR', help: 'run directory (replaced if it holds an earlier demo)' },
    { name: 'steps', type: 'integer', default: 1000, value: 'N', help: 'optimizer steps' },
    { name: 'stories', type: 'integer', default: 6000, value: 'N', help: 'training stories to generate' },
    { name: 'vocab', type: 'integer', default: 1024, value: 'N', help: 'BPE vocabulary size' },
    { name: 'arch', type: 'string', default: 'llama', choices: ['gpt2', 'llama'], value: 'NAME', help: 'architecture' },
    { name: 'd-model', type: 'integer', default: 64, value: 'N', help: 'residual width' },
    { name: 'n-layer', type: 'integer', default: 4, value: 'N', help: 'transformer blocks' },
    { name: 'n-head', type: 'integer', default: 4, value: 'N', help: 'attention heads' },
    { name: 'batch', type: 'integer', default: 8, value: 'N', help: 'sequences per step' },
    { name: 'seq', type: 'integer', default: 64, value: 'N', help: 'tokens per sequence' },
    { name: 'lr', type: 'number', default: 1e-2, value: 'X', help: 'peak learning rate' },
    { name: 'eval-every', type: 'integer', default: 200, value: 'N', help: 'evaluate, sample and checkpoint every N steps' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the corpus, weights, batches and story' },
    { name: 'story-tokens', type: 'integer', default: 160, value: 'N', help: 'length limit of the final story in tokens (beyond the context the model sees the last tokens only)' },
    BACKEND_FLAG,
  ],
  async run(flags, io) {
    const out = flags['out'] as string;
    for (const n of ['steps', 'stories', 'vocab', 'd-model', 'n-layer', 'n-head', 'batch', 'seq', 'eval-every', 'story-tokens']) {
      if (!((flags[n] as number) > 0)) throw new UsageError(`--${n} must be positive, got ${flags[n]}`, 'demo');
    }
    const fs = await import('node:fs/promises');
    const seed = flags['seed'] as number;
    const stories = flags['stories'] as number;
    const d = await sg.init({ backend: flags['backend'] as BackendChoice });
    const progress = ttyProgress();
    const log = withProgressBreak(progress, (l) => io.out(l));
    const ctrl = new AbortController();
    const release = abortOnSigint(ctrl, log);
    try {
      log(`backend: ${d.backend}${d.adapter ? ` (${d.adapter})` : ''}`);
      if (d.backend === 'cpu') for (const note of d.notes) log(`note: ${note}`);
      // A fresh run each time: an earlier demo's directory is replaced (never another kind of directory).
      const prior = await fs.readFile(`${out}/run.json`, 'utf8').catch(() => null);
      if (prior !== null) {
        if (!(await fs.stat(`${out}/corpus-train.txt`).then(() => true, () => false))) {
          throw new UsageError(`--out ${out} holds a run that is not a demo; choose another --out`, 'demo');
        }
        await fs.rm(out, { recursive: true, force: true });
      }
      await fs.mkdir(out, { recursive: true });
      const trainPath = `${out}/corpus-train.txt`, valPath = `${out}/corpus-val.txt`;
      const t = await writeCorpusFile(trainPath, { seed, count: stories });
      const v = await writeCorpusFile(valPath, { seed, count: Math.max(20, Math.round(stories / 20)), start: stories });
      log(`corpus: ${t.stories} training stories (${(t.bytes / 1e6).toFixed(1)} MB), ${v.stories} validation stories, from the embedded generator`);
      const steps = flags['steps'] as number;
      const r = await trainRun({
        out,
        data: trainPath,
        val: valPath,
        tokenizer: `bpe:${flags['vocab']}`,
        model: { arch: flags['arch'] as 'gpt2' | 'llama', dModel: flags['d-model'] as number, nLayer: flags['n-layer'] as number, nHead: flags['n-head'] as number },
        train: {
          steps, batchSize: flags['batch'] as number, seqLen: flags['seq'] as number, lr: flags['lr'] as number,
          warmupSteps: Math.min(50, Math.floor(steps / 10)), weightDecay: 0.1, gradClip: 1,
          evalEvery: flags['eval-every'] as number, evalBatches: 10, seed, sampleTokens: 64,
        },
        log, progress, signal: ctrl.signal,
      });
      const firstVal = Math.log(r.tokenizer.vocabSize);
      log(`trained ${r.steps} steps in ${r.wallSeconds.toFixed(0)} s (${Math.round(r.tokensPerSec).toLocaleString('en-US')} tokens/s); validation loss ${r.valLoss?.toFixed(3) ?? '?'} nats/token (uniform guess: ${firstVal.toFixed(3)})`);
      // The story: the run's tokenizer, prompt "Once upon a time", nucleus sampling.
      const prompt = [r.tokenizer.separatorId, ...r.tokenizer.encode('Once upon a time')];
      const ids: number[] = [];
      r.model.eval();
      for await (const id of r.model.generate(prompt, {
        maxNewTokens: flags['story-tokens'] as number,
        temperature: 0.7, topP: 0.9, seed, stopTokens: r.tokenizer.stopIds,
      })) ids.push(id);
      io.out('');
      io.out(r.tokenizer.decode([...prompt, ...ids]).trim());
      io.out('');
      io.out(`(run directory: ${out}; try: npx storygrad generate --checkpoint ${out} --prompt "Once upon a time")`);
      r.model.dispose();
      if (r.interrupted) return 130;
      // A working run learns well over one nat per token beyond a uniform guess within minutes.
      if (!(r.valLoss !== undefined && r.valLoss < firstVal - 1)) {
        io.err(`demo: the validation loss did not fall enough (${r.valLoss} vs ${firstVal.toFixed(3)} for a uniform guess)`);
        return 1;
      }
      return 0;
    } finally {
      release();
      await sg.shutdown();
    }
  },
};
