/**
 * Fused attention (src/ops/attention.ts `flashAttention`, the `attentionForward` /
 * `attentionBackward` primitives, kernels/attention_*.wgsl):
 *  - the CPU reference primitives against an independent float64 materialized reference;
 *  - fused vs materialized `scaledDotProductAttention` (outputs and q/k/v gradients) on every
 *    backend, grouped-query heads, causal and not, Tq < Tk, T = 1 .. 130, D = 3 .. 64;
 *  - WebGPU primitives against the CPU reference in both kernel configurations (software, gpu);
 *  - float64 finite-difference gradcheck of flashAttention; bitwise determinism; clear errors;
 *  - the 'bthd' layout (positions before heads): fused and materialized paths and both kernel
 *    configurations against the 'bhtd' results permuted on the host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend, DType } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { Tensor } from '../src/tensor.js';
import { allClose, loadBackends, webgpuOf, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();
const gpu = webgpuOf(backends);
const { attentionVariants } = await import('../src/backend/webgpu/index.js');

afterEach(() => {
  attentionVariants.attention = 'auto';
  delete attentionVariants.rows;
});

/** [B, H, Hkv, Tq, Tk, D, causal] */
type Geo = [number, number, number, number, number, number, boolean];
const name = ([B, H, Hkv, Tq, Tk, D, causal]: Geo) => `B${B} H${H}/${Hkv} Tq${Tq} Tk${Tk} D${D}${causal ? ' causal' : ''}`;

function up(be: Backend<any>, shape: number[], data: number[], requiresGrad = false, dtype: DType = 'f32'): Tensor {
  return sg.withBackend(be, () => sg.tensor(Float32Array.from(data), { shape, dtype, requiresGrad }));
}

/** Random q, k, v, dOut data for a geometry (values in [-1.5, 1.5]). */
function inputs([B, H, Hkv, Tq, Tk, D]: Geo, seed: number): { q: number[]; k: number[]; v: number[]; g: number[] } {
  return {
    q: R.randomData(B * H * Tq * D, seed, -1.5, 1.5),
    k: R.randomData(B * Hkv * Tk * D, seed + 1, -1.5, 1.5),
    v: R.randomData(B * Hkv * Tk * D, seed + 2, -1.5, 1.5),
    g: R.randomData(B * H * Tq * D, seed + 3, -1, 1),
  };
}

/** Output and q/k/v gradients of sdpa (fused or materialized) for sum(out * g). */
async function run(be: Backend<any>, geo: Geo, materialize: boolean, seed = 1): Promise<number[][]> {
  const [B, H, Hkv, Tq, Tk, D, causal] = geo;
  const x = inputs(geo, seed);
  const q = up(be, [B, H, Tq, D], x.q, true), k = up(be, [B, Hkv, Tk, D], x.k, true), v = up(be, [B, Hkv, Tk, D], x.v, true);
  const g = up(be, [B, H, Tq, D], x.g);
  const out = sg.withBackend(be, () => sg.tidy(() => {
    const o = sg.nn.functional.scaledDotProductAttention(q, k, v, { causal, materialize });
    o.backward(g);
    return o.detach();
  }));
  const res = [Array.from(await out.data())];
  for (const t of [q, k, v]) res.push(Array.from(await t.grad!.data()));
  for (const t of [q, k, v]) { t.grad!.dispose(); t.dispose(); }
  out.dispose(); g.dispose();
  return res;
}

/** [B, H, T, D] data -> [B, T, H, D] (toBthd) and back (toBhtd), on the host. */
const toBthd = (shape: number[], d: number[]) => Array.from(R.permute(R.arr(shape, d), [0, 2, 1, 3]).data);
const toBhtd = (shape: number[], d: number[]) => Array.from(R.permute(R.arr([shape[0]!, shape[2]!, shape[1]!, shape[3]!], d), [0, 2, 1, 3]).data);

/**
 * As `run`, with q, k, v, g given in layout 'bthd' (the same values, permuted on the host); the
 * output and gradients come back permuted to [B, H, T, D] so they compare with `run`'s.
 */
