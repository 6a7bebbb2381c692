/**
 * The training loop: AdamW with warmup + cosine decay, gradient clipping and accumulation,
 * periodic evaluation with a sampled story, a JSONL metrics log with an SVG loss plot, atomic
 * checkpoints with exact resumption, a progress line, and a clear stop on non-finite losses.
 *
 * One step = `gradAccum` micro-batches (forward + backward, gradients accumulate), clipping on
 * the device (the clip factor is applied inside the fused AdamW update), one optimizer update, and
 * one readback of (loss, grad norm) before the update so a non-finite step never touches the
 * weights. Batches depend only on (seed, step), the kernels are deterministic and the
 * optimizer/RNG state is checkpointed, so a resumed run produces the same losses as an
 * uninterrupted one.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import type { Batch } from '../data/loader.js';
import { AdamW, decayExempt } from '../optim/adamw.js';
import { clipScaleOnDevice } from '../optim/clip.js';
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import { memory } from '../memory/memory.js';
import { tensor, getRngState, setRngState } from '../ops/creation.js';
import { crossEntropy } from '../ops/nn.js';
import { div, add } from '../ops/elementwise.js';
import { stack } from '../ops/movement.js';
import { withBackend } from '../runtime.js';
import { learningRateAt } from './schedule.js';
import { MetricsLog, type MetricsRecord } from './metrics.js';
import { lossCurveSvg } from './plot.js';
import { formatProgress } from './progress.js';
import { findCheckpoint, loadCheckpoint, saveCheckpoint, type TrainingState } from './checkpoint.js';
import { findNonFiniteActivation, findNonFiniteParameter } from './nonfinite.js';

/** Where training batches come from (e.g. `sg.data.BatchSampler`). */
export interface TrainBatches {
  /** The batch of micro-step `index` (deterministic in index). */
  batch(index: number): Batch;
}

/** Where evaluation batches come from (e.g. a BatchSampler over the validation shard). */
export interface EvalBatches {
  evalBatches(maxBatches?: number): Iterable<Batch>;
}

/** Turns generated ids into text for the samples printed at each evaluation. */
export interface SampleDecoder {
  decode(ids: number[]): string;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  model: GPT;
  train: TrainBatches;
  val?: EvalBatches;
  /** Optimizer steps to run in total. */
  steps: number;
  /** Peak learning rate (default 1e-3). */
  lr?: number;
  /** Final learning rate of the cosine (default lr / 10). */
  minLr?: number;
  /** Warmup steps (default min(100, steps / 10)). */
  warmupSteps?: number;
  /** Steps held at the peak learning rate after warmup, before the cosine starts (default 0). */
  stableSteps?: number;
  /** Learning rate of the first warmup and the stable steps (default lr; see `learningRateAt`). */
  stableLr?: number;
  /** Warm up again when the stable steps end (a curriculum changing its data there; default false). */
  rewarmup?: boolean;
  /** AdamW's decoupled weight decay (default 0.1), applied to matrices and embeddings only unless `decayAll`. */
  weightDecay?: number;
  /** Decay every parameter, norm gains and biases (rank below 2) included (default false). */
  decayAll?: boolean;
  betas?: [number, number];
  /** Clip the global gradient norm to this (default 1; 0 = off). */
  gradClip?: number;
  /** Micro-batches per optimizer step (default 1). */
  gradAccum?: number;
  /** Evaluate every N steps and at the end (default 100; 0 = only at the end). */
  evalEvery?: number;
  /** Validation batches per evaluation (default 20). */
  evalBatches?: number;
  /** Save a checkpoint every N steps and at the end (default evalEvery); needs outDir. */
  checkpointEvery?: number;
  /** Run directory for checkpoints, metrics.jsonl and loss.svg (none: nothing is written). */
  outDir?: string;
  /** Sample a story at each evaluation from these prompt ids (none: no samples). */
  samplePrompt?: number[];
  sampleTokens?: number;
  sampleTemperature?: number;
  /** Stop sampling at these ids (e.g. BOS/EOS). */
  sampleStopTokens?: number[];
  decoder?: SampleDecoder;
  /** Lines of the log (default: none). */
  log?: (line: string) => void;
  /** Redraws a progress line in place (a TTY writer); when absent, progress goes to `log` every logEvery steps. */
  progress?: (line: string) => void;
  /** Plain log line every N steps when there is no TTY progress (default 10). */
  logEvery?: number;
  /** Stops after the current step, saving a checkpoint (e.g. from SIGINT). */
  signal?: AbortSignal;
}

