// Deno smoke suite: the BUILT package (dist/index.js) on Deno's own WebGPU (navigator.gpu; Deno
// 2.9 needs no --unstable-webgpu flag). Run by scripts/test-all.mjs:
//   node_modules/.bin/deno test --allow-read --allow-env test/deno/smoke.test.ts
// A missing navigator.gpu or adapter fails the suite; nothing is skipped.
// @ts-types="../../dist/index.d.ts"
import * as sg from '../../dist/index.js';
import { smokeChecks } from '../smoke/checks.js';

Deno.test({
  name: 'Deno has WebGPU (navigator.gpu with an adapter)',
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) throw new Error('navigator.gpu is missing in Deno: WebGPU unavailable');
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU adapter (install Mesa >= 24 Vulkan drivers, see scripts/setup-system.sh)');
  },
});

for (const check of smokeChecks(sg, 'webgpu')) {
  Deno.test({ name: check.name, sanitizeOps: false, sanitizeResources: false, fn: check.run });
}
