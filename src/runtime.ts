/**
 * Backend selection: `init()` picks WebGPU or the CPU reference, and ops run on the current
 * default backend. `withBackend()` switches it temporarily (tests, gradient checks).
 */
import type { Backend, BackendDescription } from './backend/backend.js';
import { CpuBackend } from './backend/cpu/cpu-backend.js';

/** Options of `init`. */
export interface InitOptions {
  /** 'auto' (default) uses WebGPU when an adapter exists, else the CPU backend. */
  backend?: 'auto' | 'webgpu' | 'cpu';
  /** Print which backend was chosen (default true for 'auto'). */
  verbose?: boolean;
}

let current: Backend<any> | null = null;
const owned: Backend<any>[] = [];

/** The default backend; the CPU reference if `init` was never called. */
export function getBackend(): Backend<any> {
  if (!current) {
    current = new CpuBackend();
    owned.push(current);
  }
  return current;
}

/**
 * Initialises storygrad on a backend and returns its description. Calling it again replaces the
 * default backend (tensors of the old one stay usable until disposed).
 */
export async function init(opts: InitOptions = {}): Promise<BackendDescription> {
  const want = opts.backend ?? 'auto';
  if (!['auto', 'webgpu', 'cpu'].includes(want)) {
    throw new Error(`storygrad: init: unknown backend '${want}' (expected 'auto', 'webgpu' or 'cpu')`);
  }
  let chosen: Backend<any>;
  let why = '';
  if (want === 'cpu') {
    chosen = new CpuBackend();
  } else {
    try {
      const { createWebGPUBackend } = await import('./backend/webgpu/index.js');
      chosen = await createWebGPUBackend();
    } catch (e) {
      if (want === 'webgpu') throw e;
      why = (e as Error).message;
      chosen = new CpuBackend();
    }
  }
  owned.push(chosen);
  current = chosen;
  const d = chosen.describe();
  if (want === 'auto' && (opts.verbose ?? false)) {
    console.log(`storygrad: using ${d.backend} backend (${d.adapter})${why ? `; WebGPU unavailable: ${why}` : ''}`);
  }
  if (why) d.notes.push(`WebGPU unavailable: ${why}`);
  return d;
}

/** Description of the current backend. */
export function describe(): BackendDescription {
  return getBackend().describe();
}

/** Name of the current backend. */
export function backendName(): 'cpu' | 'webgpu' {
  return getBackend().name;
}

/**
 * Runs fn with `backend` as the default backend. When fn returns a promise the switch lasts until
 * it settles (do not interleave two async withBackend calls).
 */
export function withBackend<T>(backend: Backend<any>, fn: () => T): T {
  const prev = current;
  current = backend;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = prev;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => { current = prev; }) as T;
  }
  current = prev;
  return result;
}

/** Releases every device storygrad created so the process can exit; the CPU backend stays usable. */
export function shutdown(): void {
  for (const b of owned.splice(0)) b.destroy();
  current = null;
}
