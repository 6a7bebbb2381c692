/**
 * Activation patching: run the corrupted prompt while writing the clean prompt's activation into
 * one hook at one position (or all positions), and measure a metric of the logits, for every
 * layer × position. Clean and corrupted prompts must have the same shape; only the hooks patched
 * are cached from the clean run.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { withBackend } from '../runtime.js';
import { fmt } from '../shape.js';
import { runWithCache, runWithHooks, tokensTensor, type TokensLike } from './hooks.js';
import { resolveLayers, resolvePositions } from './bounds.js';
import { tokenRows } from './token-ids.js';
import type { LogitMetric } from './metrics.js';

/** Per-layer activations that can be patched (all have positions on axis 1). */
export type PatchableHook = 'resid_pre' | 'resid_mid' | 'resid_post' | 'attn_out' | 'mlp_out' | 'z' | 'mlp_post';

const HOOK_NAMES: Record<PatchableHook, (l: number) => string> = {
  resid_pre: (l) => `blocks.${l}.hook_resid_pre`,
  resid_mid: (l) => `blocks.${l}.hook_resid_mid`,
  resid_post: (l) => `blocks.${l}.hook_resid_post`,
  attn_out: (l) => `blocks.${l}.hook_attn_out`,
  mlp_out: (l) => `blocks.${l}.hook_mlp_out`,
  z: (l) => `blocks.${l}.attn.hook_z`,
  mlp_post: (l) => `blocks.${l}.mlp.hook_post`,
};

/** Options of `activationPatching`. */
export interface ActivationPatchingOptions {
  /** Which activation to patch in each layer (default 'resid_pre'). */
  hook?: PatchableHook;
  /** The metric of the patched run's logits (e.g. `logitDiffMetric(answer, distractor)`). */
  metric: LogitMetric;
  /** Layers (default all). */
  layers?: readonly number[];
  /** Positions patched one at a time (default all), or 'all' to patch every position at once. */
  positions?: readonly number[] | 'all';
}

/** The result table of `activationPatching`. */
export interface PatchingResult {
  /** The hook kind patched. */
  hook: PatchableHook;
  layers: number[];
  /** Positions (columns); 'all' when every position was patched at once. */
  positions: (number | 'all')[];
  /** metric of the patched run [layer][position]. */
  values: number[][];
  /** The metric on the clean and on the corrupted run. */
  clean: number;
  corrupted: number;
}

/** Evaluates the metric on logits made by `run` (no gradients) and frees them. */
async function measure(metric: LogitMetric, run: () => Tensor): Promise<number> {
  const logits = noGrad(() => tidy(run));
  try {
    return await metric(logits);
  } finally {
    logits.dispose();
  }
}

/**
 * For each layer and position, patches the clean activation into the corrupted run and records
 * `metric` of the result. values[i][j] = metric with layer layers[i] patched at positions[j].
 */
export async function activationPatching(
  model: GPT, clean: TokensLike, corrupted: TokensLike, opts: ActivationPatchingOptions,
): Promise<PatchingResult> {
  const hook = opts.hook ?? 'resid_pre';
  if (!(hook in HOOK_NAMES)) throw new Error(`storygrad: activationPatching: unknown hook '${hook}' (expected ${Object.keys(HOOK_NAMES).join(', ')})`);
  if (typeof opts.metric !== 'function') throw new Error('storygrad: activationPatching: `metric` must be a function of the logits');
  const layers = resolveLayers(model, opts.layers);
  const [cleanRows, corrRows] = [await tokenRows(model, clean), await tokenRows(model, corrupted)];
  const shapeOf = (r: number[][]) => [r.length, r[0]!.length];
  if (shapeOf(cleanRows).join() !== shapeOf(corrRows).join()) {
    throw new Error(`storygrad: activationPatching: clean tokens ${fmt(shapeOf(cleanRows))} and corrupted tokens ${fmt(shapeOf(corrRows))} must have the same shape`);
  }
  const T = cleanRows[0]!.length;
  const corrIds = tokensTensor(model, corrRows);
  try {
    const positions: (number | 'all')[] = opts.positions === 'all' ? ['all'] : resolvePositions(opts.positions, T);
    const names = layers.map((l) => HOOK_NAMES[hook](l));
    const { logits: cleanLogits, cache } = await runWithCache(model, cleanRows, { names });
    try {
      const cleanMetric = await opts.metric(cleanLogits);
      const corruptedMetric = await measure(opts.metric, () => model.forward(corrIds));
      const values: number[][] = [];
      for (const name of names) {
        const src = cache.get(name); // [B, T, ...]
        const row: number[] = [];
        for (const p of positions) {
          const patch = (act: Tensor) => {
            if (p === 'all') return src;
            const onehot = new Float32Array(T);
            onehot[p] = 1;
            const mask = withBackend(act.backend, () => reshape(tensor(onehot), act.shape.map((d, i) => (i === 1 ? d : 1))));
            return where(mask, src, act);
          };
          row.push(await measure(opts.metric, () => runWithHooks(model, corrIds, { fwd: [[name, patch]] })));
        }
        values.push(row);
      }
      return { hook, layers, positions, values, clean: cleanMetric, corrupted: corruptedMetric };
    } finally {
      cleanLogits.dispose();
      cache.dispose();
    }
  } finally {
    corrIds.dispose();
  }
}
