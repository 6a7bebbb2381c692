/**
 * storygrad: a TypeScript tensor, autograd and transformer library whose math runs in WGSL
 * kernels on WebGPU (Node via Dawn, Deno, browsers), with a CPU reference backend.
 *
 * ```ts
 * import * as sg from 'storygrad';
 * await sg.init({ backend: 'auto' });
 * const x = sg.randn([4, 3], { seed: 1, requiresGrad: true });
 * const loss = x.matmul(sg.ones([3, 2])).square().mean();
 * loss.backward();
 * console.log(await x.grad!.toArray());
 * ```
 * @packageDocumentation
 */
export { Tensor } from './tensor.js';
export type { NestedArray, TensorLike } from './tensor.js';
export type {
  DType, BackendDescription, Backend, HostArray, Kernels, BackendMemory, BinaryArgs, CopyArgs, MatmulArgs,
  RandKind, ReduceOp, UnaryOp, BinaryOp, WhereArgs,
} from './backend/backend.js';
export type { AttentionArgs, AttentionBackwardArgs, AttentionLayout, MatmulFused, MatmulFusedArgs, LinearGroupArgs, LinearGroupBackwardArgs, LinearGroupGrads } from './backend/backend.js';
export { init, describe, backendName, shutdown, withBackend, getBackend } from './runtime.js';
export type { InitOptions } from './runtime.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { tidy, keep, liveTensors } from './memory/scope.js';
export type { Scoped } from './memory/scope.js';
export { memory } from './memory/memory.js';
export type { MemoryInfo } from './memory/memory.js';
export {
  tensor, full, zeros, ones, zerosLike, onesLike, arange, randn, rand, manualSeed, getRngState, setRngState,
} from './ops/creation.js';
export type { TensorOptions, TensorData, RandomOptions } from './ops/creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, square, exp, log, sqrt, rsqrt, reciprocal,
  tanh, sigmoid, relu, gelu, sin, cos, lt, le, gt, ge, eq, ne, where, cast,
} from './ops/elementwise.js';
export { sum, mean, max } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export type { MatmulOptions } from './ops/matmul.js';
export { flashAttention, type FlashAttentionOptions } from './ops/attention.js';
export { reshape, permute, transpose, slice, expand, unsqueeze, squeeze, concat, stack } from './ops/movement.js';
export { embedding, gather, pickLast } from './ops/indexing.js';
export { softmax, logSoftmax, layerNorm, rmsNorm, crossEntropy, dropout, linear, linearGroup, geluMlp } from './ops/nn.js';
export type { CrossEntropyOptions, DropoutOptions } from './ops/nn.js';
export { layerNormComposed, rmsNormComposed, softmaxComposed, crossEntropyComposed, linearComposed, geluMlpComposed } from './ops/nn.js';
export type {
  FusedKernels, AdamWHyper, AdamWStepArgs, LayerNormForwardArgs, LayerNormForward, LayerNormBackwardArgs,
  LayerNormBackward, RmsNormForwardArgs, RmsNormForward, RmsNormBackwardArgs, RmsNormBackward,
  CrossEntropyForwardArgs, CrossEntropyForward, CrossEntropyBackwardArgs, LossMeanArgs, LossMean, ClipScale, RopeArgs,
} from './backend/fused.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as models from './models/index.js';
export * as tokenizers from './tokenizers/index.js';
export * as io from './io/index.js';
export * as train from './train/index.js';
export * as data from './data/index.js';
export * as interp from './interp/index.js';
export { onGrad } from './autograd/on-grad.js';
export type { GradHook } from './autograd/on-grad.js';
/** Matmul variant selection of the WebGPU backend (benchmarks and tests force variants with it). */
export { forceMatmulPlan, planMatmul, isSoftwareAdapter } from './backend/webgpu/matmul.js';
export type { MatmulPlan, MatmulKernel, AdapterProfile } from './backend/webgpu/matmul.js';
