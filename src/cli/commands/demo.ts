/**
 * `storygrad demo`, the README's main command: writes the embedded procedural story corpus
 * (src/data/corpus/), trains a small GPT on it (BPE tokenizer trained on the corpus, held-out
 * validation stories) into a run directory with the progress line, evaluation samples and
 * checkpoints of `storygrad train`, then prints a story generated from "Once upon a time".
 * Exits 1 when the validation loss is not at least one nat below a uniform guess (ln V).
 *
 * `--names` (bench/RESULTS.md, "Copy-friendly init and games of catch"): --catch-steps first steps
 * on games of catch (a name every four tokens) at the peak learning rate, then a second warmup and
 * the stories with a --catch-share of games; --embed-init-std, --unembed-init embed and
 * --value-output-init identity start the model able to copy what a head attends to. At 1M tokens
 * (2,000 steps) names stay consistent at nearly the defaults' English; at the two-minute budget
 * (1,000 steps) they cost too much English, so the plain recipe stays the default.
 */
import * as sg from '../../index.js';
import type { Command } from '../args.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';
import { abortOnSigint, ttyProgress, withProgressBreak } from './train-flags.js';
import { trainRun } from '../../train/run.js';
import { writeCorpusFile } from '../../data/corpus/index.js';

/** The demo's defaults: two minutes, good English; names drift (bench/RESULTS.md). */
const PLAIN_RECIPE = {
  steps: 1000, 'eval-every': 200, 'catch-steps': 0, 'catch-share': 0, 'embed-init-std': 0.02, 'value-output-init': 'normal', 'unembed-init': 'normal',
} as const;
/** `--names`: 1M tokens, 200 steps of games of catch first, a copy-friendly init; names stay consistent (5 of 8 stories). */
const NAMES_RECIPE = {
  steps: 2000, 'eval-every': 500, 'catch-steps': 200, 'catch-share': 0.2, 'embed-init-std': 0.6, 'value-output-init': 'identity', 'unembed-init': 'embed',
} as const;