async function runBthd(be: Backend<any>, geo: Geo, materialize: boolean, seed = 1): Promise<number[][]> {
  const [B, H, Hkv, Tq, Tk, D, causal] = geo;
  const x = inputs(geo, seed);
  const qs = [B, H, Tq, D], ks = [B, Hkv, Tk, D];
  const q = up(be, [B, Tq, H, D], toBthd(qs, x.q), true), k = up(be, [B, Tk, Hkv, D], toBthd(ks, x.k), true);
  const v = up(be, [B, Tk, Hkv, D], toBthd(ks, x.v), true);
  const g = up(be, [B, Tq, H, D], toBthd(qs, x.g));
  const out = sg.withBackend(be, () => sg.tidy(() => {
    const o = sg.nn.functional.scaledDotProductAttention(q, k, v, { causal, materialize, layout: 'bthd' });
    expect(o.shape).toEqual([B, Tq, H, D]);
    expect(o.node?.op).toBe(materialize ? 'permute' : 'flashAttention');
    o.backward(g);
    return o.detach();
  }));
  const res = [toBhtd(qs, Array.from(await out.data()))];
  for (const [t, shape] of [[q, qs], [k, ks], [v, ks]] as const) res.push(toBhtd(shape, Array.from(await t.grad!.data())));
  for (const t of [q, k, v]) { t.grad!.dispose(); t.dispose(); }
  out.dispose(); g.dispose();
  return res;
}

const LAYOUT_CASES: Geo[] = [
  [2, 4, 2, 33, 33, 16, true],   // grouped-query heads (read in place, no expansion)
  [1, 2, 2, 7, 33, 8, true],     // Tq < Tk (a KV cache)
  [1, 3, 1, 9, 9, 3, false],     // head size not a multiple of 4, full attention
];

const COMPARE_CASES: Geo[] = [
  [1, 1, 1, 1, 1, 4, true],      // T = 1
  [1, 2, 2, 7, 7, 8, true],
  [2, 4, 2, 33, 33, 16, true],   // grouped-query heads
  [1, 4, 1, 33, 33, 8, false],   // one kv head, full attention
  [2, 2, 2, 130, 130, 4, true],  // T = 130, TinyStories-1M head size
  [1, 2, 1, 130, 130, 16, false],
  [1, 2, 2, 7, 33, 16, true],    // Tq < Tk
  [2, 4, 4, 1, 33, 8, true],     // Tq = 1 (generation with a KV cache)
  [1, 3, 1, 7, 7, 3, true],      // head size not a multiple of 4
  [1, 2, 2, 33, 33, 64, true],   // D = 64
];

describe.each(backends.filter((b) => b.available))('fused vs materialized attention on $name', (entry) => {
  for (const geo of COMPARE_CASES) {
    it(name(geo), async () => {
      const [fused, mat] = [await run(entry.backend, geo, false), await run(entry.backend, geo, true)];
      const tol: Tol = { atol: 3e-5, rtol: 3e-4 };
      ['out', 'dq', 'dk', 'dv'].forEach((what, i) => allClose(fused[i]!, mat[i]!, tol, `${name(geo)} ${what}`));
    }, 180_000);
  }

  for (const geo of LAYOUT_CASES) {
    for (const materialize of [false, true]) {
      it(`layout 'bthd' (${materialize ? 'materialized' : 'fused'}) equals 'bhtd' permuted: ${name(geo)}`, async () => {
        const [got, ref] = [await runBthd(entry.backend, geo, materialize), await run(entry.backend, geo, true)];
        ['out', 'dq', 'dk', 'dv'].forEach((what, i) => allClose(got[i]!, ref[i]!, { atol: 3e-5, rtol: 3e-4 }, `bthd ${name(geo)} ${what}`));
      }, 180_000);
    }
  }

  it('a query that sees no key (causal, Tq > Tk) gives a zero row and no gradient', async () => {
    const be = entry.backend;
    const q = up(be, [1, 1, 3, 4], R.randomData(12, 5), true), k = up(be, [1, 1, 1, 4], R.randomData(4, 6), true);
    const v = up(be, [1, 1, 1, 4], R.randomData(4, 7), true);
    const o = sg.withBackend(be, () => sg.tidy(() => { const o = sg.flashAttention(q, k, v, { causal: true }); o.sum().backward(); return o.detach(); }));
    const out = Array.from(await o.data());
    expect(out.slice(0, 8)).toEqual(new Array(8).fill(0)); // rows 0, 1 see no key (off = -2)
    allClose(out.slice(8), Array.from(await v.data()), { atol: 1e-6 }, 'row 2 = v_0');
    expect(Array.from(await q.grad!.data()).every((x) => x === 0)).toBe(true);
    for (const t of [q, k, v]) { t.grad?.dispose(); t.dispose(); }
    o.dispose();
  });
});

