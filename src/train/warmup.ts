/**
 * Compiling a training step's kernels ahead of time, in the background.
 *
 * A WebGPU adapter compiles each pipeline's shader when it first runs it; a software adapter
 * (Mesa's llvmpipe) does so on its own thread, about 8.5 s for the demo's step on a machine whose
 * shader cache is empty (bench/RESULTS.md, "What a kernel pays for on llvmpipe"). `warmUpTrainStep`
 * submits one throwaway training step of a model with the given configuration and returns without
 * waiting, so that the compile runs while the caller does other work (the demo writes and
 * tokenizes its corpus meanwhile). Nothing of the throwaway step survives: its model, optimizer
 * and tensors are freed, and the global random state is restored, so a run that follows is bit for
 * bit the run it would have been.
 */
import { GPT } from '../models/gpt.js';
import { resolveConfig, type GPTConfig } from '../models/config.js';
import { clipScaleOnDevice } from '../optim/clip.js';
import { tidy } from '../memory/scope.js';
import { getRngState, setRngState, tensor } from '../ops/creation.js';
import { crossEntropy } from '../ops/nn.js';
import { getBackend } from '../runtime.js';
import { trainerOptimizer } from './trainer.js';

/** The step shape of `warmUpTrainStep`. */
export interface WarmUpOptions {
  /** Sequences per step. */
  batchSize: number;
  /** Tokens per sequence (at most the model's nCtx). */
  seqLen: number;
  /** Clip at this norm as the Trainer does (0: no clipping); default 1. */
  gradClip?: number;
}

/**
 * Submits one throwaway training step (forward, cross-entropy, backward, clipping, AdamW) of a
 * model built from `config`, so that the adapter compiles its kernels while the caller goes on.
 * Returns at once; does nothing on the CPU backend, which compiles nothing. The step's tokens are
 * zeros and its results are discarded.
 */
export function warmUpTrainStep(config: GPTConfig, opts: WarmUpOptions): void {
  const { batchSize: B, seqLen: T } = opts;
  if (!(Number.isInteger(B) && B > 0 && Number.isInteger(T) && T > 0)) {
    throw new Error(`storygrad: warmUpTrainStep: batchSize and seqLen must be positive integers, got ${B} and ${T}`);
  }
  const nCtx = resolveConfig(config).nCtx;
  if (T > nCtx) throw new Error(`storygrad: warmUpTrainStep: seqLen ${T} is above the model's nCtx ${nCtx}`);
  const be = getBackend();
  if (be.name !== 'webgpu') return;
  const rng = getRngState();
  const model = new GPT(config);
  const params = model.parameters();
  const optimizer = trainerOptimizer(params, { lr: 1e-3 }); // the Trainer's AdamW: the same kernels
  try {
    const clip = opts.gradClip ?? 1;
    const scale = tidy(() => {
      const V = model.config.vocabSize;
      const ids = new Int32Array(B * T);
      const logits = model.forward(tensor(ids, { shape: [B, T] })); // [B, T, V]
      crossEntropy(logits.reshape([B * T, V]), tensor(ids, { shape: [B * T] })).backward();
      return clip > 0 ? (clipScaleOnDevice(params, clip)?.scale ?? null) : null;
    });
    optimizer.step({ gradScale: scale });
    scale?.dispose();
    be.flush();
  } finally {
    optimizer.dispose();
    model.dispose();
    setRngState(rng);
  }
}
