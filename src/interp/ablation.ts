/**
 * Zero and mean ablation of attention heads (through `attn.hook_z`) and MLP neurons (through
 * `mlp.hook_post`). Zero ablation replaces the activation by 0; mean ablation by its mean over
 * every batch row and position of a reference batch (the clean activations of `meanOver`).
 * Since attn_out = Σ_h z_h W_O,hᵀ + b_O, zeroing every head of a layer leaves attn_out = b_O.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import type { ForwardHook } from '../nn/hook-point.js';
import { tensor } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { crossEntropy } from '../ops/nn.js';
import { reshape, slice } from '../ops/movement.js';
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/scope.js';
import { withBackend } from '../runtime.js';
import { runWithHooks, tokensTensor, type RunWithHooksOptions, type TokensLike } from './hooks.js';
import { checkHead, checkNeuron } from './bounds.js';

/** What to ablate and how. */
export interface AblationOptions {
  /** [layer, head] pairs ablated through `blocks.{layer}.attn.hook_z`. */
  heads?: readonly (readonly [number, number])[];
  /** [layer, neuron] pairs ablated through `blocks.{layer}.mlp.hook_post`. */
  neurons?: readonly (readonly [number, number])[];
  /** 'zero' (default) or 'mean'. */
  mode?: 'zero' | 'mean';
  /** mean mode: the reference batch whose mean activations replace the ablated ones (default: the tokens ablated). */
  meanOver?: TokensLike;
}

/** Forward hooks that perform an ablation; `dispose` frees the mean activations they hold. */
export interface AblationHooks {
  fwd: NonNullable<RunWithHooksOptions['fwd']>;
  dispose(): void;
}

/** Indices grouped by layer, checked and deduplicated. */
function byLayer(pairs: readonly (readonly [number, number])[], check: (l: number, i: number) => unknown): Map<number, number[]> {
  const m = new Map<number, Set<number>>();
  for (const [l, i] of pairs) {
    check(l, i);
    if (!m.has(l)) m.set(l, new Set());
    m.get(l)!.add(i);
  }
  return new Map([...m].map(([l, s]) => [l, [...s].sort((a, b) => a - b)]));
}

/** A 0/1 f32 tensor on `like`'s backend: 1 at `ones` along an axis of length n, shaped `shape`. */
function indicator(like: Tensor, n: number, ones: readonly number[], shape: number[]): Tensor {
  const v = new Float32Array(n);
  for (const i of ones) v[i] = 1;
  return withBackend(like.backend, () => reshape(tensor(v), shape));
}

/**
 * The forward hooks of an ablation (for `runWithHooks` / `runWithCache`). In mean mode the model
 * runs once on `opts.meanOver` (required here) to record the mean activations.
 */
export function ablationHooks(model: GPT, opts: AblationOptions): AblationHooks {
  const heads = byLayer(opts.heads ?? [], (l, h) => checkHead(model, l, h));
  const neurons = byLayer(opts.neurons ?? [], (l, i) => checkNeuron(model, l, i));
  const mode = opts.mode ?? 'zero';
  if (mode !== 'zero' && mode !== 'mean') throw new Error(`storygrad: ablation mode must be 'zero' or 'mean', got '${mode}'`);
  if (heads.size === 0 && neurons.size === 0) throw new Error('storygrad: ablation: give at least one of `heads` or `neurons`');
  const targets = [
    ...[...heads].map(([l, idx]) => ({ name: `blocks.${l}.attn.hook_z`, idx, axis: 2 })), // [B, T, H, dHead]
    ...[...neurons].map(([l, idx]) => ({ name: `blocks.${l}.mlp.hook_post`, idx, axis: 2 })), // [B, T, dMlp]
  ];
  const means = new Map<string, Tensor>(); // name -> mean over [B, T]: [H, dHead] or [dMlp]
  if (mode === 'mean') {
    if (opts.meanOver === undefined) throw new Error('storygrad: ablationHooks: mean mode needs `meanOver`, the reference tokens');
    const record: ForwardHook = (act, hp) => { means.set(hp.name, keep(mean(act, [0, 1]))); };
    noGrad(() => tidy(() => { runWithHooks(model, opts.meanOver!, { fwd: [[targets.map((t) => t.name), record]] }); }));
  }
  const fwd: AblationHooks['fwd'] = targets.map(({ name, idx, axis }) => [name, (act: Tensor) => {
    const shape = act.shape.map((d, i) => (i === axis ? d : 1));
    const cond = indicator(act, act.shape[axis]!, idx, shape);
    return where(cond, means.get(name) ?? 0, act);
  }] as const);
  return { fwd, dispose: () => { for (const t of means.values()) t.dispose(); means.clear(); } };
}

/**
 * The logits [B, T, V] of `tokens` with the given heads and neurons ablated (no gradients). In
 * mean mode the means are taken over `meanOver` (default: `tokens` themselves).
 */
export function ablate(model: GPT, tokens: TokensLike, opts: AblationOptions): Tensor {
  const hooks = ablationHooks(model, { ...opts, meanOver: opts.meanOver ?? tokens });
  try {
    return noGrad(() => tidy(() => runWithHooks(model, tokens, { fwd: hooks.fwd })));
  } finally {
    hooks.dispose();
  }
}

/** Mean next-token cross-entropy of the clean and the ablated model on `tokens`. */
export interface AblationLoss {
  clean: number;
  ablated: number;
  /** ablated − clean. */
  delta: number;
}

/** The next-token loss (positions 0..T-2 predicting 1..T-1) with and without the ablation. */
export async function ablationLoss(model: GPT, tokens: TokensLike, opts: AblationOptions): Promise<AblationLoss> {
  const ids = tokensTensor(model, tokens);
  try {
    const T = ids.shape[1]!;
    if (T < 2) throw new Error('storygrad: ablationLoss needs at least 2 tokens per sequence');
    const loss = async (logits: Tensor) => {
      const l = noGrad(() => tidy(() => {
        const V = logits.shape[2]!;
        return crossEntropy(reshape(slice(logits, 1, 0, T - 1), [-1, V]), reshape(slice(ids, 1, 1, T), [-1]));
      }));
      logits.dispose();
      const v = await l.item();
      l.dispose();
      return v;
    };
    const clean = await loss(noGrad(() => tidy(() => model.forward(ids))));
    const ablated = await loss(ablate(model, ids, opts));
    return { clean, ablated, delta: ablated - clean };
  } finally {
    if (ids !== tokens) ids.dispose();
  }
}
