/**
 * Op conformance: every public op on every backend against an independent float64 JS reference
 * (test/helpers/reference.ts). On WebGPU each result is also compared with the CPU reference
 * backend. Shapes are drawn with fast-check (broadcasting, odd sizes 1, 7, 33, 257); element
 * counts stay small because the WebGPU adapter in CI is a software one.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import type { Backend, DType } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends, sameShapeOrThrow, take, type BackendEntry, type Read, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';
import type { Arr } from './helpers/reference.js';

const backends = await loadBackends();
/** The CPU reference backend, the second oracle for the WebGPU column. */
const oracle = new CpuBackend();

// ---------------------------------------------------------------------------------------------
// Running an op on a backend and checking it.

type In = Arr & { dtype?: DType };

const f32 = (a: Arr): In => a;
const i32 = (a: Arr): In => ({ ...a, dtype: 'i32' });

function upload(be: Backend<any>, x: In): Tensor {
  return sg.withBackend(be, () => {
    const dtype = x.dtype ?? 'f32';
    const data = dtype === 'i32' ? Int32Array.from(x.data) : Float32Array.from(x.data);
    return sg.tensor(data, { shape: x.shape, dtype });
  });
}

/** Uploads the inputs to `be`, runs fn there (intermediates disposed) and reads the result. */
async function runOn(be: Backend<any>, ins: In[], fn: (...ts: Tensor[]) => Tensor): Promise<Read> {
  const ts = ins.map((x) => upload(be, x));
  try {
    const out = sg.withBackend(be, () => sg.tidy(() => fn(...ts)));
    return await take(out);
  } finally {
    for (const t of ts) t.dispose();
  }
}

interface Expect {
  dtype?: DType;
  tol?: Tol;
  what?: string;
}

/**
 * Runs fn on `be` and compares with the reference `expected` (shape, dtype, values). On a non-CPU
 * backend the result is compared with the CPU reference backend too.
 */
