// The fused rotary embedding (one kernel forward, the inverse rotation backward) against the
// composition of elementwise ops it replaces (src/models/rope.ts applyRopeComposed), values and
// gradients, on both backends; a rotation keeps norms and the inverse undoes it.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import { applyRope, applyRopeComposed, ropeTables } from '../src/models/rope.js';
import { loadBackends } from './helpers/backends.js';
import { expectCloseTensors as close } from './helpers/close.js';


for (const entry of await loadBackends()) {
  entry.describe(`rope on ${entry.name}`, () => {
    it('matches the composed rotation, forward and backward (property over shapes and offsets)', async () => {
      await sg.withBackend(entry.backend, async () => {
        await fc.assert(fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1000 }),
          async (B, T, H, halfD, offset, seed) => {
            const D = 2 * halfD;
            const x = sg.randn([B, T, H, D], { seed }).requireGrad();
            const g = sg.randn([B, T, H, D], { seed: seed + 1 });
            const [cos, sin] = ropeTables(x, T, D, 10000, offset);
            const fused = applyRope(x, cos, sin);
            fused.mul(g).sum().backward();
            const gFused = x.grad!;
            x.grad = null;
            const ref = applyRopeComposed(x, cos, sin);
            ref.mul(g).sum().backward();
            await close(fused, ref, 1e-6);
            await close(gFused, x.grad!, 1e-6);
            for (const t of [x, g, cos, sin, fused, ref, gFused, x.grad!]) t.dispose();
          },
        ), { numRuns: 12 });
      });
    }, 60_000);

    it("keeps each pair's norm, and the backward of a rotation undoes it", async () => {
      await sg.withBackend(entry.backend, async () => {
        const x = sg.randn([2, 5, 3, 8], { seed: 7 }).requireGrad();
        const [cos, sin] = ropeTables(x, 5, 8, 10000, 3);
        const y = applyRope(x, cos, sin);
        const [xs, ys] = [await x.data(), await y.data()];
        for (let p = 0; p < xs.length / 2; p++) {
          expect(Math.hypot(ys[2 * p]!, ys[2 * p + 1]!)).toBeCloseTo(Math.hypot(xs[2 * p]!, xs[2 * p + 1]!), 5);
        }
        // d/dx <y, y> = 2 Rᵀ y = 2 x for a rotation R
        y.square().sum().backward();
        await close(x.grad!, x.mul(2), 1e-5);
      });
    });

    it('refuses tables of the wrong size and odd head sizes', async () => {
      await sg.withBackend(entry.backend, async () => {
        const x = sg.randn([1, 4, 2, 6], { seed: 1 });
        const [cos, sin] = ropeTables(x, 3, 6, 10000);
        expect(() => applyRope(x, cos, sin)).toThrow(/tables must hold T \* dHead \/ 2 = 12/);
        expect(() => applyRope(sg.randn([1, 4, 2, 5], { seed: 1 }), cos, sin)).toThrow(/head size 5 is odd/);
      });
    });
  });
}