/**
 * Runs both primitives on a backend and reads every result. With layout 'bthd' the inputs are
 * uploaded permuted and the results permuted back, so every layout gives the 'bhtd' numbers.
 */
async function primitives(be: Backend<any>, geo: Geo, dtype: DType = 'f32', scale?: number, layout: 'bhtd' | 'bthd' = 'bhtd'): Promise<Record<string, number[]>> {
  const [B, H, Hkv, Tq, Tk, D, causal] = geo;
  const x = inputs(geo, 11);
  const qs = [B, H, Tq, D], ks = [B, Hkv, Tk, D];
  const bthd = layout === 'bthd';
  const st = (shape: number[], d: number[]) => up(be, bthd ? [shape[0]!, shape[2]!, shape[1]!, shape[3]!] : shape, bthd ? toBthd(shape, d) : d, false, dtype);
  const back = (shape: number[], d: number[]) => (bthd ? toBhtd(shape, d) : d);
  const q = st(qs, x.q), k = st(ks, x.k), v = st(ks, x.v), g = st(qs, x.g);
  const a = { q: q.storage, k: k.storage, v: v.storage, dtype, B, H, Hkv, Tq, Tk, D, scale: scale ?? 1 / Math.sqrt(D), causal, layout };
  const f = be.kernels.attentionForward(a);
  const b = be.kernels.attentionBackward({ ...a, out: f.out, lse: f.lse, dOut: g.storage });
  const nq = B * H * Tq * D, nkv = B * Hkv * Tk * D;
  const res: Record<string, number[]> = {};
  for (const [key, s, n, d, shape] of [['out', f.out, nq, dtype, qs], ['lse', f.lse, B * H * Tq, 'f32', null], ['dq', b.dq, nq, dtype, qs], ['dk', b.dk, nkv, dtype, ks], ['dv', b.dv, nkv, dtype, ks]] as const) {
    const data = Array.from(await be.read(s, n, d));
    res[key] = shape ? back(shape, data) : data;
    be.free(s);
  }
  for (const t of [q, k, v, g]) t.dispose();
  return res;
}

describe('CPU reference primitives', () => {
  const cpu = new CpuBackend();
  /** Independent reference: expand kv heads, then the materialized float64 attention of helpers/reference.ts. */
  function reference([B, H, Hkv, Tq, Tk, D, causal]: Geo, x: ReturnType<typeof inputs>): { out: number[]; lse: number[] } {
    const expandHeads = (d: number[]) => {
      const e = R.expand(R.arr([B, Hkv, 1, Tk, D], d), [B, Hkv, H / Hkv, Tk, D]);
      return { shape: [B, H, Tk, D], data: e.data };
    };
    const q = R.arr([B, H, Tq, D], x.q);
    const out = R.attention(q, expandHeads(x.k), expandHeads(x.v), causal).data;
    const k = expandHeads(x.k);
    const lse: number[] = [];
    for (let bh = 0; bh < B * H; bh++) {
      for (let i = 0; i < Tq; i++) {
        const s: number[] = [];
        for (let j = 0; j < Tk; j++) {
          if (causal && j > i + Tk - Tq) continue;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += x.q[(bh * Tq + i) * D + d]! * k.data[(bh * Tk + j) * D + d]!;
          s.push(dot / Math.sqrt(D));
        }
        const m = Math.max(...s);
        lse.push(m + Math.log(s.reduce((acc, z) => acc + Math.exp(z - m), 0)));
      }
    }
    return { out, lse };
  }
  for (const geo of [[1, 1, 1, 5, 5, 4, true], [2, 4, 2, 6, 9, 3, true], [1, 3, 1, 4, 4, 8, false], [1, 2, 2, 1, 7, 5, true]] as Geo[]) {
    it(`out and lse match an independent float64 reference: ${name(geo)}`, async () => {
      const res = await primitives(cpu, geo);
      const ref = reference(geo, inputs(geo, 11));
      allClose(res.out!, ref.out, { atol: 1e-5, rtol: 1e-5 }, 'out');
      allClose(res.lse!, ref.lse, { atol: 1e-5, rtol: 1e-5 }, 'lse');
    });
  }
});

