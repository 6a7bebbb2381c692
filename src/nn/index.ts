/** `sg.nn`: Module, layers and the functional API. */
export * as functional from './functional.js';
export { Module } from './module.js';
export type { StateDict, LoadStateDictReport } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm } from './layers.js';
export type { LinearOptions } from './layers.js';
export type { AttentionOptions, AttentionHooks } from './attention.js';
export { HookPoint } from './hook-point.js';
export type { ForwardHook, BackwardHook, RemoveHook } from './hook-point.js';