/** What `run()` returns. */
export interface TrainResult {
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** Training loss of each step run by this call, in order. */
  losses: number[];
  finalLoss: number;
  valLoss?: number;
  tokensPerSec: number;
  wallSeconds: number;
  /** True when stopped early by the signal. */
  interrupted: boolean;
}

/** Thrown when a step's loss or gradient norm is not finite. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(readonly step: number, readonly culprit: string | null, loss: number, norm: number) {
    super(
      `storygrad: training diverged at step ${step}: loss ${loss}, gradient norm ${norm}; ` +
        (culprit ? `first non-finite value: ${culprit}` : 'no non-finite parameter, gradient or activation found on re-check') +
        '. Nothing was saved for this step (try a lower --lr or --grad-clip).',
    );
  }
}

const isNode = () => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * The Trainer's optimizer for `params`: AdamW with weight decay (default 0.1) on matrices and
 * embeddings only (norm gains and biases exempt unless decayAll) and betas (default 0.9, 0.95).
 * Shared with `warmUpTrainStep`, whose throwaway step must run the same kernels.
 */
export function trainerOptimizer(params: Tensor[], opts: Pick<TrainerOptions, 'lr' | 'weightDecay' | 'decayAll' | 'betas'>): AdamW {
  return new AdamW(params, {
    lr: opts.lr ?? 1e-3,
    weightDecay: opts.weightDecay ?? 0.1,
    noDecay: opts.decayAll ? [] : decayExempt(params),
    betas: opts.betas ?? [0.9, 0.95],
  });
}

/** Trains a GPT; see the file header for what one step does. */
export class Trainer {
  readonly model: GPT;
  readonly optimizer: AdamW;
  /** Steps completed so far (the index of the next step). */
  step = 0;
  private tokensSeen = 0;
  private lastValLoss: number | undefined;
  private readonly o: Required<Pick<TrainerOptions, 'lr' | 'gradClip' | 'gradAccum' | 'evalEvery' | 'evalBatches' | 'logEvery' | 'warmupSteps'>> & TrainerOptions;
  private readonly metrics: MetricsLog | null;

