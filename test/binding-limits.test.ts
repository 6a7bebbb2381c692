// Every kernel a model uses fits WebGPU's default limits, so the library runs on any conformant
// device, not only on adapters that grant more: at most 8 storage buffers per shader stage (the
// spec's default maxStorageBuffersPerShaderStage). Runs training steps of both architectures
// (forward, backward, clip, AdamW), generation with the KV cache, the materialized attention path
// and f16, then audits every compiled pipeline.
import { it, expect } from 'vitest';
import * as sg from '../src/index.js';
import { loadBackends } from './helpers/backends.js';

const WEBGPU_DEFAULT_MAX_STORAGE_BUFFERS = 8;

for (const entry of (await loadBackends()).filter((e) => e.name === 'webgpu')) {
  entry.describe('binding limits on webgpu', () => {
    it('no pipeline of a training step, generation or the hooked path binds more than 8 storage buffers', async () => {
      await sg.withBackend(entry.backend, async () => {
        for (const arch of ['gpt2', 'llama'] as const) {
          for (const dtype of ['f32', 'f16'] as const) {
            const model = new sg.models.GPT({ arch, vocabSize: 40, dModel: 32, nLayer: 2, nHead: 4, ...(arch === 'llama' ? { nKvHead: 2 } : {}), nCtx: 16, seed: 1, dtype });
            const opt = new sg.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
            const x = sg.tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: 'i32' });
            const y = sg.tensor([2, 3, 4, 5, 6, 7, 8, 9], { dtype: 'i32' });
            sg.tidy(() => sg.crossEntropy(model.forward(x).reshape([-1, 40]).cast('f32'), y).backward());
            const clip = sg.optim.clipScaleOnDevice(model.parameters(), 1)!;
            opt.step({ gradScale: clip.scale });
            clip.norm.dispose(); clip.scale.dispose();
            for await (const _ of model.generate([1, 2, 3], { maxNewTokens: 4, temperature: 0 })) { /* decode kernels */ }
            const { cache } = await model.runWithCache(x, { names: /hook_pattern/ });
            cache.dispose();
            model.dispose();
          }
        }
        const counts = (entry.backend as unknown as { pipelines: { storageBindingCounts(): Map<string, number> } }).pipelines.storageBindingCounts();
        expect(counts.size).toBeGreaterThan(20);
        const over = [...counts].filter(([, n]) => n > WEBGPU_DEFAULT_MAX_STORAGE_BUFFERS);
        expect(over, over.map(([k, n]) => `${k}: ${n}`).join('\n')).toEqual([]);
      });
    }, 120_000);
  });
}
