/**
 * `storygrad demo`, the README's main command: writes the embedded procedural story corpus
 * (src/data/corpus/), trains a small GPT on it (BPE tokenizer trained on the corpus, held-out
 * validation stories) into a run directory with the progress line, evaluation samples and
 * checkpoints of `storygrad train`, then prints a story generated from "Once upon a time".
 * Exits 1 when the validation loss is not at least one nat below a uniform guess (ln V).
 *
 * The default recipe keeps characters' names (bench/RESULTS.md, "A one-layer demo that keeps
 * names" and "Vocabulary, first-stage share and temperature"): the first --catch-steps steps train
 * on a mix of games of catch (a name every four tokens; 90%) and stories at the peak learning
 * rate, then the stories alone; --embed-init-std, --unembed-init embed and --value-output-init
 * identity start the model able to copy what a head attends to. At this budget (about two minutes
 * on a 2-core CPU) one layer at context 128 beats deeper models: a layer costs about as much as the
 * embedding and unembedding, so one layer trains three times the tokens of four. A 1,536-token BPE
 * makes most of the corpus's words one token, which costs 13% more per step and learns far more
 * per character than 1,024. The story is the likeliest (by the model's own mean log-probability)
 * of 4 samples at temperature 0.4: names hold more often and fewer sentences garble than in one
 * sample at 0.7. `--plain` trains the same shape without the games and the
 * copy-friendly init (names drift), for comparison.
 */
import * as sg from '../../index.js';
import type { Command } from '../args.js';
import { UsageError } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';
import { abortOnSigint, ttyProgress, withProgressBreak } from './train-flags.js';
import { trainRun } from '../../train/run.js';
import { writeCorpusFile } from '../../data/corpus/index.js';

/** Steps on games of catch at the start of the default recipe (at most a fifth of --steps). */
const CATCH_STEPS = 200;
/** The default recipe: games of catch first, a copy-friendly init; names stay consistent. */
const NAMES_RECIPE = { 'catch-share': 0.05, 'embed-init-std': 0.6, 'value-output-init': 'identity', 'unembed-init': 'embed' } as const;
/** The learning rate of the games of catch at most: above it some seeds never learn to copy (bench/RESULTS.md). */
const CATCH_LR_MAX = 1e-2;
/** `--plain`: stories only and the usual init (names drift; bench/RESULTS.md). */
const PLAIN_RECIPE = { 'catch-steps': 0, 'catch-share': 0, 'embed-init-std': 0.02, 'value-output-init': 'normal', 'unembed-init': 'normal' } as const;

