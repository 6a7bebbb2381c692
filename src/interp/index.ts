/** `sg.interp`: hooks and activation caches, and the analyses built on them. */
export { runWithHooks, runWithCache, addHooks, selectHooks, tokensTensor, ActivationCache } from './hooks.js';
export type { HookFilter, TokensLike, HookedModel, RunWithHooksOptions, RunWithCacheOptions } from './hooks.js';

// Analyses built on the hooks: logit lens, direct logit attribution, attention patterns,
// ablation, activation patching, linear and ridge probes.
export { logitLens } from './logit-lens.js';
export type { LogitLensOptions, LogitLensResult, LogitLensLayer, TopToken } from './logit-lens.js';
export { directLogitAttribution } from './direct-logit-attribution.js';
export type { DirectLogitAttributionOptions, DlaComponent, DlaResult } from './direct-logit-attribution.js';
export { attentionPatterns } from './attention-patterns.js';
export type { AttentionPatternsOptions, AttentionPatterns, LayerPatterns } from './attention-patterns.js';
export { patternSvg, escapeXml } from './pattern-svg.js';
export type { PatternSvgOptions } from './pattern-svg.js';
export { saveAnalysis } from './save-analysis.js';
export { ablate, ablationHooks, ablationLoss } from './ablation.js';
export type { AblationOptions, AblationHooks, AblationLoss } from './ablation.js';
export { activationPatching } from './activation-patching.js';
export type { ActivationPatchingOptions, PatchingResult, PatchableHook } from './activation-patching.js';
export { formatPatchingTable } from './patching-table.js';
export type { PatchingTableOptions } from './patching-table.js';
export { logitDiffMetric } from './metrics.js';
export type { LogitMetric, LogitDiffOptions } from './metrics.js';
export { linearProbe } from './linear-probe.js';
export type { LinearProbeOptions, LinearProbeResult } from './linear-probe.js';
export { ridgeProbe } from './ridge-probe.js';
export type { RidgeProbeOptions, RidgeProbeResult } from './ridge-probe.js';
export type { ProbeFeatures } from './probe-data.js';
export { unembedWeight, finalNormScale, applyFinalNorm } from './final-norm.js';
