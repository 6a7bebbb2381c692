/**
 * The bind group cache (src/backend/webgpu/bind-groups.ts) and its use by the command batcher:
 * one group per (layout, buffer ranges), uniform slots as dynamic offsets (not part of the key),
 * groups of a destroyed buffer forgotten, the cache emptied at capacity; a repeated training step
 * creates no bind group at all and gives the same numbers, also after the pool destroyed its free
 * buffers; the pool's oldest-free-buffer rule that makes this so. Skipped (loudly) without a
 * WebGPU adapter.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { BindGroupCache } from '../src/backend/webgpu/bind-groups.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/backend/webgpu/index.js';
import * as R from './helpers/reference.js';

let gpu: WebGPUBackend | null = null;
try {
  gpu = await createWebGPUBackend();
} catch (e) {
  console.warn(`\n!!! BIND GROUP TESTS SKIPPED: no WebGPU adapter: ${e instanceof Error ? e.message : String(e)}\n`);
}
afterAll(() => gpu?.destroy());

describe.skipIf(!gpu)('bind group cache', () => {
  it('one group per (layout, buffer ranges); forget() and capacity drop groups', () => {
    const device = gpu!.device;
    const layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      ],
    });
    const u = device.createBuffer({ size: 1024, usage: GPUBufferUsage.UNIFORM });
    const [a, b] = [0, 1].map(() => device.createBuffer({ size: 512, usage: GPUBufferUsage.STORAGE }));
    const cache = new BindGroupCache(device, 3);
    const entries = (s: GPUBuffer, size = 512) => [[0, { buffer: u, offset: 0, size: 256 }], [1, { buffer: s, offset: 0, size }]] as const;
    const g1 = cache.get(layout, entries(a!));
    expect(cache.get(layout, entries(a!))).toBe(g1);
    const g2 = cache.get(layout, entries(b!));
    expect(g2).not.toBe(g1);
    expect(cache.get(layout, entries(a!, 256))).not.toBe(g1); // another range of the same buffer
    expect([cache.hits, cache.misses, cache.size]).toEqual([1, 3, 3]);
    cache.forget(a!);
    expect(cache.size).toBe(1);
    expect(cache.get(layout, entries(a!))).not.toBe(g1); // made again
    cache.get(layout, entries(a!, 128));
    cache.get(layout, entries(a!, 64)); // the fourth: the cache was full and starts over
    expect(cache.size).toBe(1);
    for (const x of [u, a!, b!]) x.destroy();
  });

  it('the pool hands out the oldest free buffer of a bucket, whatever order they were freed in', async () => {
    const pool = gpu!.pool;
    await gpu!.sync();
    pool.endEpoch();
    pool.trim();
    const [x, y, z] = [0, 1, 2].map(() => pool.acquire(4000, 'kernel'));
    for (const s of [z!, x!, y!]) pool.release(s);
    const again = [0, 1, 2].map(() => pool.acquire(4000, 'kernel'));
    expect(again.map((s) => s.buffer)).toEqual([x!.buffer, y!.buffer, z!.buffer]);
    for (const s of again) pool.release(s);
  });

  it('repeated GPT training steps create no bind groups once warm, across uniform slots; numbers survive a pool trim', async () => {
    const run = async (): Promise<{ losses: number[]; misses: number[] }> => sg.withBackend(gpu!, async () => {
      const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 29, nCtx: 8, dModel: 16, nLayer: 2, nHead: 2, seed: 4 });
      const params = model.parameters();
      const opt = new sg.optim.AdamW(params, { lr: 1e-2 });
      const ids = sg.tensor(Int32Array.from(R.randomInts(2 * 8, 6, 0, 28)), { shape: [2, 8], dtype: 'i32' });
      const losses: number[] = [], misses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const m0 = gpu!.bindGroups.misses;
        const l = sg.tidy(() => {
          const loss = sg.crossEntropy(model.forward(ids), ids);
          loss.backward();
          opt.step({ gradScale: sg.optim.clipScaleOnDevice(params, 1)!.scale });
          opt.zeroGrad();
          return loss;
        });
        losses.push(await l.item());
        l.dispose();
        misses.push(gpu!.bindGroups.misses - m0);
        if (i === 2) gpu!.pool.trim(); // destroys the free pooled buffers: their groups must go
      }
      for (const q of [...params, ...opt.state().m, ...opt.state().v, ids]) q?.dispose();
      return { losses, misses };
    });
    const a = await run();
    // Once the optimizer state exists and the pool holds what a step frees, a step binds exactly
    // the buffers of the step before (pool.ts hands out the oldest free buffer): no new groups.
    expect(a.misses.slice(-2)).toEqual([0, 0]);
    expect(a.misses[0]).toBeGreaterThan(50);
    // The same run with the cache emptied before every step gives bitwise the same losses.
    const clearEach = gpu!.bindGroups.get.bind(gpu!.bindGroups);
    let calls = 0;
    gpu!.bindGroups.get = (layout, entries) => { if (calls++ % 50 === 0) gpu!.bindGroups.clear(); return clearEach(layout, entries); };
    try {
      const b = await run();
      expect(b.losses).toEqual(a.losses);
    } finally {
      gpu!.bindGroups.get = clearEach;
    }
  }, 120_000);
});
