import type { FlagSpec } from '../args.js';

/** `--backend auto|webgpu|cpu`, shared by every command that computes. */
export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  choices: ['auto', 'webgpu', 'cpu'],
  default: 'auto',
  help: 'compute backend; auto uses WebGPU when an adapter exists, else the CPU reference',
};

export type BackendChoice = 'auto' | 'webgpu' | 'cpu';
