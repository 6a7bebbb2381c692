// Repeated n-gram blocking (src/models/no-repeat.ts, `GenerateOptions.noRepeatNgram`): the banned
// ids against a brute-force reference (fast-check), and generation on CPU and WebGPU: greedy
// decoding of a small random model loops, and with the option no n-gram of the output repeats;
// off (0) gives exactly the plain output; bad values are refused.
import { expect, it } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import { repeatedNgramBans, withBans } from '../src/models/no-repeat.js';
import { loadBackends } from './helpers/backends.js';

/** Brute force: the ids x in [0, A) such that seq + [x] ends with an n-gram that occurs earlier in it. */
function bruteBans(seq: number[], n: number, A: number): number[] {
  const out: number[] = [];
  for (let x = 0; x < A; x++) {
    const s = [...seq, x];
    if (s.length < n) continue;
    const last = s.slice(-n).join(',');
    for (let i = 0; i + n < s.length; i++) if (s.slice(i, i + n).join(',') === last) { out.push(x); break; }
  }
  return out;
}

/** The n-grams of seq that also occur at an earlier start (as strings). */
function repeatedNgrams(seq: number[], n: number): string[] {
  const seen = new Set<string>(), rep: string[] = [];
  for (let i = 0; i + n <= seq.length; i++) {
    const k = seq.slice(i, i + n).join(',');
    if (seen.has(k)) rep.push(k); else seen.add(k);
  }
  return rep;
}

it('repeatedNgramBans equals a brute-force search (random sequences over small alphabets, n = 1..5)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 4 }), fc.array(fc.nat(), { maxLength: 30 }),
    (n, A, raw) => {
      const seq = raw.map((v) => v % A);
      expect([...repeatedNgramBans(seq, n)].sort()).toEqual(bruteBans(seq, n, A));
    },
  ), { numRuns: 400 });
  expect([...repeatedNgramBans([1, 2, 3, 1, 2], 3)]).toEqual([3]);
  expect([...repeatedNgramBans([1, 2], 4)]).toEqual([]); // shorter than n - 1
});

it('withBans sets banned ids to -Infinity in a copy, and leaves a fully banned row alone', () => {
  const row = Float32Array.from([1, 2, 3]);
  const out = withBans(row, new Set([0, 2]));
  expect(Array.from(out)).toEqual([-Infinity, 2, -Infinity]);
  expect(Array.from(row)).toEqual([1, 2, 3]);
  expect(withBans(row, new Set([0, 1, 2]))).toBe(row);
  expect(withBans(row, new Set())).toBe(row);
});

for (const entry of await loadBackends()) {
  entry.describe(`noRepeatNgram on ${entry.name}`, () => {
    it('greedy decoding loops without it; with it no 3-gram repeats, and 0 is the plain output', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = new sg.models.GPT({ arch: 'llama', vocabSize: 11, nCtx: 24, dModel: 16, nLayer: 1, nHead: 2, seed: 9 });
        const prompt = [1, 4, 2];
        const run = async (opts: object): Promise<number[]> => {
          const out: number[] = [];
          for await (const id of model.generate(prompt, { maxNewTokens: 40, temperature: 0, ...opts })) out.push(id);
          return out;
        };
        const plain = await run({});
        expect(repeatedNgrams([...prompt, ...plain], 3).length, 'the plain greedy output loops').toBeGreaterThan(0);
        expect(await run({ noRepeatNgram: 0 })).toEqual(plain);
        const blocked = await run({ noRepeatNgram: 3 });
        expect(blocked.length).toBe(40);
        expect(repeatedNgrams([...prompt, ...blocked], 3)).toEqual([]);
        // Sampled, batched: every row keeps the rule.
        const rows: number[][] = [[], []];
        for await (const ids of model.generateBatch([prompt, [3, 3, 3]], { maxNewTokens: 30, temperature: 0.8, seed: 2, noRepeatNgram: 4 })) {
          ids.forEach((id, r) => { if (id !== null) rows[r]!.push(id); });
        }
        expect(repeatedNgrams([...prompt, ...rows[0]!], 4)).toEqual([]);
        expect(repeatedNgrams([3, 3, 3, ...rows[1]!], 4)).toEqual([]);
        for (const bad of [-1, 1.5]) {
          await expect(run({ noRepeatNgram: bad })).rejects.toThrow(new RegExp(`noRepeatNgram must be an integer >= 0 \\(0 = off\\), got ${bad}`));
        }
        model.dispose();
      });
    });
  });
}
