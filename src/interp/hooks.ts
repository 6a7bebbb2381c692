/**
 * Running a model with hooks: `runWithHooks` attaches forward/backward hooks for one forward pass
 * and removes them when it ends (also on error); `runWithCache` records the activations a filter
 * selects. Works on any model exposing named hook points (GPT does).
 */
import type { Tensor } from '../tensor.js';
import type { BackwardHook, ForwardHook, HookPoint, RemoveHook } from '../nn/hook-point.js';
import { keep, tidy } from '../memory/scope.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';
import { withBackend } from '../runtime.js';
import { ActivationCache } from './activation-cache.js';
import { addHooks, type HookFilter } from './hook-filter.js';

export { addHooks, selectHooks, type HookFilter } from './hook-filter.js';
export { ActivationCache } from './activation-cache.js';

/** Token ids: an i32 tensor [B, T], one sequence `number[]`, or equal-length sequences `number[][]`. */
export type TokensLike = Tensor | readonly number[] | readonly (readonly number[])[];

/** What hook-running needs of a model. */
export interface HookedModel {
  hookPoints(): Map<string, HookPoint>;
  forward(tokens: Tensor): Tensor;
  parameters(): Tensor[];
}

/** Options of `runWithHooks`. */
export interface RunWithHooksOptions {
  /** Forward hooks: [which hook points, hook]; a hook may return a replacement activation. */
  fwd?: readonly (readonly [HookFilter, ForwardHook])[];
  /** Backward hooks on the activations' gradients (they fire during a later `backward()`). */
  bwd?: readonly (readonly [HookFilter, BackwardHook])[];
}

/** Options of `runWithCache`. */
export interface RunWithCacheOptions {
  /** Which activations to cache (default: every hook point). */
  names?: HookFilter;
  /** Record gradients (cached activations then stay attached to the graph). Default false. */
  grad?: boolean;
  /** Extra forward hooks for this call (applied before caching, in the order given). */
  fwd?: RunWithHooksOptions['fwd'];
}

/** Token ids as an i32 [B, T] tensor on the model's backend (tensors pass through). */
export function tokensTensor(model: HookedModel, tokens: TokensLike): Tensor {
  if (!Array.isArray(tokens)) return tokens as Tensor;
  const rows = (tokens.length > 0 && Array.isArray(tokens[0]) ? tokens : [tokens]) as readonly (readonly number[])[];
  const T = rows[0]?.length ?? 0;
  if (rows.length === 0 || T === 0) throw new Error('storygrad: token ids must be a non-empty number[] or number[][]');
  rows.forEach((r, i) => {
    if (r.length !== T) throw new Error(`storygrad: token rows must have equal lengths: row 0 has ${T}, row ${i} has ${r.length}`);
  });
  const flat = Int32Array.from(rows.flat());
  const backend = model.parameters()[0]!.backend;
  return withBackend(backend, () => tensor(flat, { shape: [rows.length, T], dtype: 'i32' }));
}

/** Attaches every hook of `opts` and returns one remover (nothing stays attached if one filter fails). */
function attachAll(points: Map<string, HookPoint>, opts: RunWithHooksOptions): RemoveHook {
  const removers: RemoveHook[] = [];
  const removeAll = () => { while (removers.length) removers.pop()!(); };
  try {
    for (const [filter, fn] of opts.fwd ?? []) removers.push(addHooks(points, filter, (hp) => hp.addHook(fn)));
    for (const [filter, fn] of opts.bwd ?? []) removers.push(addHooks(points, filter, (hp) => hp.addGradHook(fn)));
  } catch (e) {
    removeAll();
    throw e;
  }
  return removeAll;
}

/** Forward pass with `opts`' hooks attached for this call only; returns the logits. */
export function runWithHooks(model: HookedModel, tokens: TokensLike, opts: RunWithHooksOptions): Tensor {
  const remove = attachAll(model.hookPoints(), opts);
  const ids = tokensTensor(model, tokens);
  try {
    return model.forward(ids);
  } finally {
    remove();
    // Ids made here are freed unless a recorded graph may still read them in backward.
    if (ids !== tokens && !isGradEnabled()) ids.dispose();
  }
}

/**
 * Forward pass that caches the selected activations (detached unless `grad`), returning the
 * logits [B, T, V] and the cache. Only what the filter selects is kept, so memory stays bounded.
 */
export async function runWithCache(
  model: HookedModel, tokens: TokensLike, opts: RunWithCacheOptions = {},
): Promise<{ logits: Tensor; cache: ActivationCache }> {
  const cache = new ActivationCache();
  const record: ForwardHook = (act, hp) => { cache.set(hp.name, keep(opts.grad ? act : act.detach())); };
  const run = () => runWithHooks(model, tokens, { fwd: [...(opts.fwd ?? []), [opts.names ?? (() => true), record]] });
  try {
    // Without gradients the forward's intermediates are freed here (the cache keeps its own views).
    const logits = opts.grad ? run() : noGrad(() => tidy(run));
    return { logits, cache };
  } catch (e) {
    cache.dispose();
    throw e;
  }
}
