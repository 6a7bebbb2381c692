// End to end through attention: a 2-layer GPT trained on random sequences shown twice learns to
// copy (an induction head: find the earlier occurrence of the current token, predict its
// successor). The first copy is unpredictable, so its loss must stay at chance (ln V) — a leak of
// future tokens through the causal mask would push it down — while the second copy's loss must
// fall far below chance, which needs working attention forward AND backward. Both archs (learned
// positions, RoPE), on WebGPU (the CPU backend needs 1-1.5 minutes per arch for the same run;
// its attention is checked against finite differences elsewhere).
import { describe, it, expect } from 'vitest';
import * as sg from '../src/index.js';
import { loadBackends } from './helpers/backends.js';

const V = 32, H = 12, B = 16, STEPS = 220;

/** xorshift32: high-quality enough that no n-gram predicts the next random token. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s >>> 8) % V;
  };
}

/** B rows of [r_0..r_{H-1}, r_0..r_{H-1}]: inputs are all but the last, targets all but the first. */
function copyBatch(rnd: () => number): { x: number[][]; y: number[][] } {
  const rows = Array.from({ length: B }, () => {
    const r = Array.from({ length: H }, rnd);
    return [...r, ...r];
  });
  return { x: rows.map((r) => r.slice(0, -1)), y: rows.map((r) => r.slice(1)) };
}

for (const entry of (await loadBackends()).filter((e) => e.name === 'webgpu')) {
  entry.describe(`induction on ${entry.name}`, () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: learns to copy the second half of a repeated random sequence`, async () => {
        await sg.withBackend(entry.backend, async () => {
          const model = new sg.models.GPT({ arch, vocabSize: V, dModel: 32, nLayer: 2, nHead: 4, nCtx: 2 * H, seed: 3 });
          const opt = new sg.optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
          const rnd = xorshift(12345);
          let first = 0, second = 0;
          for (let step = 1; step <= STEPS; step++) {
            const { x, y } = copyBatch(rnd);
            const halves = sg.tidy(() => {
              const logits = model.forward(sg.tensor(x, { dtype: 'i32' })); // [B, 2H-1, V]
              const nll = sg.crossEntropy(logits.reshape([-1, V]), sg.tensor(y, { dtype: 'i32' }).reshape([-1]), { reduction: 'none' })
                .reshape([B, 2 * H - 1]); // [B, 2H-1]
              nll.mean().backward();
              // targets 0..H-2 are the first copy's tokens 1..H-1; H..2H-2 the second copy's 1..H-1
              return sg.keep(sg.stack([sg.slice(nll, 1, 0, H - 1).mean(), sg.slice(nll, 1, H, 2 * H - 1).mean()]));
            });
            opt.step();
            opt.zeroGrad();
            if (step > STEPS - 10) {
              const [f, s] = await halves.data();
              first += f! / 10;
              second += s! / 10;
            }
            halves.dispose();
          }
          model.dispose();
          expect(first).toBeGreaterThan(Math.log(V) - 0.25); // nothing to learn in the first copy
          expect(second).toBeLessThan(1.0); // chance is ln 32 = 3.47
        });
      }, 240_000);
    }
  });
}
