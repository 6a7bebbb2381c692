/** `sg.models`: GPT (gpt2 and llama architectures) and its configuration. */
export { GPT, Block, Attention, MLP, Norm, Embed, PosEmbed, Unembed } from './gpt.js';
export type { GPTConfig, ResolvedGPTConfig, ModelDType } from './config.js';
export { resolveConfig } from './config.js';
export type { GenerateOptions } from './generate.js';
export { sampleFromLogits } from './generate.js';
export { tokenLogProbs, sampleLikeliest } from './score.js';
export type { LikeliestSample } from './score.js';
export { KVCache } from './kv-cache.js';
export type { ForwardOptions } from './gpt.js';
export { PRESETS, preset } from './presets.js';
export type { PresetName, PresetShape, PresetOptions } from './presets.js';
export { countParams, flopsPerToken } from './count.js';
export type { ParamCount, BlockParamCount, FlopCount } from './count.js';
