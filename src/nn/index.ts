/** `sg.nn`: Module, layers and the functional API. */
export * as functional from './functional.js';
export { Module } from './module.js';
export type { StateDict, LoadStateDictReport } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm } from './layers.js';
export type { LinearOptions } from './layers.js';
export type { AttentionOptions } from './attention.js';