describe("CPU reference primitives, layout 'bthd'", () => {
  const cpu = new CpuBackend();
  for (const geo of [[2, 4, 2, 6, 9, 3, true], [1, 3, 1, 4, 4, 8, false]] as Geo[]) {
    it(`equal the 'bhtd' results permuted: ${name(geo)}`, async () => {
      const [got, ref] = [await primitives(cpu, geo, 'f32', undefined, 'bthd'), await primitives(cpu, geo)];
      for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, { atol: 1e-6, rtol: 1e-6 }, key);
    });
  }
});

const PRIMITIVE_CASES: Geo[] = [
  [1, 1, 1, 5, 5, 4, true],
  [2, 4, 2, 33, 33, 16, true],
  [1, 2, 1, 3, 40, 8, true],
  [2, 2, 2, 17, 9, 12, false],
  [1, 1, 1, 20, 5, 8, true],     // Tq > Tk: rows that see no key
  [1, 3, 1, 7, 7, 3, true],
  [1, 1, 1, 130, 130, 8, true],
];

(gpu ? describe : describe.skip)('WebGPU attention primitives match the CPU reference', () => {
  const cpu = new CpuBackend();
  const tol: Tol = { atol: 2e-5, rtol: 2e-4 };
  // The gpu configuration runs on llvmpipe here too; a few head sizes keep its compiles short.
  const GPU_CASES: Geo[] = [[2, 4, 2, 33, 33, 8, true], [1, 1, 1, 20, 5, 4, true], [2, 2, 2, 17, 9, 8, false], [1, 3, 1, 7, 7, 3, true]];
  for (const config of ['software', 'gpu'] as const) {
    for (const geo of config === 'software' ? PRIMITIVE_CASES : GPU_CASES) {
      it(`${config} configuration: ${name(geo)}`, async () => {
        attentionVariants.attention = config;
        const [got, ref] = [await primitives(gpu!.backend, geo), await primitives(cpu, geo)];
        for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, tol, `${config} ${name(geo)} ${key}`);
      }, 180_000);
    }
  }

  for (const config of ['software', 'gpu'] as const) {
    for (const geo of [[2, 4, 2, 33, 33, 8, true], [1, 2, 1, 3, 40, 4, true], [1, 3, 1, 7, 7, 3, false]] as Geo[]) {
      it(`layout 'bthd', ${config} configuration: ${name(geo)}`, async () => {
        attentionVariants.attention = config;
        const [got, ref] = [await primitives(gpu!.backend, geo, 'f32', undefined, 'bthd'), await primitives(cpu, geo)];
        for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, tol, `bthd ${config} ${name(geo)} ${key}`);
      }, 180_000);
    }
  }

  it('every rows-per-lane count gives the same result (software configuration)', async () => {
    const geo: Geo = [1, 2, 1, 37, 37, 8, true];
    const ref = await primitives(cpu, geo);
    for (const rows of [1, 3]) {
      attentionVariants.attention = 'software';
      attentionVariants.rows = { fwd: rows, dq: rows, dkv: rows };
      const got = await primitives(gpu!.backend, geo);
      for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, tol, `rows ${rows} ${key}`);
    }
  }, 180_000);

  it('head size 128 and a custom scale', async () => {
    const geo: Geo = [1, 2, 1, 9, 9, 128, true];
    const [got, ref] = [await primitives(gpu!.backend, geo, 'f32', 0.05), await primitives(cpu, geo, 'f32', 0.05)];
    for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, tol, `D128 ${key}`);
  }, 300_000);

  it('f16 storage (when the adapter has shader-f16)', async () => {
    if (!gpu!.backend.supportsF16) return;
    const geo: Geo = [1, 2, 1, 9, 9, 8, true];
    const [got, ref] = [await primitives(gpu!.backend, geo, 'f16'), await primitives(cpu, geo, 'f16')];
    for (const key of Object.keys(ref)) allClose(got[key]!, ref[key]!, { atol: 3e-3, rtol: 3e-3 }, `f16 ${key}`);
  }, 180_000);

  for (const config of ['software', 'gpu'] as const) {
    it(`deterministic: two runs are bitwise equal (${config} configuration)`, async () => {
      attentionVariants.attention = config;
      const geo: Geo = [2, 4, 2, 45, 45, 16, true];
      const [a, b] = [await primitives(gpu!.backend, geo), await primitives(gpu!.backend, geo)];
      for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
    }, 180_000);
  }
});

