/**
 * Property tests (fast-check): algebraic identities between ops that must hold for any shape.
 * Movement-op inverses, softmax rows, the broadcasting rule against a reference implementation,
 * logSoftmax = log(softmax), crossEntropy = -mean(logSoftmax picked). Run on every backend.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import type { Backend } from '../src/backend/backend.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends, take, type BackendEntry } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();

const dimArb = fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3), weight: 6 }, { arbitrary: fc.constant(7), weight: 2 }, { arbitrary: fc.constant(33), weight: 1 });
const shapeArb = (minRank = 0, maxRank = 5, maxSize = 1000) =>
  fc.array(dimArb, { minLength: minRank, maxLength: maxRank }).filter((s) => R.sizeOf(s) <= maxSize);
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const runs = (n: number) => ({ numRuns: n });

function suite(entry: BackendEntry): void {
  const be = (): Backend<any> => entry.backend;
  const mk = (shape: number[], seed: number, lo = -2, hi = 2): Tensor =>
    sg.withBackend(be(), () => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), seed, lo, hi)), { shape }));
  const run = <T>(fn: () => T): T => sg.withBackend(be(), () => sg.tidy(fn));

  describe('movement-op inverses', () => {
    it('permute then the inverse permutation is the identity', async () => {
      const arb = shapeArb(1, 6).chain((shape) => fc.tuple(fc.constant(shape),
        fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }), seedArb));
      await fc.assert(fc.asyncProperty(arb, async ([shape, perm, seed]) => {
        const x = mk(shape, seed);
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        const y = run(() => x.permute(perm).permute(inv));
        expect(y.shape).toEqual(shape);
        expect((await take(y)).data).toEqual((await take(x)).data);
      }), runs(10));
    });

    it('transpose twice is the identity', async () => {
      const arb = shapeArb(1, 5).chain((shape) => fc.tuple(fc.constant(shape),
        fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.integer({ min: -shape.length, max: shape.length - 1 }), seedArb));
      await fc.assert(fc.asyncProperty(arb, async ([shape, a, b, seed]) => {
        const x = mk(shape, seed);
        const t = run(() => x.transpose(a, b));
        const aa = a < 0 ? a + shape.length : a, bb = b < 0 ? b + shape.length : b;
        const swapped = shape.slice();
        [swapped[aa], swapped[bb]] = [shape[bb]!, shape[aa]!];
        expect(t.shape).toEqual(swapped);
        const y = run(() => t.transpose(b, a));
        t.dispose();
        expect((await take(y)).data).toEqual((await take(x)).data);
      }), runs(10));
    });

    it('reshape round trip keeps the data in row-major order', async () => {
      await fc.assert(fc.asyncProperty(shapeArb(0, 5), shapeArb(0, 5), seedArb, async (s1, s2, seed) => {
        const n = R.sizeOf(s1);
        // A second shape with the same size: s2's leading dims, then the rest folded into -1.
        const lead = s2.filter((d) => n % d === 0).slice(0, 2);
        const k = R.sizeOf(lead);
        const target = n % k === 0 ? [...lead, -1] : [-1];
        const x = mk(s1, seed);
        const mid = run(() => x.reshape(target));
        expect(R.sizeOf(mid.shape)).toBe(n);
        const y = run(() => mid.reshape(s1));
        mid.dispose();
        expect(y.shape).toEqual(s1);
        expect((await take(y)).data).toEqual((await take(x)).data);
      }), runs(10));
    });

    it('concat then slice gives back the parts', async () => {
      const arb = shapeArb(1, 4, 300).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }),
        fc.array(fc.constantFrom(0, 1, 2, 7), { minLength: 1, maxLength: 4 }), seedArb));
      await fc.assert(fc.asyncProperty(arb, async ([shape, dim, sizes, seed]) => {
        const parts = sizes.map((s, i) => mk(shape.map((v, k) => (k === dim ? s : v)), seed + i));
        const cat = run(() => sg.concat(parts, dim));
        expect(cat.shape[dim]).toBe(sizes.reduce((a: number, b: number) => a + b, 0));
        let at = 0;
        for (const [i, p] of parts.entries()) {
          const back = run(() => cat.slice(dim, at, at + sizes[i]!));
          expect(back.shape).toEqual(p.shape);
          expect((await take(back)).data).toEqual((await take(p)).data);
          at += sizes[i]!;
        }
        cat.dispose();
      }), runs(10));
    });

    it('unsqueeze then squeeze at the same dim is the identity; squeeze() drops every 1', async () => {
      const arb = shapeArb(0, 5).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length - 1, max: shape.length }), seedArb));
      await fc.assert(fc.asyncProperty(arb, async ([shape, dim, seed]) => {
        const x = mk(shape, seed);
        const u = run(() => x.unsqueeze(dim));
        const d = dim < 0 ? dim + shape.length + 1 : dim;
        expect(u.shape).toEqual([...shape.slice(0, d), 1, ...shape.slice(d)]);
        const y = run(() => u.squeeze(dim));
        expect(y.shape).toEqual(shape);
        const all = run(() => u.squeeze());
        expect(all.shape).toEqual(shape.filter((v) => v !== 1));
        u.dispose();
        const xv = (await take(x)).data;
        expect((await take(all)).data).toEqual(xv);
        expect((await take(y)).data).toEqual(xv);
      }), runs(10));
    });
  });

  describe('softmax family', () => {
    const laneArb = shapeArb(1, 4, 1000).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), seedArb,
      fc.constantFrom(1, 10, 100)));

    it('softmax lanes sum to 1 and lie in [0, 1]', async () => {
      await fc.assert(fc.asyncProperty(laneArb, async ([shape, dim, seed, scale]) => {
        const x = mk(shape, seed, -scale, scale);
        const s = run(() => sg.softmax(x, dim));
        const sums = run(() => sg.sum(s, dim));
        const sv = await take(s);
        expect(Math.min(...sv.data)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...sv.data)).toBeLessThanOrEqual(1);
        const sumv = await take(sums);
        allClose(sumv.data, sumv.data.map(() => 1), { atol: 1e-5, rtol: 0 }, `softmax sums [${shape}] dim ${dim}`);
        x.dispose();
      }), runs(10));
    });

    it('logSoftmax = log(softmax) (for moderate logits)', async () => {
      await fc.assert(fc.asyncProperty(laneArb, async ([shape, dim, seed]) => {
        const x = mk(shape, seed, -5, 5);
        const a = await take(run(() => sg.logSoftmax(x, dim)));
        const b = await take(run(() => sg.log(sg.softmax(x, dim))));
        allClose(a.data, b.data, { atol: 1e-5, rtol: 1e-4 }, `logSoftmax vs log softmax [${shape}] dim ${dim}`);
        x.dispose();
      }), runs(10));
    });

    it('crossEntropy = -mean over valid targets of logSoftmax picked at the target', async () => {
      const arb = fc.tuple(fc.constantFrom<number[]>([1], [4], [2, 3], [3, 7]), fc.constantFrom(1, 2, 7, 33), seedArb, fc.boolean());
      await fc.assert(fc.asyncProperty(arb, async ([lead, C, seed, withIgnored]) => {
        const logits = mk([...lead, C], seed, -4, 4);
        const r = R.prng(seed);
        const tgt = Array.from({ length: R.sizeOf(lead) }, (_, i) => (withIgnored && i % 3 === 1 ? -100 : Math.floor(r() * C)));
        const t = sg.withBackend(be(), () => sg.tensor(Int32Array.from(tgt), { shape: lead }));
        const ce = (await take(run(() => sg.crossEntropy(logits, t)))).data[0]!;
        const ls = await take(run(() => sg.logSoftmax(logits, -1)));
        const valid = tgt.map((v, n) => [v, n] as const).filter(([v]) => v !== -100);
        const expected = -valid.reduce((s, [v, n]) => s + ls.data[n * C + v]!, 0) / valid.length;
        allClose([ce], [expected], { atol: 1e-5, rtol: 1e-5 }, 'crossEntropy vs -mean(logSoftmax picked)');
        // The same identity composed from library ops (no ignored targets).
        if (!withIgnored) {
          const viaOps = (await take(run(() => sg.neg(sg.mean(sg.pickLast(sg.logSoftmax(logits, -1), t)))))).data[0]!;
          allClose([ce], [viaOps], { atol: 1e-5, rtol: 1e-5 }, 'crossEntropy vs -mean(pickLast(logSoftmax))');
        }
        logits.dispose(); t.dispose();
      }), runs(10));
    });
  });

  describe('broadcasting', () => {
    const anyShape = fc.array(fc.constantFrom(1, 1, 2, 3, 4), { minLength: 0, maxLength: 4 });

    it('the output shape follows the NumPy rule; incompatible shapes throw naming both shapes', async () => {
      await fc.assert(fc.asyncProperty(anyShape, anyShape, fc.constantFrom('add', 'mul', 'sub', 'lt', 'maximum') as fc.Arbitrary<'add'>, async (sa, sb, op) => {
        const expected = R.broadcastShape(sa, sb);
        const a = sg.withBackend(be(), () => sg.ones(sa)), b = sg.withBackend(be(), () => sg.full(sb, 2));
        try {
          if (expected === null) {
            const fmt = (s: number[]) => `[${s.join(', ')}]`;
            let msg = '';
            try { run(() => (sg as any)[op](a, b)); } catch (e) { msg = (e as Error).message; }
            expect(msg, `${op} [${sa}] [${sb}] should throw`).not.toBe('');
            expect(msg).toContain(fmt(sa));
            expect(msg).toContain(fmt(sb));
            expect(msg).toMatch(/broadcast/);
          } else {
            const out = run(() => (sg as any)[op](a, b) as Tensor);
            expect(out.shape).toEqual(expected);
            const v = await take(out);
            const want = { add: 3, mul: 2, sub: -1, lt: 1, maximum: 2 }[op as string]!;
            expect(v.data.every((x) => x === want)).toBe(true);
          }
        } finally {
          a.dispose(); b.dispose();
        }
      }), runs(40));
    });

    it('broadcasting is symmetric in values: a + b == b + a, a * b == b * a', async () => {
      const pair = shapeArb(0, 4, 300).chain((out) => fc.tuple(fc.constant(out), fc.nat(out.length), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }), seedArb));
      await fc.assert(fc.asyncProperty(pair, async ([out, drop, ones, seed]) => {
        const sb = out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        const a = mk(out, seed), b = mk(sb, seed + 1);
        const x = await take(run(() => sg.add(a, b))), y = await take(run(() => sg.add(b, a)));
        expect(x.shape).toEqual(out);
        expect(x.data).toEqual(y.data);
        const p = await take(run(() => sg.mul(a, b))), q = await take(run(() => sg.mul(b, a)));
        expect(p.data).toEqual(q.data);
        a.dispose(); b.dispose();
      }), runs(10));
    });
  });
}

describe.each(backends.filter((b) => b.available))('properties on $name', suite);
describe.skip.each(backends.filter((b) => !b.available))('properties on $name (unavailable)', suite);