  constructor(opts: TrainerOptions) {
    if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`storygrad: Trainer: steps must be a positive integer, got ${opts.steps}`);
    const evalEvery = opts.evalEvery ?? 100;
    this.o = {
      ...opts,
      lr: opts.lr ?? 1e-3,
      gradClip: opts.gradClip ?? 1,
      gradAccum: opts.gradAccum ?? 1,
      evalEvery,
      evalBatches: opts.evalBatches ?? 20,
      logEvery: opts.logEvery ?? 10,
      warmupSteps: opts.warmupSteps ?? Math.min(100, Math.floor(opts.steps / 10)),
    };
    if (!Number.isInteger(this.o.gradAccum) || this.o.gradAccum < 1) throw new Error(`storygrad: Trainer: gradAccum must be a positive integer, got ${this.o.gradAccum}`);
    if (opts.stableSteps !== undefined && !(Number.isInteger(opts.stableSteps) && opts.stableSteps >= 0)) {
      throw new Error(`storygrad: Trainer: stableSteps must be a non-negative integer, got ${opts.stableSteps}`);
    }
    if (!(this.o.lr > 0)) throw new Error(`storygrad: Trainer: lr must be positive, got ${this.o.lr}`);
    if (opts.stableLr !== undefined && !(opts.stableLr > 0)) throw new Error(`storygrad: Trainer: stableLr must be positive, got ${opts.stableLr}`);
    this.model = opts.model;
    const params = opts.model.parameters();
    this.optimizer = trainerOptimizer(params, { ...opts, lr: this.o.lr });
    this.metrics = opts.outDir ? new MetricsLog(`${opts.outDir}/metrics.jsonl`) : null;
  }

  /** Restores the latest checkpoint of `outDir`, if there is one; returns the step it resumes at. */
  async resume(): Promise<number> {
    if (!this.o.outDir) throw new Error('storygrad: Trainer.resume needs outDir');
    const dir = await findCheckpoint(this.o.outDir);
    if (!dir) throw new Error(`storygrad: Trainer.resume: no checkpoint in ${this.o.outDir}`);
    const state = await loadCheckpoint(dir, this.model, this.optimizer);
    this.step = state.step;
    this.tokensSeen = state.tokensSeen;
    this.lastValLoss = state.lastValLoss;
    setRngState(state.rng);
    await this.metrics?.truncateAfter(state.step);
    return state.step;
  }

  private state(): TrainingState {
    return { step: this.step, optimizerT: this.optimizer.t, rng: getRngState(), tokensSeen: this.tokensSeen, lastValLoss: this.lastValLoss, format: 1 };
  }

  /** Saves a checkpoint of the current step under outDir. */
  async saveCheckpoint(): Promise<void> {
    if (!this.o.outDir) throw new Error('storygrad: Trainer.saveCheckpoint needs outDir');
    await saveCheckpoint(this.o.outDir, this.model, this.optimizer, this.state());
  }

  private get backend() {
    return this.model.embed.W_E.backend;
  }

  /** Forward + backward of one micro-batch; returns its mean loss (scaled by 1/accum) on device. */
  private microStep(b: Batch): Tensor {
    const V = this.model.config.vocabSize;
    const n = b.batchSize * b.seqLen;
    const x = tensor(b.inputs, { shape: [b.batchSize, b.seqLen] });
    const y = tensor(b.targets, { shape: [n] });
    const logits = this.model.forward(x); // [B, T, V]
    let loss = crossEntropy(logits.reshape([n, V]), y);
    if (this.o.gradAccum > 1) loss = div(loss, this.o.gradAccum);
    loss.backward();
    return loss.detach();
  }

  /** Mean validation loss over up to evalBatches batches (NaN without a validation set). */
  async evaluate(): Promise<number> {
    if (!this.o.val) return NaN;
    const V = this.model.config.vocabSize;
    let total = 0, count = 0;
    this.model.eval();
    try {
      for (const b of this.o.val.evalBatches(this.o.evalBatches)) {
        const n = b.batchSize * b.seqLen;
        const l = withBackend(this.backend, () => noGrad(() => tidy(() => {
          const logits = this.model.forward(tensor(b.inputs, { shape: [b.batchSize, b.seqLen] }));
          return crossEntropy(logits.reshape([n, V]), tensor(b.targets, { shape: [n] }), { reduction: 'sum' });
        })));
        total += await l.item();
        l.dispose();
        count += n;
      }
    } finally {
      this.model.train();
    }
    return count ? total / count : NaN;
  }

  /** A sampled continuation of samplePrompt, decoded (empty without a prompt and decoder). */
  async sample(seed = this.step): Promise<string> {
    const prompt = this.o.samplePrompt;
    if (!prompt || !this.o.decoder) return '';
    const ids: number[] = [];
    this.model.eval();
    try {
      for await (const id of this.model.generate(prompt, {
        maxNewTokens: this.o.sampleTokens ?? 96,
        temperature: this.o.sampleTemperature ?? 0.8,
        seed,
        stopTokens: this.o.sampleStopTokens,
      })) ids.push(id);
    } finally {
      this.model.train();
    }
    return this.o.decoder.decode([...prompt, ...ids]);
  }

  private async writePlot(): Promise<void> {
    if (!this.o.outDir || !this.metrics) return;
    const { writeFileAtomic } = await import('../io/atomic-write.js');
    const svg = lossCurveSvg(await this.metrics.read(), { title: `loss — ${this.model.config.arch}, d ${this.model.config.dModel}, ${this.model.config.nLayer} layers` });
    await writeFileAtomic(`${this.o.outDir}/loss.svg`, new TextEncoder().encode(svg));
  }

  /** Runs from the current step to `steps`; see TrainResult. */
  async run(): Promise<TrainResult> {
    const o = this.o;
    const log = o.log ?? (() => {});
    if (o.outDir && isNode()) await (await import('node:fs/promises')).mkdir(o.outDir, { recursive: true });
    const params = this.model.parameters();
    this.model.train();
    const losses: number[] = [];
    const t0 = performance.now();
    let tokensThisRun = 0;
    let lastLoss = NaN;
    let interrupted = false;
    const schedule = { lr: o.lr, warmupSteps: o.warmupSteps, stableSteps: o.stableSteps, stableLr: o.stableLr, rewarmup: o.rewarmup, totalSteps: o.steps, minLr: o.minLr };
    const isEvalStep = (s: number) => s === o.steps || (o.evalEvery > 0 && s % o.evalEvery === 0);
    const checkpointEvery = o.checkpointEvery ?? o.evalEvery;
    const isCheckpointStep = (s: number) => s === o.steps || (checkpointEvery > 0 && s % checkpointEvery === 0);

    while (this.step < o.steps) {
      const step = this.step;
      const lr = learningRateAt(step, schedule);
      this.optimizer.lr = lr;
      let tokens = 0;
      const firstBatch: Batch[] = [];
      const clipScale: { t: Tensor | null } = { t: null }; // the clip factor, applied inside the AdamW update
      // (loss, grad norm) of the step, still on the device.
      const stats = withBackend(this.backend, () => tidy(() => {
        let total: Tensor | null = null;
        for (let k = 0; k < o.gradAccum; k++) {
          const b = o.train.batch(step * o.gradAccum + k);
          if (k === 0) firstBatch.push(b);
          tokens += b.batchSize * b.seqLen;
          const l = this.microStep(b);
          total = total ? add(total, l) : l;
        }
        const clip = o.gradClip > 0 ? clipScaleOnDevice(params, o.gradClip) : null;
        if (clip) clipScale.t = keep(clip.scale);
        return keep(stack([total!, clip?.norm ?? total!]));
      }));
      const [loss, gradNorm] = Array.from(await stats.data());
      stats.dispose();
      if (!Number.isFinite(loss!) || !Number.isFinite(gradNorm!)) {
        const b = firstBatch[0]!;
        const culprit = (await findNonFiniteParameter(this.model)) ?? (await findNonFiniteActivation(this.model, b.inputs, b.batchSize, b.seqLen));
        this.optimizer.zeroGrad();
        clipScale.t?.dispose();
        throw new NonFiniteLossError(step, culprit, loss!, gradNorm!);
      }
      withBackend(this.backend, () => {
        this.optimizer.step({ gradScale: clipScale.t });
        this.optimizer.zeroGrad();
      });
      clipScale.t?.dispose();
      this.step++;
      this.tokensSeen += tokens;
      tokensThisRun += tokens;
      losses.push(loss!);
      lastLoss = loss!;
      const elapsed = (performance.now() - t0) / 1000;
      const tokensPerSec = tokensThisRun / Math.max(elapsed, 1e-9);
      const record: MetricsRecord = {
        step: this.step, loss: loss!, lr, gradNorm: o.gradClip > 0 ? gradNorm! : undefined, tokensPerSec,
        bytesInUse: memory().bytesInUse, elapsedMs: Math.round(elapsed * 1000),
      };
      const eta = ((o.steps - this.step) * elapsed) / Math.max(1, losses.length);
      if (isEvalStep(this.step)) {
        record.valLoss = await this.evaluate();
        if (Number.isFinite(record.valLoss)) this.lastValLoss = record.valLoss;
        else delete record.valLoss;
        const text = await this.sample();
        if (text) record.sample = text;
      }
      const line = formatProgress({ step: this.step, totalSteps: o.steps, loss: loss!, tokensPerSec, etaSeconds: eta, valLoss: record.valLoss, lr });
      if (o.progress) o.progress(line);
      else if (this.step % o.logEvery === 0 || record.valLoss !== undefined || this.step === o.steps) log(line);
      if (record.valLoss !== undefined && o.progress) log(line);
      if (record.sample) log(`sample @ step ${this.step}: ${record.sample.replace(/\n/g, ' ')}`);
      await this.metrics?.append(record);
      if (o.signal?.aborted) interrupted = true;
      if (o.outDir && (isCheckpointStep(this.step) || interrupted)) {
        await this.saveCheckpoint();
        if (isEvalStep(this.step)) await this.writePlot();
      }
      if (interrupted) {
        log(`interrupted: checkpoint saved at step ${this.step}${o.outDir ? ` in ${o.outDir}/checkpoint` : ''}`);
        break;
      }
    }
    const wall = (performance.now() - t0) / 1000;
    return {
      steps: this.step,
      losses,
      finalLoss: lastLoss,
      valLoss: this.lastValLoss,
      tokensPerSec: tokensThisRun / Math.max(wall, 1e-9),
      wallSeconds: wall,
      interrupted,
    };
  }
}