async function check(be: Backend<any>, ins: In[], fn: (...ts: Tensor[]) => Tensor, expected: Arr, opts: Expect = {}): Promise<void> {
  const what = opts.what ?? '';
  const got = await runOn(be, ins, fn);
  sameShapeOrThrow(got.shape, expected.shape, `${what} (${be.name})`);
  if (opts.dtype && got.dtype !== opts.dtype) throw new Error(`${what}: dtype ${got.dtype}, expected ${opts.dtype}`);
  allClose(got.data, expected.data, opts.tol, `${what} (${be.name} vs JS reference)`);
  if (be.name !== 'cpu') {
    const cpu = await runOn(oracle, ins, fn);
    sameShapeOrThrow(got.shape, cpu.shape, `${what} (${be.name} vs CPU backend)`);
    allClose(got.data, cpu.data, opts.tol, `${what} (${be.name} vs CPU backend)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const dimArb = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2, 3), weight: 6 },
  { arbitrary: fc.constant(7), weight: 3 },
  { arbitrary: fc.constant(33), weight: 2 },
  { arbitrary: fc.constant(257), weight: 1 },
);
const shapeArb = (minRank = 0, maxRank = 4, maxSize = 1200) =>
  fc.array(dimArb, { minLength: minRank, maxLength: maxRank }).filter((s) => R.sizeOf(s) <= maxSize);
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

/** Two shapes that broadcast together: an output shape, leading dims dropped and some dims set to 1. */
const bcastPairArb = (maxSize = 1200) =>
  fc.record({
    out: shapeArb(0, 4, maxSize),
    da: fc.nat(4), db: fc.nat(4),
    ma: fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }),
    mb: fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }),
  }).map(({ out, da, db, ma, mb }) => {
    const mk = (drop: number, mask: number[]) => out.slice(Math.min(drop, out.length)).map((d, i) => (mask[i] === 0 ? 1 : d));
    // Leading dims are only dropped from one side so the pair still spans `out` on average.
    return [mk(da % 2 === 0 ? 0 : da, ma), mk(db % 2 === 1 ? 0 : db, mb)] as [number[], number[]];
  });

const runs = (n: number) => ({ numRuns: n });

// Elementwise tolerances (f32 against float64).
const EW: Tol = { atol: 1e-5, rtol: 1e-4 };
const EXACT: Tol = { atol: 0, rtol: 0 };
/** Sums over r terms of magnitude <= ~2. */
const sumTol = (r: number): Tol => ({ atol: 1e-5 + 2e-6 * r, rtol: 1e-4 });

/** Values with a random sign and |v| in [lo, hi]. */
function awayFromZero(n: number, seed: number, lo: number, hi: number): number[] {
  const r = R.prng(seed);
  return Array.from({ length: n }, () => Math.fround((r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r())));
}

// ---------------------------------------------------------------------------------------------

const unaryCases: { name: string; fn: (t: Tensor) => Tensor; ref: (x: number) => number; lo: number; hi: number; tol?: Tol }[] = [
  { name: 'neg', fn: sg.neg, ref: (x) => -x, lo: -3, hi: 3, tol: EXACT },
  { name: 'abs', fn: sg.abs, ref: Math.abs, lo: -3, hi: 3, tol: EXACT },
  { name: 'square', fn: sg.square, ref: (x) => x * x, lo: -3, hi: 3 },
  { name: 'exp', fn: sg.exp, ref: Math.exp, lo: -4, hi: 4 },
  { name: 'log', fn: sg.log, ref: Math.log, lo: 0.01, hi: 6 },
  { name: 'sqrt', fn: sg.sqrt, ref: Math.sqrt, lo: 0, hi: 6 },
  { name: 'rsqrt', fn: sg.rsqrt, ref: (x) => 1 / Math.sqrt(x), lo: 0.05, hi: 6 },
  { name: 'tanh', fn: sg.tanh, ref: Math.tanh, lo: -5, hi: 5 },
  { name: 'sigmoid', fn: sg.sigmoid, ref: R.sigmoid, lo: -10, hi: 10 },
  { name: 'relu', fn: sg.relu, ref: (x) => Math.max(x, 0), lo: -3, hi: 3, tol: EXACT },
  { name: 'gelu', fn: sg.gelu, ref: R.gelu, lo: -5, hi: 5 },
  { name: 'sin', fn: sg.sin, ref: Math.sin, lo: -6.3, hi: 6.3, tol: { atol: 2e-5, rtol: 1e-4 } },
  { name: 'cos', fn: sg.cos, ref: Math.cos, lo: -6.3, hi: 6.3, tol: { atol: 2e-5, rtol: 1e-4 } },
];

const binaryCases: {
  name: string; fn: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => number;
  a: (n: number, s: number) => number[]; b: (n: number, s: number) => number[]; tol?: Tol;
}[] = [
  { name: 'add', fn: sg.add, ref: (a, b) => a + b, a: (n, s) => R.randomData(n, s), b: (n, s) => R.randomData(n, s) },
  { name: 'sub', fn: sg.sub, ref: (a, b) => a - b, a: (n, s) => R.randomData(n, s), b: (n, s) => R.randomData(n, s) },
  { name: 'mul', fn: sg.mul, ref: (a, b) => a * b, a: (n, s) => R.randomData(n, s), b: (n, s) => R.randomData(n, s) },
  { name: 'div', fn: sg.div, ref: (a, b) => a / b, a: (n, s) => R.randomData(n, s), b: (n, s) => awayFromZero(n, s, 0.25, 3) },
  { name: 'pow', fn: sg.pow, ref: Math.pow, a: (n, s) => R.randomData(n, s, 0.05, 3), b: (n, s) => R.randomData(n, s, -2.5, 2.5), tol: { atol: 1e-5, rtol: 2e-4 } },
  // Small integers make ties between a and b common.
  { name: 'maximum', fn: sg.maximum, ref: Math.max, a: (n, s) => R.randomInts(n, s, -3, 3).map((v) => v / 2), b: (n, s) => R.randomInts(n, s, -3, 3).map((v) => v / 2), tol: EXACT },
  { name: 'minimum', fn: sg.minimum, ref: Math.min, a: (n, s) => R.randomInts(n, s, -3, 3).map((v) => v / 2), b: (n, s) => R.randomInts(n, s, -3, 3).map((v) => v / 2), tol: EXACT },
];

const cmpCases: { name: string; fn: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => boolean }[] = [
  { name: 'lt', fn: sg.lt, ref: (a, b) => a < b },
  { name: 'le', fn: sg.le, ref: (a, b) => a <= b },
  { name: 'gt', fn: sg.gt, ref: (a, b) => a > b },
  { name: 'ge', fn: sg.ge, ref: (a, b) => a >= b },
  { name: 'eq', fn: sg.eq, ref: (a, b) => a === b },
  { name: 'ne', fn: sg.ne, ref: (a, b) => a !== b },
];

function suite(entry: BackendEntry): void {
  const be = () => entry.backend;

  // ---- elementwise unary ----
  describe('unary', () => {
    for (const c of unaryCases) {
      it(c.name, async () => {
        await fc.assert(fc.asyncProperty(shapeArb(0, 4, 1500), seedArb, async (shape, seed) => {
          const x = R.arr(shape, R.randomData(R.sizeOf(shape), seed, c.lo, c.hi));
          await check(be(), [f32(x)], c.fn, R.map(x, c.ref), { tol: c.tol ?? EW, what: `${c.name} [${shape}]`, dtype: 'f32' });
        }), runs(6));
      });
    }

    it('reciprocal', async () => {
      await fc.assert(fc.asyncProperty(shapeArb(0, 4, 1500), seedArb, async (shape, seed) => {
        const x = R.arr(shape, awayFromZero(R.sizeOf(shape), seed, 0.1, 4));
        await check(be(), [f32(x)], sg.reciprocal, R.map(x, (v) => 1 / v), { tol: EW, what: `reciprocal [${shape}]` });
      }), runs(6));
    });

    it('Tensor methods give the same values as the functions (sqrt, exp, tanh on a known tensor)', async () => {
      const x = R.arr([2, 3], [0.25, 1, 2, 4, 9, 0.5]);
      await check(be(), [f32(x)], (t) => t.sqrt().add(t.exp().tanh()), R.map(x, (v) => Math.sqrt(v) + Math.tanh(Math.exp(v))), { tol: EW });
    });

    it('special values: exp overflow, log(0), sqrt(-1), relu(-0)', async () => {
      const x = R.arr([4], [100, 0, -1, -0]);
      await check(be(), [f32(x)], sg.exp, R.arr([4], [Infinity, 1, Math.exp(-1), 1]), { tol: EW });
      await check(be(), [f32(R.arr([2], [0, 1]))], sg.log, R.arr([2], [-Infinity, 0]), { tol: EXACT });
      await check(be(), [f32(R.arr([2], [-1, 4]))], sg.sqrt, R.arr([2], [NaN, 2]), { tol: EXACT });
    });
  });

  // ---- elementwise binary ----
  describe('binary (broadcasting)', () => {
    for (const c of binaryCases) {
      it(c.name, async () => {
        await fc.assert(fc.asyncProperty(bcastPairArb(1200), seedArb, async ([sa, sb], seed) => {
          const a = R.arr(sa, c.a(R.sizeOf(sa), seed));
          const b = R.arr(sb, c.b(R.sizeOf(sb), seed ^ 0x5555));
          await check(be(), [f32(a), f32(b)], c.fn, R.zip(a, b, c.ref), { tol: c.tol ?? EW, what: `${c.name} [${sa}] [${sb}]`, dtype: 'f32' });
        }), runs(8));
      });
    }

    it('scalar operands on either side', async () => {
      const x = R.randomArr([3, 7], 11, 0.5, 2);
      await check(be(), [f32(x)], (t) => sg.sub(2.5, t), R.map(x, (v) => 2.5 - v), { tol: EW, what: '2.5 - x' });
      await check(be(), [f32(x)], (t) => sg.div(t, 4), R.map(x, (v) => v / 4), { tol: EW, what: 'x / 4' });
      await check(be(), [f32(x)], (t) => sg.div(3, t), R.map(x, (v) => 3 / v), { tol: EW, what: '3 / x' });
      await check(be(), [f32(x)], (t) => sg.pow(t, 2), R.map(x, (v) => v * v), { tol: EW, what: 'x ** 2' });
      await check(be(), [f32(x)], (t) => sg.pow(2, t), R.map(x, (v) => 2 ** v), { tol: EW, what: '2 ** x' });
      await check(be(), [f32(x)], (t) => t.maximum(1).minimum(1.5), R.map(x, (v) => Math.min(Math.max(v, 1), 1.5)), { tol: EXACT, what: 'clamp' });
    });
  });

  // ---- comparisons, where, cast ----
  describe('comparisons, where, cast', () => {
    for (const c of cmpCases) {
      it(`${c.name} (f32 and i32, with ties)`, async () => {
        await fc.assert(fc.asyncProperty(bcastPairArb(800), seedArb, fc.constantFrom<DType>('f32', 'i32'), async ([sa, sb], seed, dtype) => {
          const a = R.arr(sa, R.randomInts(R.sizeOf(sa), seed, -2, 2));
          const b = R.arr(sb, R.randomInts(R.sizeOf(sb), seed + 1, -2, 2));
          const exp = R.zip(a, b, (x, y) => (c.ref(x, y) ? 1 : 0));
          await check(be(), [{ ...a, dtype }, { ...b, dtype }], c.fn, exp, { tol: EXACT, dtype, what: `${c.name} ${dtype} [${sa}] [${sb}]` });
        }), runs(5));
      });
    }

    it('comparison with a scalar operand', async () => {
      const x = R.arr([5], [-1, 0, 0.5, 1, 2]);
      await check(be(), [f32(x)], (t) => t.gt(0.5), R.arr([5], [0, 0, 0, 1, 1]), { tol: EXACT });
      await check(be(), [f32(x)], (t) => t.le(0), R.arr([5], [1, 1, 0, 0, 0]), { tol: EXACT });
    });

    it('where with broadcasting of cond, a and b (f32 and i32 cond)', async () => {
      await fc.assert(fc.asyncProperty(bcastPairArb(800), shapeArb(0, 2, 50), seedArb, fc.boolean(), async ([sa, sb], sc0, seed, intCond) => {
        // cond's shape: the trailing part of a or b's shape (so all three broadcast).
        const sc = (sa.length >= sb.length ? sa : sb).slice(-Math.min(sc0.length, 2)).map((d, i) => (sc0[i] === 1 ? 1 : d));
        const cnd = R.arr(sc, R.randomInts(R.sizeOf(sc), seed, 0, 1));
        const a = R.randomArr(sa, seed + 1), b = R.randomArr(sb, seed + 2);
        if (!R.broadcastShape(sc, sa, sb)) return;
        await check(be(), [{ ...cnd, dtype: intCond ? 'i32' : 'f32' }, f32(a), f32(b)], (c, x, y) => sg.where(c, x, y),
          R.where(cnd, a, b), { tol: EXACT, what: `where [${sc}] [${sa}] [${sb}]` });
      }), runs(8));
    });

    it('where with scalar branches and i32 values', async () => {
      const c = R.arr([2, 3], [1, 0, 1, 0, 0, 1]);
      const x = R.arr([2, 3], [1, 2, 3, 4, 5, 6]);
      await check(be(), [f32(c), f32(x)], (ct, xt) => sg.where(ct, xt, -1), R.arr([2, 3], [1, -1, 3, -1, -1, 6]), { tol: EXACT });
      await check(be(), [i32(c), i32(x)], (ct, xt) => sg.where(ct, 7, xt), R.arr([2, 3], [7, 2, 7, 4, 5, 7]), { tol: EXACT, dtype: 'i32' });
    });

    it('cast f32 -> i32 truncates toward zero, i32 -> f32 is exact', async () => {
      await fc.assert(fc.asyncProperty(shapeArb(0, 3, 800), seedArb, async (shape, seed) => {
        const x = R.arr(shape, R.randomData(R.sizeOf(shape), seed, -50, 50));
        await check(be(), [f32(x)], (t) => sg.cast(t, 'i32'), R.map(x, Math.trunc), { tol: EXACT, dtype: 'i32', what: 'cast f32->i32' });
        const n = R.arr(shape, R.randomInts(R.sizeOf(shape), seed, -1_000_000, 1_000_000));
        await check(be(), [i32(n)], (t) => t.cast('f32'), n, { tol: EXACT, dtype: 'f32', what: 'cast i32->f32' });
      }), runs(5));
    });
  });

  // ---- i32 arithmetic ----
  describe('i32 ops', () => {
    it('add sub mul div (truncating, /0 = 0) maximum minimum', async () => {
      await fc.assert(fc.asyncProperty(bcastPairArb(600), seedArb, async ([sa, sb], seed) => {
        const a = R.arr(sa, R.randomInts(R.sizeOf(sa), seed, -1000, 1000));
        const b = R.arr(sb, R.randomInts(R.sizeOf(sb), seed + 9, -7, 7));
        const ins = [i32(a), i32(b)];
        const o = { tol: EXACT, dtype: 'i32' as DType };
        await check(be(), ins, sg.add, R.zip(a, b, (x, y) => x + y), { ...o, what: 'i32 add' });
        await check(be(), ins, sg.sub, R.zip(a, b, (x, y) => x - y), { ...o, what: 'i32 sub' });
        await check(be(), ins, sg.mul, R.zip(a, b, (x, y) => x * y), { ...o, what: 'i32 mul' });
        await check(be(), ins, sg.div, R.zip(a, b, (x, y) => (y === 0 ? 0 : Math.trunc(x / y))), { ...o, what: 'i32 div' });
        await check(be(), ins, sg.maximum, R.zip(a, b, Math.max), { ...o, what: 'i32 maximum' });
        await check(be(), ins, sg.minimum, R.zip(a, b, Math.min), { ...o, what: 'i32 minimum' });
      }), runs(4));
    });

    it('neg abs square, sum and max reductions', async () => {
      const a = R.arr([3, 7], R.randomInts(21, 5, -300, 300));
      const o = { tol: EXACT, dtype: 'i32' as DType };
      await check(be(), [i32(a)], sg.neg, R.map(a, (v) => -v), o);
      await check(be(), [i32(a)], sg.abs, R.map(a, Math.abs), o);
      await check(be(), [i32(a)], sg.square, R.map(a, (v) => v * v), o);
      await check(be(), [i32(a)], (t) => t.sum(1), R.reduce(a, [1], false, 'sum'), o);
      await check(be(), [i32(a)], (t) => t.sum(), R.reduce(a, undefined, false, 'sum'), o);
      await check(be(), [i32(a)], (t) => t.max(0, true), R.reduce(a, [0], true, 'max'), o);
    });

    it('i32 wraps around on overflow', async () => {
      const a = R.arr([2], [2147483647, -2147483648]);
      await check(be(), [i32(a)], (t) => sg.add(t, 1), R.arr([2], [-2147483648, -2147483647]), { tol: EXACT, dtype: 'i32' });
    });
  });

  // ---- reductions ----
  describe('reductions', () => {
    const reduceArb = shapeArb(1, 4, 1500).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dims: fc.option(fc.subarray(shape.map((_, i) => i), { minLength: 1 }).chain((ds) =>
          fc.tuple(...ds.map((d) => fc.constantFrom(d, d - shape.length))) as fc.Arbitrary<number[]>)),
        keepdim: fc.boolean(),
        seed: seedArb,
      }));
    for (const op of ['sum', 'mean', 'max'] as const) {
      it(`${op} over dims (negative dims, keepdim, all)`, async () => {
        await fc.assert(fc.asyncProperty(reduceArb, async ({ shape, dims, keepdim, seed }) => {
          const x = R.randomArr(shape, seed);
          const d = dims ?? undefined;
          const r = d ? d.reduce((n, k) => n * shape[k < 0 ? k + shape.length : k]!, 1) : R.sizeOf(shape);
          const fn = (t: Tensor) => (d === undefined && !keepdim ? t[op]() : t[op](d, keepdim));
          await check(be(), [f32(x)], fn, R.reduce(x, d, keepdim, op), {
            tol: op === 'max' ? EXACT : sumTol(r), what: `${op} [${shape}] dims ${JSON.stringify(d)} keepdim ${keepdim}`,
          });
        }), runs(10));
      });
    }

    it('sum of a whole tensor of 257x7 values of mixed sign', async () => {
      const x = R.randomArr([257, 7], 99, -1, 1);
      await check(be(), [f32(x)], (t) => sg.sum(t), R.reduce(x, undefined, false, 'sum'), { tol: sumTol(1799) });
    });

    it('max with -Infinity entries and exact ties', async () => {
      const x = R.arr([2, 4], [-Infinity, -Infinity, -Infinity, -Infinity, 3, 1, 3, -2]);
      await check(be(), [f32(x)], (t) => sg.max(t, -1), R.arr([2], [-Infinity, 3]), { tol: EXACT });
    });
  });

  // ---- matmul ----
  describe('matmul', () => {
    const mmArb = fc.record({
      M: fc.constantFrom(1, 2, 3, 7, 33), N: fc.constantFrom(1, 2, 3, 7, 33), K: fc.constantFrom(1, 2, 3, 7, 33, 257),
      batch: bcastPairArb(12).map(([a, b]) => [a.slice(-2).map((d) => Math.min(d, 3)), b.slice(-2).map((d) => Math.min(d, 3))] as const),
      tA: fc.boolean(), tB: fc.boolean(), seed: seedArb,
    }).filter(({ M, N, K, batch }) => M * N * K * R.sizeOf(batch[0]) * R.sizeOf(batch[1]) <= 40000);

    it('batched, broadcasting batch dims, transposeA/transposeB', async () => {
      await fc.assert(fc.asyncProperty(mmArb, async ({ M, N, K, batch: [ba, bb], tA, tB, seed }) => {
        const a = R.randomArr([...ba, ...(tA ? [K, M] : [M, K])], seed, -1, 1);
        const b = R.randomArr([...bb, ...(tB ? [N, K] : [K, N])], seed + 3, -1, 1);
        await check(be(), [f32(a), f32(b)], (x, y) => sg.matmul(x, y, { transposeA: tA, transposeB: tB }), R.matmul(a, b, tA, tB), {
          tol: { atol: 1e-5 + 2e-6 * K, rtol: 1e-4 }, what: `matmul [${a.shape}]${tA ? 'ᵀ' : ''} @ [${b.shape}]${tB ? 'ᵀ' : ''}`,
        });
      }), runs(15));
    });

    it('1-D operands (vector-matrix, matrix-vector, dot, vector with a batch)', async () => {
      const v = R.randomArr([7], 1), w = R.randomArr([7], 2);
      const m = R.randomArr([7, 3], 3), mt = R.randomArr([3, 7], 4), bm = R.randomArr([2, 7, 3], 5);
      const tol = { atol: 1e-5, rtol: 1e-4 };
      await check(be(), [f32(v), f32(m)], (a, b) => sg.matmul(a, b), R.matmul(v, m), { tol, what: '[7] @ [7,3]' });
      await check(be(), [f32(mt), f32(v)], (a, b) => sg.matmul(a, b), R.matmul(mt, v), { tol, what: '[3,7] @ [7]' });
      await check(be(), [f32(v), f32(w)], (a, b) => a.matmul(b), R.matmul(v, w), { tol, what: '[7] @ [7]' });
      await check(be(), [f32(v), f32(bm)], (a, b) => sg.matmul(a, b), R.matmul(v, bm), { tol, what: '[7] @ [2,7,3]' });
      await check(be(), [f32(m), f32(v)], (a, b) => sg.matmul(a, b, { transposeA: true }), R.matmul(m, v, true), { tol, what: '[7,3]ᵀ @ [7]' });
    });

    it('a 64x257 @ 257x48 product', async () => {
      const a = R.randomArr([64, 257], 7, -1, 1), b = R.randomArr([257, 48], 8, -1, 1);
      await check(be(), [f32(a), f32(b)], (x, y) => sg.matmul(x, y), R.matmul(a, b), { tol: { atol: 1e-3, rtol: 1e-4 } });
    });

    it('linear: x @ Wᵀ + b', async () => {
      const x = R.randomArr([2, 3, 7], 1), w = R.randomArr([5, 7], 2), bias = R.randomArr([5], 3);
      await check(be(), [f32(x), f32(w), f32(bias)], (a, b, c) => sg.linear(a, b, c),
        R.zip(R.matmul(x, w, false, true), bias, (p, q) => p + q), { tol: EW });
    });
  });

  // ---- nn functions ----
  describe('nn', () => {
    const laneArb = shapeArb(1, 3, 1500).chain((shape) => fc.record({
      shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb,
    }));

    it('softmax along any dim', async () => {
      await fc.assert(fc.asyncProperty(laneArb, async ({ shape, dim, seed }) => {
        const x = R.randomArr(shape, seed, -6, 6);
        await check(be(), [f32(x)], (t) => sg.softmax(t, dim), R.softmax(x, dim), { tol: { atol: 1e-6, rtol: 1e-4 }, what: `softmax [${shape}] dim ${dim}` });
      }), runs(10));
    });

    it('logSoftmax along any dim', async () => {
      await fc.assert(fc.asyncProperty(laneArb, async ({ shape, dim, seed }) => {
        const x = R.randomArr(shape, seed, -6, 6);
        await check(be(), [f32(x)], (t) => t.logSoftmax(dim), R.logSoftmax(x, dim), { tol: { atol: 3e-5, rtol: 1e-4 }, what: `logSoftmax [${shape}] dim ${dim}` });
      }), runs(10));
    });

    it('softmax of large logits and of -Infinity entries stays finite', async () => {
      const x = R.arr([2, 3], [1000, 999, -1000, -Infinity, 0, -Infinity]);
      await check(be(), [f32(x)], (t) => sg.softmax(t), R.softmax(x, -1), { tol: { atol: 1e-6, rtol: 1e-5 } });
      await check(be(), [f32(x)], (t) => sg.logSoftmax(t), R.logSoftmax(x, -1), { tol: { atol: 1e-5, rtol: 1e-5 } });
    });

    const normArb = fc.record({
      lead: shapeArb(0, 2, 40), C: fc.constantFrom(1, 2, 7, 33, 257), affine: fc.boolean(), bias: fc.boolean(), seed: seedArb,
    });

    it('layerNorm with and without weight/bias', async () => {
      await fc.assert(fc.asyncProperty(normArb, async ({ lead, C, affine, bias, seed }) => {
        const x = R.randomArr([...lead, C], seed, -3, 3);
        const w = R.randomArr([C], seed + 1), b = R.randomArr([C], seed + 2);
        const ins = [f32(x), f32(w), f32(b)];
        await check(be(), ins, (t, wt, bt) => sg.layerNorm(t, affine ? wt : null, bias ? bt : null),
          R.layerNorm(x, affine ? w.data : null, bias ? b.data : null), { tol: { atol: 1e-4, rtol: 1e-4 }, what: `layerNorm [${x.shape}]` });
      }), runs(8));
    });

    it('rmsNorm with and without weight', async () => {
      await fc.assert(fc.asyncProperty(normArb, async ({ lead, C, affine, seed }) => {
        const x = R.randomArr([...lead, C], seed, -3, 3);
        const w = R.randomArr([C], seed + 1);
        await check(be(), [f32(x), f32(w)], (t, wt) => sg.rmsNorm(t, affine ? wt : null),
          R.rmsNorm(x, affine ? w.data : null), { tol: { atol: 1e-4, rtol: 1e-4 }, what: `rmsNorm [${x.shape}]` });
      }), runs(8));
    });

    it('layerNorm custom eps', async () => {
      const x = R.randomArr([3, 7], 3, -0.01, 0.01);
      await check(be(), [f32(x)], (t) => sg.layerNorm(t, null, null, 0.1), R.layerNorm(x, null, null, 0.1), { tol: { atol: 1e-5, rtol: 1e-4 } });
    });

    it('crossEntropy with ignoreIndex and every reduction', async () => {
      const ceArb = fc.record({
        lead: fc.constantFrom<number[]>([1], [5], [2, 3], [3, 7]), C: fc.constantFrom(1, 2, 7, 33, 257),
        ignore: fc.constantFrom(-100, 0, 3), reduction: fc.constantFrom('mean', 'sum', 'none') as fc.Arbitrary<'mean' | 'sum' | 'none'>,
        seed: seedArb,
      });
      await fc.assert(fc.asyncProperty(ceArb, async ({ lead, C, ignore, reduction, seed }) => {
        const n = R.sizeOf(lead);
        const logits = R.randomArr([...lead, C], seed, -4, 4);
        // Targets: valid classes, with some set to the ignore index.
        const r = R.prng(seed + 5);
        const targets = Array.from({ length: n }, () => (r() < 0.25 ? ignore : Math.floor(r() * C)));
        if (reduction === 'mean' && targets.every((t) => t === ignore)) targets[0] = ignore === 0 ? C - 1 : 0;
        const exp = R.crossEntropy(logits, targets, ignore, reduction);
        await check(be(), [f32(logits), i32(R.arr(lead, targets))], (l, t) => sg.crossEntropy(l, t, { ignoreIndex: ignore, reduction }), exp,
          { tol: { atol: 1e-4, rtol: 1e-4 }, what: `crossEntropy [${logits.shape}] ignore ${ignore} ${reduction} targets ${targets}` });
      }), runs(10));
    });

    it('crossEntropy default ignoreIndex is -100', async () => {
      const logits = R.randomArr([4, 5], 17);
      const targets = [1, -100, 4, 0];
      await check(be(), [f32(logits), i32(R.arr([4], targets))], (l, t) => sg.crossEntropy(l, t), R.crossEntropy(logits, targets, -100), { tol: { atol: 1e-5, rtol: 1e-4 } });
    });

    it('dropout: seeded mask from the documented uniform stream, kept values scaled by 1/(1-p)', async () => {
      await fc.assert(fc.asyncProperty(shapeArb(1, 3, 1500), seedArb, fc.constantFrom(0.1, 0.5, 0.9), async (shape, seed, p) => {
        const x = R.randomArr(shape, seed, 0.5, 2);
        const mask = x.data.map((_, i) => (R.uniformRef(seed, i) >= p ? 1 : 0));
        const exp = R.arr(shape, x.data.map((v, i) => (mask[i] ? v / (1 - p) : 0)));
        await check(be(), [f32(x)], (t) => sg.dropout(t, p, { seed }), exp, { tol: EW, what: `dropout p=${p} [${shape}]` });
      }), runs(6));
    });

    it('dropout keeps about 1-p of the elements; identity when not training or p = 0', async () => {
      for (const p of [0.1, 0.3, 0.7]) {
        const got = await runOn(be(), [f32(R.arr([64, 64], new Array(4096).fill(1)))], (t) => sg.dropout(t, p, { seed: 1234 + p * 10 }));
        const kept = got.data.filter((v) => v !== 0);
        expect(Math.abs(kept.length / 4096 - (1 - p))).toBeLessThan(0.04);
        allClose(kept, kept.map(() => 1 / (1 - p)), EW);
      }
      const x = R.randomArr([3, 7], 2);
      await check(be(), [f32(x)], (t) => sg.dropout(t, 0.5, { seed: 1, training: false }), x, { tol: EXACT });
      await check(be(), [f32(x)], (t) => sg.dropout(t, 0, { seed: 1 }), x, { tol: EXACT });
    });

    it('scaledDotProductAttention, causal (Tq <= Tk) and not', async () => {
      const attArb = fc.record({
        lead: fc.constantFrom<number[]>([], [2], [1, 3], [2, 2]), Tq: fc.constantFrom(1, 3, 7), extra: fc.constantFrom(0, 0, 2, 5),
        D: fc.constantFrom(1, 4, 8, 33), causal: fc.boolean(), seed: seedArb,
      });
      await fc.assert(fc.asyncProperty(attArb, async ({ lead, Tq, extra, D, causal, seed }) => {
        const Tk = Tq + extra;
        const q = R.randomArr([...lead, Tq, D], seed), k = R.randomArr([...lead, Tk, D], seed + 1), v = R.randomArr([...lead, Tk, D], seed + 2);
        await check(be(), [f32(q), f32(k), f32(v)], (a, b, c) => sg.nn.functional.scaledDotProductAttention(a, b, c, { causal }),
          R.attention(q, k, v, causal), { tol: { atol: 2e-5, rtol: 1e-4 }, what: `sdpa causal=${causal} q [${q.shape}] k [${k.shape}]` });
      }), runs(8));
    });
  });

  // ---- movement ----
  describe('movement', () => {
    it('reshape (with -1), on f32 and i32', async () => {
      await fc.assert(fc.asyncProperty(shapeArb(0, 4, 1500), seedArb, fc.boolean(), async (shape, seed, int) => {
        const n = R.sizeOf(shape);
        const x = R.arr(shape, int ? R.randomInts(n, seed, -99, 99) : R.randomData(n, seed));
        const target = n % 7 === 0 && n > 0 ? [7, -1] : [-1];
        const full = target.length === 2 ? [7, n / 7] : [n];
        await check(be(), [{ ...x, dtype: int ? 'i32' : 'f32' }], (t) => t.reshape(target), R.arr(full, x.data), { tol: EXACT });
      }), runs(5));
    });

    it('permute (random permutations, negative dims) and transpose', async () => {
      const permArb = shapeArb(1, 5, 1500).chain((shape) => fc.record({
        shape: fc.constant(shape),
        perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
        neg: fc.boolean(), seed: seedArb,
        t0: fc.integer({ min: -shape.length, max: shape.length - 1 }), t1: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      }));
      await fc.assert(fc.asyncProperty(permArb, async ({ shape, perm, neg, seed, t0, t1 }) => {
        const x = R.randomArr(shape, seed);
        const p = neg ? perm.map((d) => d - shape.length) : perm;
        await check(be(), [f32(x)], (t) => t.permute(p), R.permute(x, perm), { tol: EXACT, what: `permute [${shape}] by [${p}]` });
        const tp = shape.map((_, i) => i);
        const a = t0 < 0 ? t0 + shape.length : t0, b = t1 < 0 ? t1 + shape.length : t1;
        [tp[a], tp[b]] = [tp[b]!, tp[a]!];
        await check(be(), [f32(x)], (t) => sg.transpose(t, t0, t1), R.permute(x, tp), { tol: EXACT, what: `transpose [${shape}] ${t0} ${t1}` });
      }), runs(10));
    });

    it('transpose default swaps the last two dims; permute of i32', async () => {
      const x = R.randomArr([2, 3, 7], 3);
      await check(be(), [f32(x)], (t) => t.transpose(), R.transposeLast(x), { tol: EXACT });
      const n = R.arr([3, 7], R.randomInts(21, 2, -5, 5));
      await check(be(), [i32(n)], (t) => t.permute(1, 0), R.permute(n, [1, 0]), { tol: EXACT, dtype: 'i32' });
    });

    it('slice with negative and out-of-range indices', async () => {
      const sliceArb = shapeArb(1, 4, 1500).chain((shape) => fc.record({
        shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
        start: fc.integer({ min: -300, max: 300 }), end: fc.option(fc.integer({ min: -300, max: 300 })), seed: seedArb,
        small: fc.boolean(),
      }));
      await fc.assert(fc.asyncProperty(sliceArb, async ({ shape, dim, start, end, seed, small }) => {
        const x = R.randomArr(shape, seed);
        // Half the time use indices within [-n, n] so the interesting cases are frequent.
        const n = shape[dim < 0 ? dim + shape.length : dim]!;
        const s = small ? (start % (n + 1)) : start, e = end === null ? undefined : small ? end % (n + 1) : end;
        await check(be(), [f32(x)], (t) => t.slice(dim, s, e), R.slice(x, dim, s, e), { tol: EXACT, what: `slice [${shape}] dim ${dim} ${s}:${e}` });
      }), runs(12));
    });

    it('concat and stack along any dim', async () => {
      const catArb = shapeArb(1, 4, 400).chain((shape) => fc.record({
        shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
        sizes: fc.array(fc.constantFrom(0, 1, 2, 7), { minLength: 1, maxLength: 3 }), seed: seedArb,
      }));
      await fc.assert(fc.asyncProperty(catArb, async ({ shape, dim, sizes, seed }) => {
        const d = dim < 0 ? dim + shape.length : dim;
        const parts = sizes.map((s, i) => R.randomArr(shape.map((v, k) => (k === d ? s : v)), seed + i));
        await check(be(), parts.map(f32), (...ts) => sg.concat(ts, dim), R.concat(parts, dim), { tol: EXACT, what: `concat dim ${dim} of ${parts.map((p) => `[${p.shape}]`)}` });
        const same = sizes.map((_, i) => R.randomArr(shape, seed + 10 + i));
        const sd = dim < 0 ? dim : dim + 1; // a dim of the result (rank + 1)
        const unsq = same.map((p) => ({ shape: [...p.shape.slice(0, sd < 0 ? p.shape.length + 1 + sd : sd), 1, ...p.shape.slice(sd < 0 ? p.shape.length + 1 + sd : sd)], data: p.data }));
        await check(be(), same.map(f32), (...ts) => sg.stack(ts, sd), R.concat(unsq, sd), { tol: EXACT, what: `stack dim ${sd}` });
      }), runs(10));
    });

    it('expand (with -1 and new leading dims)', async () => {
      await fc.assert(fc.asyncProperty(bcastPairArb(1500), seedArb, async ([sa, sb], seed) => {
        const out = R.broadcastShape(sa, sb)!;
        // Expand sa to out (out is always reachable from sa by broadcasting).
        const x = R.randomArr(sa, seed);
        const target = out.map((v, i) => (i >= out.length - sa.length && sa[i - (out.length - sa.length)] === v && seed % 2 === 0 ? -1 : v));
        await check(be(), [f32(x)], (t) => t.expand(target), R.expand(x, out), { tol: EXACT, what: `expand [${sa}] to [${target}]` });
      }), runs(10));
    });

    it('unsqueeze and squeeze (all, one dim, a non-1 dim is a no-op)', async () => {
      const x = R.randomArr([3, 1, 7, 1], 5);
      const o = { tol: EXACT };
      await check(be(), [f32(x)], (t) => t.squeeze(), R.arr([3, 7], x.data), o);
      await check(be(), [f32(x)], (t) => t.squeeze(1), R.arr([3, 7, 1], x.data), o);
      await check(be(), [f32(x)], (t) => t.squeeze(-1), R.arr([3, 1, 7], x.data), o);
      await check(be(), [f32(x)], (t) => t.squeeze(0), R.arr([3, 1, 7, 1], x.data), o);
      await check(be(), [f32(x)], (t) => t.unsqueeze(0), R.arr([1, 3, 1, 7, 1], x.data), o);
      await check(be(), [f32(x)], (t) => t.unsqueeze(-1), R.arr([3, 1, 7, 1, 1], x.data), o);
      await check(be(), [f32(x)], (t) => sg.unsqueeze(t, 2), R.arr([3, 1, 1, 7, 1], x.data), o);
      await check(be(), [f32(x)], (t) => sg.squeeze(t, 3).flatten(), R.arr([21], x.data), o);
    });
  });

  // ---- indexing ----
  describe('indexing', () => {
    it('gather along any dim', async () => {
      const gArb = shapeArb(1, 3, 800).chain((shape) => fc.record({
        shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
        K: fc.constantFrom(1, 2, 5), seed: seedArb,
      }));
      await fc.assert(fc.asyncProperty(gArb, async ({ shape, dim, K, seed }) => {
        const d = dim < 0 ? dim + shape.length : dim;
        const x = R.randomArr(shape, seed);
        const ishape = shape.map((v, i) => (i === d ? K : v));
        const index = R.arr(ishape, R.randomInts(R.sizeOf(ishape), seed + 1, 0, shape[d]! - 1));
        await check(be(), [f32(x), i32(index)], (t, ix) => t.gather(dim, ix), R.gather(x, dim, index), { tol: EXACT, what: `gather [${shape}] dim ${dim} index [${ishape}]` });
      }), runs(10));
    });

    it('embedding with repeated and out-of-range ids (zero rows)', async () => {
      const eArb = fc.record({ V: fc.constantFrom(1, 7, 33), D: fc.constantFrom(1, 3, 7, 33), ids: fc.constantFrom<number[]>([5], [2, 3], [3, 7]), seed: seedArb });
      await fc.assert(fc.asyncProperty(eArb, async ({ V, D, ids, seed }) => {
        const table = R.randomArr([V, D], seed);
        const idx = R.arr(ids, R.randomInts(R.sizeOf(ids), seed + 1, -1, V)); // -1 and V are out of range
        await check(be(), [f32(table), i32(idx)], (t, i) => sg.embedding(t, i), R.embedding(table, idx), { tol: EXACT, what: `embedding V=${V} D=${D} ids ${idx.data}` });
        await check(be(), [f32(table), i32(idx)], (t, i) => sg.nn.functional.embedding(t, i), R.embedding(table, idx), { tol: EXACT });
      }), runs(8));
    });

    it('pickLast (out-of-range ids give 0)', async () => {
      const x = R.randomArr([2, 3, 7], 4);
      const idx = R.arr([2, 3], [0, 6, 3, -1, 7, 2]);
      await check(be(), [f32(x), i32(idx)], (t, i) => sg.pickLast(t, i), R.pickLast(x, idx), { tol: EXACT });
    });
  });

  // ---- creation and randomness ----
  describe('creation and random numbers', () => {
    it('rand: same seed -> the documented uniforms, bit for bit', async () => {
      await fc.assert(fc.asyncProperty(fc.constantFrom<number[]>([1], [7], [33, 7], [257], [3, 1000]), seedArb, async (shape, seed) => {
        const exp = R.arr(shape, R.sizeOf(shape) ? Array.from({ length: R.sizeOf(shape) }, (_, i) => R.uniformRef(seed, i)) : []);
        await check(be(), [], () => sg.rand(shape, { seed }), exp, { tol: EXACT, what: `rand seed ${seed}` });
        await check(be(), [], () => sg.rand(shape, { seed, scale: 4 }), R.map(exp, (v) => v * 4), { tol: EXACT, what: 'rand scale 4' });
      }), runs(5));
    });

    it('randn: same seed -> the documented normals within 1e-5', async () => {
      await fc.assert(fc.asyncProperty(fc.constantFrom<number[]>([1], [7], [33, 7], [257], [3, 1000]), seedArb, async (shape, seed) => {
        const exp = R.arr(shape, Array.from({ length: R.sizeOf(shape) }, (_, i) => R.normalRef(seed, i)));
        await check(be(), [], () => sg.randn(shape, { seed }), exp, { tol: { atol: 1e-5, rtol: 1e-5 }, what: `randn seed ${seed}` });
        await check(be(), [], () => sg.randn(shape, { seed, scale: 0.5 }), R.map(exp, (v) => v * 0.5), { tol: { atol: 1e-5, rtol: 1e-5 } });
      }), runs(5));
    });

    it('rand/randn statistics: mean and spread of 8192 samples', async () => {
      const u = (await runOn(be(), [], () => sg.rand([8192], { seed: 77 }))).data;
      const z = (await runOn(be(), [], () => sg.randn([8192], { seed: 78 }))).data;
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u)).toBeLessThan(1);
      expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.02);
      expect(Math.abs(mean(z))).toBeLessThan(0.05);
      expect(Math.abs(Math.sqrt(mean(z.map((v) => v * v))) - 1)).toBeLessThan(0.05);
    });

    it('full, zeros, ones, arange, tensor from nested arrays', async () => {
      await check(be(), [], () => sg.full([2, 3], 2.5), R.arr([2, 3], new Array(6).fill(2.5)), { tol: EXACT });
      await check(be(), [], () => sg.zeros([7]), R.arr([7], new Array(7).fill(0)), { tol: EXACT });
      await check(be(), [], () => sg.ones([1, 33], { dtype: 'i32' }), R.arr([1, 33], new Array(33).fill(1)), { tol: EXACT, dtype: 'i32' });
      await check(be(), [], () => sg.arange(5), R.arr([5], [0, 1, 2, 3, 4]), { tol: EXACT, dtype: 'i32' });
      await check(be(), [], () => sg.arange(1, 2, 0.25), R.arr([4], [1, 1.25, 1.5, 1.75]), { tol: EXACT, dtype: 'f32' });
      await check(be(), [], () => sg.tensor([[1, 2], [3, 4], [5, 6]]), R.arr([3, 2], [1, 2, 3, 4, 5, 6]), { tol: EXACT });
      await check(be(), [], () => sg.tensor(3), R.arr([], [3]), { tol: EXACT });
      await check(be(), [f32(R.arr([2], [1, 2]))], (t) => sg.zerosLike(t).add(sg.onesLike(t)), R.arr([2], [1, 1]), { tol: EXACT });
    });

    it('toArray and item', async () => {
      const t = upload(be(), f32(R.arr([2, 3], [1, 2, 3, 4, 5, 6])));
      expect(await t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
      const s = sg.withBackend(be(), () => t.sum());
      expect(await s.item()).toBe(21);
      t.dispose(); s.dispose();
    });
  });

  // ---- edge cases: empty tensors, rank 8, dispatch-grid limits, special values ----
  describe('edge cases', () => {
    const rd = async (t: Tensor): Promise<number[]> => (await take(t)).data;
    const on = <T>(fn: () => T): T => sg.withBackend(be(), fn);

    it('zero-size tensors: elementwise, reductions (sum = 0), matmul with K = 0, movement', async () => {
      expect(await rd(on(() => sg.add(sg.ones([0, 3]), sg.ones([3]))))).toEqual([]);
      expect(await rd(on(() => sg.exp(sg.ones([0]))))).toEqual([]);
      expect(await rd(on(() => sg.sum(sg.ones([0, 3]), 0)))).toEqual([0, 0, 0]);
      expect(await rd(on(() => sg.matmul(sg.ones([2, 0]), sg.ones([0, 3]))))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(await rd(on(() => sg.matmul(sg.ones([0, 2]), sg.ones([2, 3]))))).toEqual([]);
      expect(await rd(on(() => sg.ones([3, 0]).permute(1, 0)))).toEqual([]);
      expect(await rd(on(() => sg.ones([3, 4]).slice(1, 2, 2)))).toEqual([]);
    });

    it('rank-8 permute, broadcasting and multi-dim reduction', async () => {
      const shape = [2, 1, 2, 3, 1, 2, 1, 2];
      const x = R.randomArr(shape, 3);
      const y = R.randomArr([2, 1, 2, 1, 1, 1, 2, 1], 4);
      const perm = [7, 0, 6, 1, 5, 2, 4, 3];
      await check(be(), [f32(x)], (t) => t.permute(perm), R.permute(x, perm), { tol: EXACT, what: 'rank-8 permute' });
      await check(be(), [f32(x), f32(y)], sg.mul, R.zip(x, y, (a, b) => a * b), { tol: EW, what: 'rank-8 mul' });
      await check(be(), [f32(x)], (t) => sg.sum(t, [0, 3, -1]), R.reduce(x, [0, 3, -1], false, 'sum'), { tol: EW, what: 'rank-8 sum' });
    });

    it('reductions: tree path with > 65535 outputs, wide rows (r >= 2048) in f32 and i32', async () => {
      const x = R.randomArr([70000, 33], 5);
      await check(be(), [f32(x)], (t) => sg.sum(t, 1), R.reduce(x, [1], false, 'sum'), { tol: sumTol(33), what: 'sum [70000,33] dim 1' });
      await check(be(), [f32(x)], (t) => sg.max(t, 1), R.reduce(x, [1], false, 'max'), { tol: EXACT, what: 'max [70000,33] dim 1' });
      const w = R.randomArr([3, 3000], 6);
      await check(be(), [f32(w)], (t) => sg.sum(t, 1), R.reduce(w, [1], false, 'sum'), { tol: sumTol(3000), what: 'sum [3,3000]' });
      await check(be(), [f32(w)], (t) => sg.max(t, -1, true), R.reduce(w, [1], true, 'max'), { tol: EXACT, what: 'max [3,3000]' });
      const wi = R.arr([3, 3000], R.randomInts(9000, 3, -1000, 1000));
      await check(be(), [i32(wi)], (t) => sg.sum(t, 1), R.reduce(wi, [1], false, 'sum'), { tol: EXACT, dtype: 'i32', what: 'i32 sum [3,3000]' });
      await check(be(), [i32(wi)], (t) => sg.max(t, 1), R.reduce(wi, [1], false, 'max'), { tol: EXACT, dtype: 'i32', what: 'i32 max [3,3000]' });
    });

    it.skipIf(entry.name === 'cpu')('matmul with a batch above the 65535 workgroups-per-dimension limit', async () => {
      const a = R.randomArr([65600, 1, 2], 7), b = R.randomArr([65600, 2, 1], 8);
      await check(be(), [f32(a), f32(b)], (x, y) => sg.matmul(x, y), R.matmul(a, b), { tol: EW, what: 'matmul batch 65600' });
    });

    it.skipIf(entry.name === 'cpu')('1-D kernels past 65535 * 256 elements (2-D workgroup grid): rand, sub, relu', async () => {
      const N = 65535 * 256 + 777;
      const u = on(() => sg.rand([N], { seed: 11 }));
      const v = on(() => sg.tidy(() => sg.sub(u, 0.5).relu()));
      const du = await u.data(), dv = await v.data();
      u.dispose(); v.dispose();
      const idx = [0, 1, 65535 * 256 - 1, 65535 * 256, 65535 * 256 + 1, N - 1, ...R.randomInts(200, 3, 0, N - 1)];
      for (const i of idx) {
        const r = R.uniformRef(11, i);
        expect(du[i], `rand at ${i}`).toBe(r);
        expect(dv[i], `relu(u - 0.5) at ${i}`).toBe(Math.max(Math.fround(r - 0.5), 0));
      }
    });

    it('embedding backward with thousands of repeated ids (deterministic scatter-add)', async () => {
      const V = 5, D = 3, n = 3000;
      const ids = R.randomInts(n, 4, -1, V); // includes out-of-range ids, which get no gradient
      const g = R.randomArr([n, D], 9);
      const exp = new Array<number>(V * D).fill(0);
      ids.forEach((r, k) => { if (r >= 0 && r < V) for (let j = 0; j < D; j++) exp[r * D + j]! += g.data[k * D + j]!; });
      const tab = on(() => sg.randn([V, D], { seed: 3, requiresGrad: true }));
      const idt = on(() => sg.tensor(Int32Array.from(ids)));
      const gt = on(() => sg.tensor(Float32Array.from(g.data), { shape: [n, D] }));
      on(() => sg.tidy(() => sg.embedding(tab, idt).backward(gt)));
      allClose(await rd(tab.grad!), exp, { atol: 1e-4, rtol: 1e-5 }, 'embedding grad');
      tab.dispose(); idt.dispose(); gt.dispose();
    });

    it('max/min gradients split ties evenly; .grad accumulates across backward calls', async () => {
      const x = on(() => sg.tensor([1, 3, 3, 2], { requiresGrad: true }));
      on(() => sg.tidy(() => sg.max(x).backward()));
      expect(await x.grad!.toArray()).toEqual([0, 0.5, 0.5, 0]);
      on(() => sg.tidy(() => sg.maximum(x, 3).sum().backward()));
      expect(await x.grad!.toArray()).toEqual([0, 1, 1, 0]);
      on(() => sg.tidy(() => sg.minimum(x, 3).sum().backward()));
      expect(await x.grad!.toArray()).toEqual([1, 1.5, 1.5, 1]);
      x.grad!.dispose(); x.dispose();
    });

    it('NaN propagates through max, maximum and minimum', async () => {
      const x = R.arr([3], [1, NaN, 3]);
      await check(be(), [f32(x)], (t) => sg.max(t), R.arr([], [NaN]), { tol: EXACT });
      await check(be(), [f32(x)], (t) => sg.maximum(t, 2), R.arr([3], [2, NaN, 3]), { tol: EXACT });
      await check(be(), [f32(x)], (t) => sg.minimum(t, 2), R.arr([3], [1, NaN, 2]), { tol: EXACT });
    });

    it('extreme arguments: gelu, tanh, sigmoid, exp, pow with a negative base or zero', async () => {
      const big = R.arr([7], [-100, -30, -10, 0, 10, 30, 100]);
      await check(be(), [f32(big)], sg.gelu, R.map(big, R.gelu), { tol: { atol: 1e-6, rtol: 1e-5 }, what: 'gelu' });
      await check(be(), [f32(big)], sg.tanh, R.map(big, Math.tanh), { tol: { atol: 1e-7, rtol: 0 }, what: 'tanh' });
      await check(be(), [f32(big)], sg.sigmoid, R.map(big, (v) => Math.fround(R.sigmoid(v))), { tol: { atol: 1e-37, rtol: 1e-4 }, what: 'sigmoid (f32 subnormals may be flushed to 0 in WGSL)' });
      await check(be(), [f32(R.arr([3], [-100, 88, 89]))], sg.exp, R.arr([3], [Math.fround(Math.exp(-100)), Math.fround(Math.exp(88)), Infinity]), { tol: { atol: 1e-37, rtol: 1e-5 }, what: 'exp (subnormal results may be flushed to 0)' });
      const b = R.arr([6], [-2, -2, 0, 0, -8, 2]), e = R.arr([6], [2, 3, 0, 2, 1 / 3, -1]);
      await check(be(), [f32(b), f32(e)], sg.pow, R.zip(b, e, Math.pow), { tol: { atol: 1e-6, rtol: 1e-5 }, what: 'pow' });
    });

    it('f16 movement and indexing at odd offsets, casts, where, softmax, rand', async () => {
      if (!be().supportsF16) return;
      const x = R.map(R.randomArr([3, 5], 1), R.toHalf);
      const h = (t: Tensor) => t.cast('f16');
      const o = { tol: EXACT, dtype: 'f16' as DType };
      await check(be(), [f32(x)], (t) => h(t).slice(1, 1, 4), R.slice(x, 1, 1, 4), { ...o, what: 'f16 slice' });
      await check(be(), [f32(x)], (t) => h(t).permute(1, 0), R.permute(x, [1, 0]), { ...o, what: 'f16 permute' });
      await check(be(), [f32(x)], (t) => sg.concat([h(t).slice(0, 0, 1), h(t)], 0), R.concat([R.slice(x, 0, 0, 1), x], 0), { ...o, what: 'f16 concat' });
      await check(be(), [f32(x)], (t) => h(t).expand(2, 3, 5), R.expand(x, [2, 3, 5]), { ...o, what: 'f16 expand' });
      await check(be(), [f32(x), i32(R.arr([3], [2, 0, 1]))], (t, i) => sg.embedding(h(t), i), R.embedding(x, R.arr([3], [2, 0, 1])), { ...o, what: 'f16 embedding' });
      await check(be(), [f32(x), i32(R.arr([3, 1], [4, 0, 2]))], (t, i) => sg.gather(h(t), 1, i), R.gather(x, 1, R.arr([3, 1], [4, 0, 2])), { ...o, what: 'f16 gather' });
      await check(be(), [f32(x)], (t) => sg.max(h(t), 0), R.reduce(x, [0], false, 'max'), { ...o, what: 'f16 max' });
      await check(be(), [f32(x)], (t) => h(t).cast('i32'), R.map(x, Math.trunc), { tol: EXACT, dtype: 'i32', what: 'f16 -> i32' });
      await check(be(), [i32(R.arr([5], [1, 2, 3, 2049, 70000]))], (t) => t.cast('f16'), R.arr([5], [1, 2, 3, 2048, Infinity]), { ...o, what: 'i32 -> f16' });
      await check(be(), [f32(R.arr([3], [1, 0, 1]))], (c) => sg.where(h(c), h(sg.onesLike(c)), 5), R.arr([3], [1, 5, 1]), { ...o, what: 'f16 where' });
      await check(be(), [f32(x)], (t) => sg.softmax(h(t)), R.map(R.softmax(x, -1), R.toHalf), { tol: { atol: 1e-3, rtol: 2e-3 }, dtype: 'f16', what: 'f16 softmax' });
      await check(be(), [], () => sg.rand([7], { seed: 5, dtype: 'f16' }), R.arr([7], Array.from({ length: 7 }, (_, i) => R.toHalf(R.uniformRef(5, i)))), { ...o, what: 'f16 rand' });
    });
  });

  // ---- f16 storage ----
  describe('f16', () => {
    it('round trip rounds to the nearest half (ties to even, overflow to Infinity, subnormals)', async () => {
      if (!be().supportsF16) return void console.warn(`f16 not supported on ${be().name}: f16 tests skipped`);
      const special = [0, -0, 1, -1, 65504, 65519, 65520, 1e6, -1e6, 2 ** -24, 2 ** -25, 1.5 * 2 ** -24, 6.1e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, 3.14159, Infinity, -Infinity];
      const vals = [...special, ...R.randomData(300, 42, -1000, 1000), ...R.randomData(100, 43, -1e-3, 1e-3)];
      const x = R.arr([vals.length], vals.map(Math.fround));
      await check(be(), [], () => sg.tensor(Float32Array.from(x.data), { dtype: 'f16' }), R.map(x, R.toHalf), { tol: EXACT, dtype: 'f16', what: 'f16 upload' });
      await check(be(), [f32(x)], (t) => t.cast('f16').cast('f32'), R.map(x, R.toHalf), { tol: EXACT, dtype: 'f32', what: 'cast f32->f16->f32' });
    });

    it('f16 add, mul (correctly rounded), exp, sum and matmul', async () => {
      if (!be().supportsF16) return;
      const a = R.map(R.randomArr([7, 33], 1, -4, 4), R.toHalf), b = R.map(R.randomArr([33], 2, -4, 4), R.toHalf);
      const h = (t: Tensor) => t.cast('f16');
      await check(be(), [f32(a), f32(b)], (x, y) => sg.add(h(x), h(y)), R.map(R.zip(a, b, (p, q) => p + q), R.toHalf), { tol: EXACT, dtype: 'f16', what: 'f16 add' });
      await check(be(), [f32(a), f32(b)], (x, y) => sg.mul(h(x), h(y)), R.map(R.zip(a, b, (p, q) => p * q), R.toHalf), { tol: EXACT, dtype: 'f16', what: 'f16 mul' });
      await check(be(), [f32(a)], (x) => sg.exp(h(x)), R.map(a, Math.exp), { tol: { atol: 1e-3, rtol: 2e-3 }, dtype: 'f16', what: 'f16 exp' });
      await check(be(), [f32(a)], (x) => sg.sum(h(x), -1), R.reduce(a, [-1], false, 'sum'), { tol: { atol: 0.1, rtol: 1e-2 }, dtype: 'f16', what: 'f16 sum' });
      const m = R.map(R.randomArr([33, 5], 3, -1, 1), R.toHalf);
      await check(be(), [f32(a), f32(m)], (x, y) => sg.matmul(h(x), h(y)), R.matmul(a, m), { tol: { atol: 0.1, rtol: 1e-2 }, dtype: 'f16', what: 'f16 matmul' });
    });
  });
}

describe.each(backends.filter((b) => b.available))('conformance on $name', suite);
describe.skip.each(backends.filter((b) => !b.available))('conformance on $name (unavailable)', suite);
