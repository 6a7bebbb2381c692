/** `sg.interp`: hooks and activation caches, and the analyses built on them. */
export { runWithHooks, runWithCache, addHooks, selectHooks, tokensTensor, ActivationCache } from './hooks.js';
export type { HookFilter, TokensLike, HookedModel, RunWithHooksOptions, RunWithCacheOptions } from './hooks.js';