export const demo: Command = {
  name: 'demo',
  summary: 'train a small GPT on the embedded story corpus and tell a story',
  description:
    'Writes the embedded procedural story corpus (--stories training documents, 5% as many held-out\n' +
    'validation stories), trains a BPE tokenizer and a small GPT on it into --out, printing the\n' +
    'progress line and a sample at each evaluation, then generates a story from "Once upon a time".\n' +
    'About two minutes on a 2-core CPU with the software WebGPU adapter at the defaults; the\n' +
    'names drift. --names trains twice as long on a recipe that keeps them (games of catch first,\n' +
    'a copy-friendly init; about 4-5 minutes). See bench/RESULTS.md, "Copy-friendly init".',
  flags: [
    { name: 'out', type: 'string', default: 'runs/demo', value: 'DIR', help: 'run directory (replaced if it holds an earlier demo)' },
    { name: 'names', type: 'boolean', help: 'the name-copying recipe (defaults in brackets below): names stay consistent; 4-5 minutes' },
    { name: 'steps', type: 'integer', value: 'N', help: 'optimizer steps (default 1000 [2000])' },
    { name: 'stories', type: 'integer', default: 6000, value: 'N', help: 'training stories to generate' },
    { name: 'vocab', type: 'integer', default: 1024, value: 'N', help: 'BPE vocabulary size' },
    { name: 'arch', type: 'string', default: 'llama', choices: ['gpt2', 'llama'], value: 'NAME', help: 'architecture' },
    { name: 'd-model', type: 'integer', default: 64, value: 'N', help: 'residual width' },
    { name: 'n-layer', type: 'integer', default: 4, value: 'N', help: 'transformer blocks' },
    { name: 'n-head', type: 'integer', default: 4, value: 'N', help: 'attention heads' },
    { name: 'batch', type: 'integer', default: 8, value: 'N', help: 'sequences per step' },
    { name: 'seq', type: 'integer', default: 64, value: 'N', help: 'tokens per sequence' },
    { name: 'lr', type: 'number', default: 1e-2, value: 'X', help: 'peak learning rate' },
    { name: 'catch-steps', type: 'integer', value: 'N', help: 'first steps on games of catch (name copying) at the peak lr, then a second warmup (default 0 [200])' },
    { name: 'catch-share', type: 'number', value: 'X', help: 'share of games of catch among the training stories (default 0 [0.2])' },
    { name: 'first-share', type: 'number', default: 1, value: 'X', help: 'share of games of catch in the first --catch-steps steps (the rest stories); at 1 the learning rate warms up again after them' },
    { name: 'embed-init-std', type: 'number', value: 'X', help: 'std of the token embedding at init (default 0.02 [0.6])' },
    { name: 'value-output-init', type: 'string', choices: ['normal', 'identity'], value: 'KIND', help: 'attention W_V, W_O at init: identity makes copying heads (default normal [identity])' },
    { name: 'unembed-init', type: 'string', choices: ['normal', 'embed'], value: 'KIND', help: 'the untied W_U at init: embed copies W_E (default normal [embed])' },
    { name: 'tie', type: 'boolean', help: 'tie the unembedding to the token embedding' },
    { name: 'eval-every', type: 'integer', value: 'N', help: 'evaluate, sample and checkpoint every N steps (default 200 [500])' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the corpus, weights, batches and story' },
    { name: 'story-tokens', type: 'integer', default: 160, value: 'N', help: 'length limit of the final story in tokens (beyond the context the model sees the last tokens only)' },
    BACKEND_FLAG,
  ],
  async run(given, io) {
    // --names switches the defaults of the recipe flags; flags given explicitly win either way.
    const recipe = given['names'] ? NAMES_RECIPE : PLAIN_RECIPE;
    const flags: typeof given = { ...given };
    for (const [k, v] of Object.entries(recipe)) if (flags[k] === undefined) flags[k] = v;
    const out = flags['out'] as string;
    for (const n of ['steps', 'stories', 'vocab', 'd-model', 'n-layer', 'n-head', 'batch', 'seq', 'eval-every', 'story-tokens']) {
      if (!((flags[n] as number) > 0)) throw new UsageError(`--${n} must be positive, got ${flags[n]}`, 'demo');
    }
    const catchSteps = flags['catch-steps'] as number, catchShare = flags['catch-share'] as number;
    if (!(catchSteps >= 0 && catchSteps < (flags['steps'] as number))) throw new UsageError(`--catch-steps must be in [0, --steps), got ${catchSteps}`, 'demo');
    const firstShare = flags['first-share'] as number;
    if (!(firstShare > 0 && firstShare <= 1)) throw new UsageError(`--first-share must be in (0, 1], got ${firstShare}`, 'demo');
    if (!(catchShare >= 0 && catchShare < 1)) throw new UsageError(`--catch-share must be in [0, 1), got ${catchShare}`, 'demo');
    if (!((flags['embed-init-std'] as number) > 0)) throw new UsageError(`--embed-init-std must be positive, got ${flags['embed-init-std']}`, 'demo');
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
      const trainPath = `${out}/corpus-train.txt`, valPath = `${out}/corpus-val.txt`, catchPath = `${out}/corpus-catch.txt`;
      // Half the games open like stories, also among the stories: that carries copying over to them
      // (5 of 8 consistent stories at 2,000 steps, against 1 of 8 with plain openings there), though
      // now and then a "Once upon a time" story turns into a game of catch (bench/RESULTS.md).
      const t = await writeCorpusFile(trainPath, { seed, count: stories, catchGames: catchShare });
      const v = await writeCorpusFile(valPath, { seed, count: Math.max(20, Math.round(stories / 20)), start: stories });
      const steps = flags['steps'] as number, batch = flags['batch'] as number, seq = flags['seq'] as number;
      // Games of catch are about 110 tokens: enough of them that the first steps rarely see a window twice.
      const g = catchSteps > 0 ? await writeCorpusFile(catchPath, { seed: seed + 1, count: Math.ceil((catchSteps * batch * seq) / 50), catchGames: firstShare }) : null;
      log(`corpus: ${t.stories} training ${catchShare ? `documents (${(t.bytes / 1e6).toFixed(1)} MB, ${catchShare * 100}% games of catch)` : `stories (${(t.bytes / 1e6).toFixed(1)} MB)`}, ${v.stories} validation stories` +
        (g ? `, ${g.stories} games of catch for the first ${catchSteps} steps` : '') + ', from the embedded generator');
      const warmupSteps = Math.min(50, Math.floor(steps / 10));
      const r = await trainRun({
        out,
        data: trainPath,
        val: valPath,
        tokenizer: `bpe:${flags['vocab']}`,
        ...(g ? { first: { data: catchPath, steps: catchSteps } } : {}),
        model: {
          arch: flags['arch'] as 'gpt2' | 'llama', dModel: flags['d-model'] as number, nLayer: flags['n-layer'] as number, nHead: flags['n-head'] as number,
          tieEmbeddings: !!flags['tie'], unembedInit: flags['unembed-init'] as 'normal' | 'embed', embedInitStd: flags['embed-init-std'] as number, valueOutputInit: flags['value-output-init'] as 'normal' | 'identity',
        },
        train: {
          steps, batchSize: batch, seqLen: seq, lr: flags['lr'] as number,
          warmupSteps, stableSteps: Math.max(0, catchSteps - warmupSteps), rewarmup: catchSteps > 0 && firstShare === 1, weightDecay: 0.1, gradClip: 1,
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