describe('flashAttention gradcheck (float64 finite differences)', () => {
  const cpu = new CpuBackend();
  const cases: { what: string; shapes: number[][]; opts: sg.FlashAttentionOptions }[] = [
    { what: 'causal, grouped-query heads, Tq < Tk', shapes: [[1, 4, 3, 4], [1, 2, 5, 4], [1, 2, 5, 4]], opts: { causal: true } },
    { what: "layout 'bthd', causal, grouped-query heads, Tq < Tk", shapes: [[2, 3, 4, 3], [2, 5, 2, 3], [2, 5, 2, 3]], opts: { causal: true, layout: 'bthd' } },
    { what: 'full attention, batch 2, custom scale', shapes: [[2, 2, 3, 3], [2, 2, 4, 3], [2, 2, 4, 3]], opts: { scale: 0.7 } },
    { what: 'rank 2 (one head), causal', shapes: [[4, 5], [4, 5], [4, 5]], opts: { causal: true } },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const ts = c.shapes.map((s, i) => up(cpu, s, R.randomData(R.sizeOf(s), 40 + i, -1.5, 1.5)));
      const res = await sg.gradcheck((q, k, v) => sg.flashAttention(q!, k!, v!, c.opts), ts, { atol: 1e-6, rtol: 1e-4 });
      ts.forEach((t) => t.dispose());
      expect(res.ok, `${res.firstFailure} (max abs error ${res.maxAbsError})`).toBe(true);
    });
  }
});

