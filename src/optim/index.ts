/** `sg.optim`: optimizers and gradient clipping. */
export { Optimizer } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { clipGradNorm, clipGradNormOnDevice } from './clip.js';
