/**
 * One Dawn instance for a whole benchmark process, shared by storygrad and the peers: installs
 * Dawn's globals and `navigator.gpu` (storygrad's device.ts uses navigator.gpu when it exists, the
 * peers need it), with the same creation flags as src/backend/webgpu/device.ts (`create([])`).
 * jax-js reads navigator.userAgent. Mesa's Vulkan drivers want XDG_RUNTIME_DIR.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Installs navigator.gpu (once) and returns it. */
export async function installNavigatorGpu() {
  if (globalThis.navigator?.gpu) return globalThis.navigator.gpu;
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'storygrad-bench-xdg-'));
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, userAgent: 'node', hardwareConcurrency: (await import('node:os')).cpus().length },
    configurable: true,
    writable: true,
  });
  return gpu;
}
