/** Public entry of the WebGPU backend. */
export { WebGPUBackend, createWebGPUBackend, type GpuStorage, type WebGPUBackendOptions } from './webgpu-backend.js';
export type { AcquireOptions } from './device.js';
export { kernelVariants } from './kernels.js';
export { fusedVariants } from './fused-kernels.js';
export { attentionVariants } from './attention.js';
export { gpuWaitOptions } from './gpu-wait.js';
export type { ParamArena } from './param-arena.js';
