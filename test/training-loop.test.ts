// The foundation's memory contract: 1,000 forward/backward/update steps of a small MLP inside
// sg.tidy keep bytesInUse and the live-tensor count flat, and the loss actually goes down.
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { Backend } from '../src/backend/backend.js';

async function backends(): Promise<[string, () => Promise<Backend<any> | null>][]> {
  return [
    ['cpu', async () => new CpuBackend()],
    ['webgpu', async () => {
      try {
        const { createWebGPUBackend } = await import('../src/backend/webgpu/index.js');
        return await createWebGPUBackend();
      } catch (e) {
        console.warn(`\n!!! WebGPU training-loop test SKIPPED: ${(e as Error).message}\n`);
        return null;
      }
    }],
  ];
}

describe.each(await backends())('training loop on %s', (_name, make) => {
  it('keeps memory flat over 1,000 steps and lowers the loss', async (ctx) => {
    const backend = await make();
    if (!backend) return ctx.skip();
    try {
      await sg.withBackend(backend, async () => {
        const x = sg.randn([16, 4], { seed: 1 });
        const yTrue = sg.tidy(() => x.matmul(sg.tensor([[1], [-2], [0.5], [3]])).tanh());
        const w1 = sg.randn([4, 8], { seed: 2, scale: 0.5, requiresGrad: true });
        const b1 = sg.zeros([8], { requiresGrad: true });
        const w2 = sg.randn([8, 1], { seed: 3, scale: 0.5, requiresGrad: true });
        const opt = new sg.optim.SGD([w1, b1, w2], { lr: 0.1, momentum: 0.9 });
        const step = () => sg.tidy(() => {
          const h = x.matmul(w1).add(b1).relu();
          const loss = h.matmul(w2).tanh().sub(yTrue).square().mean();
          opt.zeroGrad();
          loss.backward();
          opt.step();
          return loss;
        });
        let first = 0, at10 = { bytes: 0, live: 0 };
        for (let i = 0; i < 1000; i++) {
          const loss = step();
          if (i === 0) first = await loss.item();
          if (i === 999) {
            const last = await loss.item();
            expect(last).toBeLessThan(first * 0.2);
          }
          loss.dispose();
          if (i === 10) at10 = { bytes: backend.memory().bytesInUse, live: sg.liveTensors() };
        }
        expect(backend.memory().bytesInUse).toBe(at10.bytes);
        expect(sg.liveTensors()).toBe(at10.live);
      });
    } finally {
      backend.destroy();
    }
  }, 240_000);
});