export const demo: Command = {
  name: 'demo',
  summary: 'train a small GPT on the embedded story corpus and tell a story',
  description:
    'Writes the embedded procedural story corpus (--stories training documents, 5% as many held-out\n' +
    'validation stories), trains a BPE tokenizer and a small GPT on it into --out, printing the\n' +
    'progress line and a sample at each evaluation, then generates a story from "Once upon a time".\n' +
    'About two minutes on a 2-core CPU with the software WebGPU adapter. The recipe keeps names:\n' +
    'mostly games of catch (a name every four tokens) for the first --catch-steps steps at a lower\n' +
    'rate, then the stories with 5% games among them, from a copy-friendly init; --plain trains on\n' +
    'stories only from the usual init (names drift). The story is the likeliest of --candidates\n' +
    'samples at temperature 0.3, none repeating an 8-token phrase. See bench/RESULTS.md, "A\n' +
    'one-layer demo that keeps names" and "Two minutes again".',
  flags: [
    { name: 'out', type: 'string', default: 'runs/demo', value: 'DIR', help: 'run directory (replaced if it holds an earlier demo)' },
    { name: 'plain', type: 'boolean', help: 'stories only, the usual init (defaults in brackets below): names drift' },
    { name: 'steps', type: 'integer', default: 1600, value: 'N', help: 'optimizer steps' },
    { name: 'stories', type: 'integer', default: 6000, value: 'N', help: 'training stories to generate' },
    { name: 'vocab', type: 'integer', default: 1536, value: 'N', help: 'BPE vocabulary size' },
    { name: 'arch', type: 'string', default: 'llama', choices: ['gpt2', 'llama'], value: 'NAME', help: 'architecture' },
    { name: 'd-model', type: 'integer', default: 64, value: 'N', help: 'residual width' },
    { name: 'n-layer', type: 'integer', default: 1, value: 'N', help: 'transformer blocks' },
    { name: 'n-head', type: 'integer', default: 4, value: 'N', help: 'attention heads' },
    { name: 'batch', type: 'integer', default: 4, value: 'N', help: 'sequences per step' },
    { name: 'seq', type: 'integer', default: 128, value: 'N', help: 'tokens per sequence (the model\'s context)' },
    { name: 'lr', type: 'number', default: 2e-2, value: 'X', help: 'peak learning rate' },
    { name: 'catch-lr', type: 'number', value: 'X', help: `learning rate of the --catch-steps (default the smaller of --lr and ${CATCH_LR_MAX} [--lr])` },
    { name: 'catch-steps', type: 'integer', value: 'N', help: `first steps on games of catch (name copying) at the peak lr, then a second warmup (default ${CATCH_STEPS}, at most --steps / 5 [0])` },
    { name: 'catch-share', type: 'number', value: 'X', help: 'share of games of catch among the training stories: keeps the copying up at the peak lr (default 0.05 [0])' },
    { name: 'first-share', type: 'number', default: 0.9, value: 'X', help: 'share of games of catch in the first --catch-steps steps, the rest stories (keeps the stories\' tokens likely); at 1 the learning rate warms up again after them' },
    { name: 'embed-init-std', type: 'number', value: 'X', help: 'std of the token embedding at init (default 0.6 [0.02])' },
    { name: 'value-output-init', type: 'string', choices: ['normal', 'identity'], value: 'KIND', help: 'attention W_V, W_O at init: identity makes copying heads (default identity [normal])' },
    { name: 'unembed-init', type: 'string', choices: ['normal', 'embed'], value: 'KIND', help: 'the untied W_U at init: embed copies W_E (default embed [normal])' },
    { name: 'tie', type: 'boolean', help: 'tie the unembedding to the token embedding' },
    { name: 'eval-every', type: 'integer', value: 'N', help: 'evaluate, sample and checkpoint every N steps (default --steps / 4)' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the corpus, weights, batches and story' },
    { name: 'temperature', type: 'number', default: 0.3, value: 'X', help: 'sampling temperature of the final story (higher: more varied, more garbled; lower: loops without --no-repeat-ngram)' },
    { name: 'candidates', type: 'integer', default: 4, value: 'N', help: 'stories sampled (in one batch); the one the model finds likeliest (mean log-probability per token) is printed' },
    { name: 'top-p', type: 'number', default: 0.9, value: 'X', help: 'nucleus sampling: sample among the likeliest tokens holding this much probability' },
    { name: 'no-repeat-ngram', type: 'integer', default: 8, value: 'N', help: 'the story never repeats an n-gram of N tokens (0 = off): stops loops; corpus stories repeat one in 2% of stories' },
    { name: 'story-tokens', type: 'integer', default: 160, value: 'N', help: 'length limit of the final story in tokens (beyond the context the model sees the last tokens only)' },
    BACKEND_FLAG,
  ],
  async run(given, io) {
    // --plain switches the defaults of the recipe flags; flags given explicitly win either way.
    const flags: typeof given = { ...given };
    const recipe: Record<string, string | number> = given['plain']
      ? { ...PLAIN_RECIPE }
      : { ...NAMES_RECIPE, 'catch-steps': Math.min(CATCH_STEPS, Math.floor((flags['steps'] as number) / 5)) };
    recipe['eval-every'] = Math.max(1, Math.round((flags['steps'] as number) / 4));
    for (const [k, v] of Object.entries(recipe)) if (flags[k] === undefined) flags[k] = v;
    if (!given['plain'] && flags['catch-lr'] === undefined) flags['catch-lr'] = Math.min(flags['lr'] as number, CATCH_LR_MAX);
    const out = flags['out'] as string;
    for (const n of ['steps', 'stories', 'vocab', 'd-model', 'n-layer', 'n-head', 'batch', 'seq', 'eval-every', 'story-tokens', 'candidates']) {
      if (!((flags[n] as number) > 0)) throw new UsageError(`--${n} must be positive, got ${flags[n]}`, 'demo');
    }
    const catchSteps = flags['catch-steps'] as number, catchShare = flags['catch-share'] as number;
    if (!(catchSteps >= 0 && catchSteps < (flags['steps'] as number))) throw new UsageError(`--catch-steps must be in [0, --steps), got ${catchSteps}`, 'demo');
    const firstShare = flags['first-share'] as number;
    if (!(firstShare > 0 && firstShare <= 1)) throw new UsageError(`--first-share must be in (0, 1], got ${firstShare}`, 'demo');
    if (!(catchShare >= 0 && catchShare < 1)) throw new UsageError(`--catch-share must be in [0, 1), got ${catchShare}`, 'demo');
    if (flags['catch-lr'] !== undefined && !((flags['catch-lr'] as number) > 0)) throw new UsageError(`--catch-lr must be positive, got ${flags['catch-lr']}`, 'demo');
    if (!((flags['temperature'] as number) > 0)) throw new UsageError(`--temperature must be positive, got ${flags['temperature']}`, 'demo');
    const topP = flags['top-p'] as number;
    if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got ${topP}`, 'demo');
    const noRepeatNgram = flags['no-repeat-ngram'] as number;
    if (noRepeatNgram < 0) throw new UsageError(`--no-repeat-ngram must be >= 0, got ${noRepeatNgram}`, 'demo');
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
      const steps = flags['steps'] as number, batch = flags['batch'] as number, seq = flags['seq'] as number;
      const model = {
        arch: flags['arch'] as 'gpt2' | 'llama', dModel: flags['d-model'] as number, nLayer: flags['n-layer'] as number, nHead: flags['n-head'] as number,
        tieEmbeddings: !!flags['tie'], unembedInit: flags['unembed-init'] as 'normal' | 'embed', embedInitStd: flags['embed-init-std'] as number, valueOutputInit: flags['value-output-init'] as 'normal' | 'identity',
      };
      // The adapter compiles the step's kernels (seconds on a fresh machine) while the corpus is
      // written and tokenized below; the run itself is unchanged by it.
      sg.train.warmUpTrainStep({ ...model, vocabSize: flags['vocab'] as number, nCtx: seq }, { batchSize: batch, seqLen: seq, gradClip: 1 });
      // Half the games open like stories, which carries the copying over to them. 5% games among the
      // stories (--catch-share) keep the copying up while the stories train at the peak rate, 2e-2;
      // the loops they bring into some stories (a game of catch played on and on) the sampler's
      // --no-repeat-ngram stops (bench/RESULTS.md, "Two minutes again").
      const t = await writeCorpusFile(trainPath, { seed, count: stories, catchGames: catchShare });
      const v = await writeCorpusFile(valPath, { seed, count: Math.max(20, Math.round(stories / 20)), start: stories });
      // Games of catch are about 110 tokens: enough of them that the first steps rarely see a window twice.
      const g = catchSteps > 0 ? await writeCorpusFile(catchPath, { seed: seed + 1, count: Math.ceil((catchSteps * batch * seq) / 50), catchGames: firstShare }) : null;
      log(`corpus: ${t.stories} training ${catchShare ? `documents (${(t.bytes / 1e6).toFixed(1)} MB, ${+(catchShare * 100).toFixed(1)}% games of catch)` : `stories (${(t.bytes / 1e6).toFixed(1)} MB)`}, ${v.stories} validation stories` +
        (g ? `, ${g.stories} ${firstShare === 1 ? 'games of catch' : `documents (${Math.round(firstShare * 100)}% games of catch)`} for the first ${catchSteps} steps` : '') + ', from the embedded generator');
      const warmupSteps = Math.min(50, Math.floor(steps / 10));
      const r = await trainRun({
        out,
        data: trainPath,
        val: valPath,
        tokenizer: `bpe:${flags['vocab']}`,
        ...(g ? { first: { data: catchPath, steps: catchSteps } } : {}),
        model,
        train: {
          steps, batchSize: batch, seqLen: seq, lr: flags['lr'] as number,
          warmupSteps, stableSteps: Math.max(0, catchSteps - warmupSteps), ...(flags['catch-lr'] !== undefined ? { stableLr: flags['catch-lr'] as number } : {}), rewarmup: catchSteps > 0 && firstShare === 1, weightDecay: 0.1, gradClip: 1,
          evalEvery: flags['eval-every'] as number, evalBatches: 10, seed, sampleTokens: 64,
        },
        log, progress, signal: ctrl.signal,
      });
      const firstVal = Math.log(r.tokenizer.vocabSize);
      log(`trained ${r.steps} steps in ${r.wallSeconds.toFixed(0)} s (${Math.round(r.tokensPerSec).toLocaleString('en-US')} tokens/s); validation loss ${r.valLoss?.toFixed(3) ?? '?'} nats/token (uniform guess: ${firstVal.toFixed(3)})`);
      // The story: the run's tokenizer, prompt "Once upon a time", nucleus sampling at temperature 0.3;
      // of --candidates samples the one the model itself finds likeliest (names hold more often and
      // fewer sentences garble than with one sample at 0.7: bench/RESULTS.md); no sample repeats an
      // n-gram of --no-repeat-ngram tokens, which stops the loops of a cold sampler.
      const prompt = [r.tokenizer.separatorId, ...r.tokenizer.encode('Once upon a time')];
      const nCand = flags['candidates'] as number;
      r.model.eval();
      const { ids, scores, best } = await sg.models.sampleLikeliest(r.model, prompt, nCand, {
        maxNewTokens: flags['story-tokens'] as number,
        temperature: flags['temperature'] as number, topP, noRepeatNgram, seed, stopTokens: r.tokenizer.stopIds,
      });
      if (nCand > 1) log(`story: the likeliest of ${nCand} samples (mean log-probability per token ${scores.map((x, k) => (k === best ? `[${x.toFixed(2)}]` : x.toFixed(2))).join(', ')})`);
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
