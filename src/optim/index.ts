/** `sg.optim`: optimizers and gradient clipping. */
export { Optimizer } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { AdamW, decayExempt } from './adamw.js';
export type { AdamWOptions, AdamWStepOptions } from './adamw.js';
export { clipGradNorm, clipGradNormOnDevice, clipScaleOnDevice } from './clip.js';
