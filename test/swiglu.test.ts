// The fused SwiGLU gate of the llama MLP (one kernel forward, one for both gradients) against the
// composition mul(mul(g, sigmoid(g)), l) it replaces, values and gradients, on both backends.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import { swigluFused } from '../src/ops/fused.js';
import { loadBackends } from './helpers/backends.js';
import { expectCloseTensors as close } from './helpers/close.js';


for (const entry of await loadBackends()) {
  entry.describe(`swiglu on ${entry.name}`, () => {
    it('matches the composed gate, forward and both gradients (property over shapes)', async () => {
      await sg.withBackend(entry.backend, async () => {
        await fc.assert(fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0.1, max: 12, noNaN: true }),
          async (shape, seed, scale) => {
            const g = sg.randn(shape, { seed }).mul(scale).detach().requireGrad(); // large |g|: both branches of the stable sigmoid
            const l = sg.randn(shape, { seed: seed + 1 }).requireGrad();
            const dh = sg.randn(shape, { seed: seed + 2 });
            const fused = swigluFused(g, l);
            fused.mul(dh).sum().backward();
            const [gf, lf] = [g.grad!, l.grad!];
            g.grad = null; l.grad = null;
            const ref = g.mul(sg.sigmoid(g)).mul(l);
            ref.mul(dh).sum().backward();
            await close(fused, ref, 2e-6);
            await close(gf, g.grad!, 2e-6);
            await close(lf, l.grad!, 2e-6);
          },
        ), { numRuns: 12 });
      });
    }, 60_000);

    it('refuses operands of different shapes', async () => {
      await sg.withBackend(entry.backend, async () => {
        expect(() => swigluFused(sg.zeros([2, 3]), sg.zeros([3, 2]))).toThrow(/must have one shape/);
      });
    });
  });
}