describe('scaledDotProductAttention paths and errors', () => {
  const cpu = new CpuBackend();
  const t = (shape: number[], seed = 1, dtype: DType = 'f32') =>
    sg.withBackend(cpu, () => sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), seed)), { shape, dtype: dtype === 'i32' ? 'f32' : dtype, requiresGrad: true }));

  it('uses the fused op by default, the materialized path with a mask or materialize: true', () => {
    const [q, k, v] = [t([1, 2, 3, 4]), t([1, 2, 3, 4], 2), t([1, 2, 3, 4], 3)];
    sg.withBackend(cpu, () => sg.tidy(() => {
      const sdpa = sg.nn.functional.scaledDotProductAttention;
      expect(sdpa(q, k, v, { causal: true }).node?.op).toBe('flashAttention');
      expect(sdpa(q, k, v, { causal: true, materialize: true }).node?.op).toBe('matmul');
      expect(sdpa(q, k, v, { mask: sg.zeros([3, 3]) }).node?.op).toBe('matmul');
      // Shapes the kernels do not take fall back: broadcast batch dims, head size of v != q's.
      expect(sdpa(q, t([1, 1, 3, 4], 4), t([1, 1, 3, 4], 5)).node?.op).toBe('flashAttention'); // one kv head
      expect(sdpa(t([2, 2, 3, 4]), t([1, 2, 3, 4]), t([1, 2, 3, 4])).node?.op).toBe('matmul');
      expect(sdpa(q, k, t([1, 2, 3, 6])).shape).toEqual([1, 2, 3, 6]);
    }));
    for (const x of [q, k, v]) x.dispose();
  });

  it('the materialized path repeats grouped kv heads', async () => {
    const [q, k, v] = [t([1, 4, 3, 2]), t([1, 2, 3, 2], 2), t([1, 2, 3, 2], 3)];
    const [a, b] = sg.withBackend(cpu, () => [
      sg.nn.functional.scaledDotProductAttention(q, k, v, { causal: true, materialize: true }),
      sg.nn.functional.scaledDotProductAttention(q, k, v, { causal: true }),
    ]);
    allClose(Array.from(await a!.data()), Array.from(await b!.data()), { atol: 1e-6 });
    for (const x of [q, k, v, a!, b!]) x.dispose();
  });

  it('bad shapes give clear errors', () => {
    sg.withBackend(cpu, () => sg.tidy(() => {
      const fa = sg.flashAttention;
      expect(() => fa(t([1, 3, 4, 8]), t([1, 2, 4, 8]), t([1, 2, 4, 8]))).toThrow(/3 heads are not a multiple of k\/v's 2 heads/);
      expect(() => fa(t([1, 2, 4, 8]), t([1, 2, 4, 6]), t([1, 2, 4, 6]))).toThrow(/head size 6 differs from q's 8/);
      expect(() => fa(t([1, 2, 4, 8]), t([1, 2, 4, 8]), t([1, 2, 5, 8]))).toThrow(/v must have the shape of k/);
      expect(() => fa(t([1, 1, 2, 130]), t([1, 1, 2, 130]), t([1, 1, 2, 130]))).toThrow(/head size D = 130 is not supported .* materialize: true/);
      expect(() => fa(t([8]), t([8]), t([8]))).toThrow(/at least 2 dims/);
      expect(() => fa(t([2, 2, 4, 8]), t([1, 2, 4, 8]), t([1, 2, 4, 8]))).toThrow(/batch dims .* differ/);
      expect(() => fa(t([1, 4, 8]), t([4, 8]), t([4, 8]))).toThrow(/same rank/);
      expect(() => fa(t([4, 8]), t([4, 8]), t([4, 8]), { layout: 'bthd' })).toThrow(/layout 'bthd' needs q \[\.\.\., Tq, H, D\]/);
      expect(() => fa(t([1, 4, 3, 8]), t([1, 4, 2, 8]), t([1, 4, 2, 8]), { layout: 'bthd' })).toThrow(/3 heads are not a multiple of k\/v's 2 heads .*layout 'bthd'/);
      expect(() => fa(t([1, 4, 2, 8]), t([1, 4, 2, 8]), t([1, 4, 2, 8]), { layout: 'bhdt' as any })).toThrow(/unknown layout 'bhdt'/);
      const i = sg.tensor(Int32Array.from([1, 2, 3, 4]), { shape: [2, 2] });
      expect(() => fa(i, i, i)).toThrow(/float/);
      // The primitives check too (same messages on every backend).
      expect(() => cpu.kernels.attentionForward({ q: i.storage as any, k: i.storage as any, v: i.storage as any, dtype: 'f32', B: 1, H: 3, Hkv: 2, Tq: 1, Tk: 1, D: 1, scale: 1, causal: false }))
        .toThrow(/query heads \(3\) must be a multiple of the number of kv heads \(2\)/);
    }));
  });

  it('the saved log-sum-exp is freed with its scope; no tensors leak', () => {
    const [q, k, v] = [t([1, 2, 5, 4]), t([1, 2, 5, 4], 2), t([1, 2, 5, 4], 3)];
    const before = sg.liveTensors();
    sg.withBackend(cpu, () => sg.tidy(() => { sg.flashAttention(q, k, v, { causal: true }).sum().backward(); }));
    expect(sg.liveTensors() - before).toBe(3); // the three .grad tensors
    sg.withBackend(cpu, () => sg.noGrad(() => sg.tidy(() => { sg.flashAttention(q, k, v); })));
    expect(sg.liveTensors() - before).toBe(3);
    for (const x of [q, k, v]) { x.grad?.dispose(); x.dispose(); }
  });

  it('backward after the forward scope ended explains itself', () => {
    const [q, k, v] = [t([1, 1, 3, 4]), t([1, 1, 3, 4], 2), t([1, 1, 3, 4], 3)];
    const o = sg.withBackend(cpu, () => sg.tidy(() => sg.flashAttention(q, k, v)));
    expect(() => sg.withBackend(cpu, () => o.sum().backward())).toThrow(/log-sum-exp was disposed/);
    for (const x of [q, k, v, o]) x.dispose();
  });
});
