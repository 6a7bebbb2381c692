/** `sg.memory()`: live bytes and tensors of the current backend. */
import { getBackend } from '../runtime.js';
import { liveTensors } from './scope.js';

/** Memory counters. */
export interface MemoryInfo {
  /** Bytes held by live tensors' storages. */
  bytesInUse: number;
  /** Bytes allocated from the device, pooled free buffers included. */
  bytesAllocated: number;
  /** Tensors created and not yet disposed (all backends). */
  liveTensors: number;
}

/** Current memory counters. */
export function memory(): MemoryInfo {
  const m = getBackend().memory();
  return { bytesInUse: m.bytesInUse, bytesAllocated: m.bytesAllocated, liveTensors: liveTensors() };
}
