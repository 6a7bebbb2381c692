/**
 * The WebGPU backend against the CPU reference backend: every kernel of the primitive table on odd
 * sizes (1, 7, 33, 257) and every dtype it supports, plus RNG bit-exactness, scatter determinism,
 * the buffer pool, the writeBuffer hazard, device-error reporting and process exit after destroy.
 * Skipped (loudly) when no WebGPU adapter can be created.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BinaryOp, DType, HostArray, UnaryOp } from '../src/backend/backend.js';
import { CpuBackend, type CpuStorage } from '../src/backend/cpu/cpu-backend.js';
import { normalAt, uniformAt } from '../src/backend/rng.js';
import { createWebGPUBackend, kernelVariants, type GpuStorage, type WebGPUBackend } from '../src/backend/webgpu/index.js';
import { bucketBytes } from '../src/backend/webgpu/pool.js';
import { forceMatmulPlan, planMatmul, type MatmulPlan } from '../src/backend/webgpu/matmul.js';
import { f16BitsToNumber as fromHalfBits, numberToF16Bits as toHalfBits } from '../src/io/half.js';

let gpu: WebGPUBackend | null = null;
let skipReason = '';
try {
  gpu = await createWebGPUBackend();
} catch (e) {
  skipReason = e instanceof Error ? e.message : String(e);
  console.warn(
    '\n' + '!'.repeat(78) + '\n!!! WEBGPU BACKEND TESTS SKIPPED: no WebGPU adapter could be created.\n!!! ' +
      skipReason + '\n' + '!'.repeat(78) + '\n',
  );
}
const cpu = new CpuBackend();
const SIZES = [1, 7, 33, 257];

/** Deterministic pseudo-random numbers in [lo, hi). */
function data(n: number, seed: number, lo = -3, hi = 3): number[] {
  let s = seed * 2654435761 + 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(lo + ((s >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}
function ints(n: number, seed: number, lo = -20, hi = 20): number[] {
  return data(n, seed, lo, hi + 1).map(Math.floor);
}
function host(values: number[], dtype: DType): HostArray {
  return dtype === 'i32' ? Int32Array.from(values) : Float32Array.from(values);
}
function both(values: number[], dtype: DType): [GpuStorage, CpuStorage] {
  return [gpu!.upload(host(values, dtype), dtype), cpu.upload(host(values, dtype), dtype)];
}

interface Tol { atol: number; rtol: number }
const EXACT: Tol = { atol: 0, rtol: 0 };
function tolFor(dtype: DType, f32: Tol = { atol: 1e-6, rtol: 1e-5 }): Tol {
  if (dtype === 'i32') return EXACT;
  if (dtype === 'f16') return { atol: Math.max(f32.atol, 2e-3), rtol: Math.max(f32.rtol, 2e-3) };
  return f32;
}

/** Compares element-wise: |a - b| <= atol + rtol |b|; NaN matches NaN, infinities must be equal. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      expect(Number.isNaN(g) && Number.isNaN(w), `${what}[${i}]: got ${g}, want ${w}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      expect(g, `${what}[${i}]`).toBe(w);
      continue;
    }
    const ok = Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w);
    if (!ok) expect(g, `${what}[${i}] (atol ${tol.atol}, rtol ${tol.rtol})`).toBe(w);
  }
}

async function readBoth(g: GpuStorage, c: CpuStorage, n: number, dtype: DType): Promise<[HostArray, HostArray]> {
  const r = [await gpu!.read(g, n, dtype), await cpu.read(c, n, dtype)] as [HostArray, HostArray];
  gpu!.free(g);
  cpu.free(c);
  return r;
}

const FLOATS: DType[] = ['f32', 'f16'];
const ALL: DType[] = ['f32', 'f16', 'i32'];

describe.skipIf(!gpu)('WebGPU backend (vs CPU reference)', () => {
  const be = () => gpu!;

  it('describes the adapter, features and key limits', () => {
    const d = be().describe();
    expect(d.backend).toBe('webgpu');
    expect(d.adapter.length).toBeGreaterThan(0);
    expect(d.adapter).not.toBe('unknown adapter');
    for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension']) {
      expect(d.limits[k], k).toBeGreaterThan(0);
    }
    expect(d.notes.length).toBeGreaterThan(0);
    expect(be().supportsF16).toBe(d.features.includes('shader-f16'));
  });

  it('round-trips uploads for every dtype, f16 rounded to nearest even', async () => {
    for (const dtype of ALL) {
      for (const n of SIZES) {
        const v = dtype === 'i32' ? ints(n, n, -100000, 100000) : data(n, n, -70000, 70000);
        const [g, c] = both(v, dtype);
        const [gr, cr] = await readBoth(g, c, n, dtype);
        expectClose(gr, cr, EXACT, `upload ${dtype} n=${n}`);
      }
    }
    // Host half conversion: ties to even, overflow to Infinity, subnormals.
    expect(fromHalfBits(toHalfBits(1 + 2 ** -11))).toBe(1);
    expect(fromHalfBits(toHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalfBits(toHalfBits(70000))).toBe(Infinity);
    expect(fromHalfBits(toHalfBits(2 ** -24))).toBe(2 ** -24);
    expect(fromHalfBits(toHalfBits(65504))).toBe(65504);
  });

  const UNARY: UnaryOp[] = ['neg', 'abs', 'sign', 'square', 'exp', 'log', 'sqrt', 'rsqrt', 'recip', 'tanh', 'sigmoid',
    'relu', 'gelu', 'sin', 'cos'];
  const POSITIVE: ReadonlySet<UnaryOp> = new Set(['log', 'sqrt', 'rsqrt']);
  const INT_UNARY: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'square']);

  it('unary: every op, dtype and size (f32 atol 1e-6 rtol 1e-5; f16 2e-3; i32 exact)', async () => {
    for (const dtype of ALL) {
      for (const op of UNARY) {
        if (dtype === 'i32' && !INT_UNARY.has(op)) {
          const x = be().upload(new Int32Array([1]), 'i32');
          expect(() => be().kernels.unary(op, x, 1, 'i32')).toThrow(/not defined for i32/);
          be().free(x);
          continue;
        }
        for (const n of SIZES) {
          let v = dtype === 'i32' ? ints(n, n + 1) : data(n, n + 7, -6, 6);
          if (POSITIVE.has(op)) v = v.map((t) => Math.abs(t) + 0.05);
          if (op === 'recip') v = v.map((t) => (Math.abs(t) < 0.1 ? 0.5 : t));
          if (n === 257 && dtype !== 'i32') v.splice(0, 6, 0, -0, 30, -30, 100, -100); // saturation, signs
          if (POSITIVE.has(op) && n === 257) v.splice(0, 6, 1e-3, 1, 2, 1e4, 0.25, 7);
          if (op === 'recip' && n === 257) v.splice(0, 6, 1e-3, -1e-3, 1, -1, 1e4, 2);
          if (op === 'exp' && n === 257) v.splice(0, 2, 80, -80);
          const [x, cx] = both(v, dtype);
          const [g, c] = await readBoth(be().kernels.unary(op, x, n, dtype), cpu.kernels.unary(op, cx, n, dtype), n, dtype);
          const f32tol = op === 'sin' || op === 'cos' ? { atol: 2e-6, rtol: 1e-5 } : { atol: 1e-6, rtol: 2e-6 };
          expectClose(g, c, tolFor(dtype, f32tol), `unary ${op} ${dtype} n=${n}`);
          be().free(x);
          cpu.free(cx);
        }
      }
    }
  });

  it('unary: large |x| never gives NaN for tanh / sigmoid / gelu', async () => {
    const v = [1e30, -1e30, 3e38, -3e38, 88, -88, 200, -200];
    for (const op of ['tanh', 'sigmoid', 'gelu'] as UnaryOp[]) {
      const [x, cx] = both(v, 'f32');
      const [g, c] = await readBoth(be().kernels.unary(op, x, v.length, 'f32'), cpu.kernels.unary(op, cx, v.length, 'f32'), v.length, 'f32');
      expectClose(g, c, { atol: 1e-6, rtol: 1e-6 }, `unary ${op} large`);
      be().free(x);
      cpu.free(cx);
    }
  });

  const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne',
    'geluGrad', 'reluGrad'];
  const INT_BINARY: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne']);

  /** Layouts: [outShape, aStrides, aLen, bStrides, bLen] for n. */
  function layouts(n: number): Array<[number[], number[], number, number[], number]> {
    return [
      [[n], [1], n, [1], n], // same shape
      [[3, n], [n, 1], 3 * n, [0, 1], n], // b broadcast over rows
      [[n, 3], [1, n], 3 * n, [0, 1], 3], // a transposed view, b a broadcast row
      [[2, 1, n], [n, 0, 1], 2 * n, [0, 0, 0], 1], // scalar b, size-1 axis
    ];
  }

  it('binary: every op, dtype, size and broadcast layout', async () => {
    for (const dtype of ALL) {
      for (const op of BINARY) {
        if (dtype === 'i32' && !INT_BINARY.has(op)) {
          const x = be().upload(new Int32Array([1]), 'i32');
          expect(() => be().kernels.binary({ op, a: x, b: x, dtype, outShape: [1], aStrides: [1], bStrides: [1] })).toThrow(/not defined for i32/);
          be().free(x);
          continue;
        }
        for (const n of SIZES) {
          for (const [outShape, aStrides, aLen, bStrides, bLen] of layouts(n)) {
            let av = dtype === 'i32' ? ints(aLen, n + 3) : data(aLen, n + 3);
            let bv = dtype === 'i32' ? ints(bLen, n + 5) : data(bLen, n + 5);
            if (op === 'pow') {
              // Negative bases with integer exponents, positive bases with any exponent, 0^y.
              av = av.map((t, i) => (i % 3 === 0 ? Math.round(t) : Math.abs(t) + 0.1));
              bv = bv.map((t, i) => (i % 2 === 0 ? Math.round(t) : t));
            }
            if (op === 'div' && dtype !== 'i32') bv = bv.map((t) => (Math.abs(t) < 0.1 ? 0.7 : t));
            if (dtype !== 'i32' && ['lt', 'le', 'gt', 'ge', 'eq', 'ne', 'max', 'min'].includes(op)) {
              av = av.map((t) => Math.round(t)); // create ties
              bv = bv.map((t) => Math.round(t));
            }
            if (op === 'geluGrad' && n === 257) av.splice(0, 4, 25, -25, 1e4, -1e4);
            const [a, ca] = both(av, dtype);
            const [b, cb] = both(bv, dtype);
            const args = { op, dtype, outShape, aStrides, bStrides };
            const total = outShape.reduce((p, q) => p * q, 1);
            const [g, c] = await readBoth(
              be().kernels.binary({ ...args, a, b }),
              cpu.kernels.binary({ ...args, a: ca, b: cb }),
              total,
              dtype,
            );
            const f32tol = op === 'pow' ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-6, rtol: 2e-6 };
            expectClose(g, c, tolFor(dtype, f32tol), `binary ${op} ${dtype} shape=${outShape}`);
            be().free(a); be().free(b); cpu.free(ca); cpu.free(cb);
          }
        }
      }
    }
  });

  it('binary: i32 division truncates and gives 0 for a zero divisor; float max/min propagate NaN', async () => {
    const [a, ca] = both([7, -7, 7, -7, 5, 0, -2147483648], 'i32');
    const [b, cb] = both([2, 2, -2, -2, 0, 0, -1], 'i32');
    const args = { op: 'div' as BinaryOp, dtype: 'i32' as DType, outShape: [7], aStrides: [1], bStrides: [1] };
    const [g, c] = await readBoth(be().kernels.binary({ ...args, a, b }), cpu.kernels.binary({ ...args, a: ca, b: cb }), 7, 'i32');
    expect(Array.from(g)).toEqual([3, -3, -3, 3, 0, 0, -2147483648]);
    expectClose(g, c, EXACT, 'i32 div');
    const [x, cx] = both([NaN, 1, 2], 'f32');
    const [y, cy] = both([1, NaN, 3], 'f32');
    for (const op of ['max', 'min'] as BinaryOp[]) {
      const args2 = { op, dtype: 'f32' as DType, outShape: [3], aStrides: [1], bStrides: [1] };
      const [g2, c2] = await readBoth(be().kernels.binary({ ...args2, a: x, b: y }), cpu.kernels.binary({ ...args2, a: cx, b: cy }), 3, 'f32');
      expectClose(g2, c2, EXACT, `${op} NaN`);
    }
    for (const s of [a, b, x, y]) be().free(s);
  });

  it('where: every data dtype x condition dtype, with broadcasting', async () => {
    for (const dtype of ALL) {
      for (const condDtype of ALL) {
        for (const n of SIZES) {
          const cv = ints(n, n + 11, -1, 1); // -1, 0, 1
          const [cond, ccond] = both(cv, condDtype);
          const av = dtype === 'i32' ? ints(3 * n, 1) : data(3 * n, 1);
          const [a, ca] = both(av, dtype);
          const [b, cb] = both(dtype === 'i32' ? ints(3, 2) : data(3, 2), dtype);
          const args = { condDtype, condStrides: [0, 1], aStrides: [n, 1], bStrides: [1, 0], dtype, outShape: [3, n] };
          const [g, c] = await readBoth(
            be().kernels.where({ ...args, cond, a, b }),
            cpu.kernels.where({ ...args, cond: ccond, a: ca, b: cb }),
            3 * n,
            dtype,
          );
          expectClose(g, c, EXACT, `where ${dtype} cond ${condDtype} n=${n}`);
          for (const s of [cond, a, b]) be().free(s);
        }
      }
    }
  });

  it('reduce: sum / max over [outer, r, inner] on both kernel paths, every dtype', async () => {
    const shapes: Array<[number, number, number]> = [];
    for (const n of SIZES) shapes.push([1, n, 1], [3, n, 1], [2, n, 5], [n, 3, 1], [1, n, 33], [2, 40, n]);
    shapes.push([1, 3000, 1], [2, 0, 3], [70, 300, 64], [1, 20000, 1]);
    for (const variant of ['seq', 'tree', 'auto'] as const) {
    kernelVariants.reduce = variant;
    for (const dtype of ALL) {
      for (const op of ['sum', 'max'] as const) {
        for (const [outer, r, inner] of shapes) {
          const len = outer * r * inner;
          const v = dtype === 'i32' ? ints(len, r + inner) : data(len, r + inner);
          const [x, cx] = both(v, dtype);
          const [g, c] = await readBoth(
            be().kernels.reduce(op, x, outer, r, inner, dtype),
            cpu.kernels.reduce(op, cx, outer, r, inner, dtype),
            outer * inner,
            dtype,
          );
          const tol = op === 'max' ? EXACT : dtype === 'f16' ? { atol: 2e-3 * Math.sqrt(r + 1), rtol: 2e-3 } : tolFor(dtype, { atol: 1e-6 * (r + 1), rtol: 1e-5 });
          expectClose(g, c, tol, `reduce ${op} ${dtype} [${outer},${r},${inner}]`);
          be().free(x);
          cpu.free(cx);
        }
      }
    }
    }
    kernelVariants.reduce = 'auto';
  });

  it('reduce: max propagates NaN and is -Infinity on an empty axis; many outputs use a 2-D grid', async () => {
    const [x, cx] = both([1, NaN, 3, 4, 5, 6], 'f32');
    const [g, c] = await readBoth(be().kernels.reduce('max', x, 2, 3, 1, 'f32'), cpu.kernels.reduce('max', cx, 2, 3, 1, 'f32'), 2, 'f32');
    expectClose(g, c, EXACT, 'max NaN');
    const e = be().kernels.reduce('max', x, 2, 0, 1, 'f32');
    expect(Array.from(await be().read(e, 2, 'f32'))).toEqual([-Infinity, -Infinity]);
    be().free(x); be().free(e);
    // 70000 outputs through the workgroup-per-output path: more workgroups than one grid row holds.
    kernelVariants.reduce = 'tree';
    const outer = 70000, r = 40;
    const v = ints(outer * r, 5, 0, 9);
    const [y, cy] = both(v, 'i32');
    const [g2, c2] = await readBoth(be().kernels.reduce('sum', y, outer, r, 1, 'i32'), cpu.kernels.reduce('sum', cy, outer, r, 1, 'i32'), outer, 'i32');
    kernelVariants.reduce = 'auto';
    expectClose(g2, c2, EXACT, 'reduce 2-D grid');
    be().free(y);
  });

  it('matmul: sizes 1/7/33/257, transA/transB, broadcast batch strides, f32 and f16', async () => {
    const cases: Array<[number, number, number, number]> = [];
    for (const M of [1, 7, 33]) for (const N of [1, 7, 33]) for (const K of [1, 7, 33]) cases.push([1, M, N, K]);
    cases.push([1, 257, 7, 33], [1, 7, 257, 33], [1, 33, 7, 257], [3, 7, 33, 9], [2, 40, 33, 70]);
    for (const dtype of FLOATS) {
      for (const [batch, M, N, K] of cases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            // a broadcast over the batch when batch > 1 and transA; b always batched.
            const aBatchStride = batch > 1 && transA ? 0 : M * K;
            const bBatchStride = K * N;
            const aLen = (batch - 1) * aBatchStride + M * K;
            const bLen = (batch - 1) * bBatchStride + K * N;
            const [a, ca] = both(data(aLen, M + K), dtype);
            const [b, cb] = both(data(bLen, N + K + 1), dtype);
            const args = { dtype, batch, M, N, K, transA, transB, aBatchStride, bBatchStride };
            const [g, c] = await readBoth(
              be().kernels.matmul({ ...args, a, b }),
              cpu.kernels.matmul({ ...args, a: ca, b: cb }),
              batch * M * N,
              dtype,
            );
            const tol = dtype === 'f16' ? { atol: 1e-2 * Math.sqrt(K), rtol: 2e-3 } : { atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 };
            expectClose(g, c, tol, `matmul ${dtype} b=${batch} ${M}x${N}x${K} tA=${transA} tB=${transB}`);
            be().free(a); be().free(b); cpu.free(ca); cpu.free(cb);
          }
        }
      }
    }
    const x = be().upload(new Int32Array([1]), 'i32');
    expect(() => be().kernels.matmul({ a: x, b: x, dtype: 'i32', batch: 1, M: 1, N: 1, K: 1, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 })).toThrow(/f32 and f16/);
    be().free(x);
  });

  it('copy: strided permutes with offsets into an existing storage, every dtype', async () => {
    for (const dtype of ALL) {
      for (const n of SIZES) {
        const srcLen = 2 + 3 * n * 2;
        const sv = dtype === 'i32' ? ints(srcLen, n) : data(srcLen, n);
        const [src, csrc] = both(sv, dtype);
        const dstLen = 5 + 3 * n * 2;
        const dv = dtype === 'i32' ? ints(dstLen, n + 9) : data(dstLen, n + 9);
        const [dst, cdst] = both(dv, dtype);
        // src viewed [2, n, 3] with strides [3n, 1, n] from offset 2; dst [2, n, 3] contiguous from 5.
        const args = { dtype, shape: [2, n, 3], srcOffset: 2, srcStrides: [3 * n, 1, n], dstOffset: 5, dstStrides: [3 * n, 3, 1] };
        be().kernels.copy({ ...args, src, dst });
        cpu.kernels.copy({ ...args, src: csrc, dst: cdst });
        const [g, c] = await readBoth(dst, cdst, dstLen, dtype);
        expectClose(g, c, EXACT, `copy ${dtype} n=${n}`);
        be().free(src);
        cpu.free(csrc);
      }
    }
  });

  it('gatherRows / pick / pickBackward: every dtype, out-of-range ids give zeros', async () => {
    for (const dtype of ALL) {
      for (const n of SIZES) {
        const rows = 9, rowLen = n;
        const tv = dtype === 'i32' ? ints(rows * rowLen, n) : data(rows * rowLen, n);
        const [table, ctable] = both(tv, dtype);
        const idv = ints(n + 2, n + 4, -2, rows + 1); // includes -2, -1, rows, rows + 1
        idv[0] = -1; idv[1] = rows;
        const [idx, cidx] = both(idv, 'i32');
        const nIdx = n + 2;
        const [g, c] = await readBoth(
          be().kernels.gatherRows(table, idx, nIdx, rows, rowLen, dtype),
          cpu.kernels.gatherRows(ctable, cidx, nIdx, rows, rowLen, dtype),
          nIdx * rowLen,
          dtype,
        );
        expectClose(g, c, EXACT, `gatherRows ${dtype} n=${n}`);

        // pick: x [nIdx, c] with c = rows; pickBackward: g [nIdx] -> [nIdx, c].
        const xv = dtype === 'i32' ? ints(nIdx * rows, 3) : data(nIdx * rows, 3);
        const [x, cx] = both(xv, dtype);
        const [p, cp] = await readBoth(
          be().kernels.pick(x, idx, nIdx, rows, dtype),
          cpu.kernels.pick(cx, cidx, nIdx, rows, dtype),
          nIdx,
          dtype,
        );
        expectClose(p, cp, EXACT, `pick ${dtype} n=${n}`);
        const gv = dtype === 'i32' ? ints(nIdx, 8) : data(nIdx, 8);
        const [gg, cg] = both(gv, dtype);
        const [pb, cpb] = await readBoth(
          be().kernels.pickBackward(gg, idx, nIdx, rows, dtype),
          cpu.kernels.pickBackward(cg, cidx, nIdx, rows, dtype),
          nIdx * rows,
          dtype,
        );
        expectClose(pb, cpb, EXACT, `pickBackward ${dtype} n=${n}`);
        for (const s of [table, idx, x, gg]) be().free(s);
      }
    }
  });

  it('scatterAddRows: equals the CPU (bitwise for f32) and is bitwise identical across runs', async () => {
    for (const dtype of FLOATS) {
      for (const n of SIZES) {
        const rows = 11, rowLen = Math.min(n, 33) + 2;
        const idv = ints(n, n + 1, -1, rows); // many repeats, some ids out of range (-1, rows)
        const [idx, cidx] = both(idv, 'i32');
        const [grad, cgrad] = both(data(n * rowLen, n + 2, -100, 100), dtype);
        const g1 = be().kernels.scatterAddRows(grad, idx, n, rows, rowLen, dtype);
        const g2 = be().kernels.scatterAddRows(grad, idx, n, rows, rowLen, dtype);
        const c = cpu.kernels.scatterAddRows(cgrad, cidx, n, rows, rowLen, dtype);
        const r1 = await be().read(g1, rows * rowLen, dtype);
        const r2 = await be().read(g2, rows * rowLen, dtype);
        const rc = await cpu.read(c, rows * rowLen, dtype);
        expect(Array.from(r2), 'two runs are bitwise identical').toEqual(Array.from(r1));
        expectClose(r1, rc, dtype === 'f32' ? EXACT : { atol: 0.13, rtol: 2e-3 }, `scatterAddRows ${dtype} n=${n}`);
        for (const s of [idx, grad, g1, g2]) be().free(s);
      }
    }
  });

  it('rand: uniforms bit-identical to uniformAt, normals within 1e-5 of normalAt', async () => {
    const cases: Array<[number, number, number]> = [[1, 0, 0], [7, 42, 3], [33, 0xdeadbeef, 1000], [257, 7, 0xfffffff0], [4099, 123456789, 5]];
    for (const [n, seed, offset] of cases) {
      const u = be().kernels.rand('uniform', n, seed, offset);
      const got = await be().read(u, n, 'f32');
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = uniformAt(seed, offset, i);
      expect(Array.from(got), `uniform n=${n} seed=${seed} offset=${offset}`).toEqual(Array.from(want));
      const z = be().kernels.rand('normal', n, seed, offset);
      const gz = await be().read(z, n, 'f32');
      const wz = new Float32Array(n);
      for (let i = 0; i < n; i++) wz[i] = normalAt(seed, offset, i);
      expectClose(gz, wz, { atol: 1e-5, rtol: 0 }, `normal n=${n} seed=${seed}`);
      be().free(u); be().free(z);
    }
  });

  it('cast: every dtype pair, float -> i32 truncates toward zero', async () => {
    for (const from of ALL) {
      for (const to of ALL) {
        for (const n of SIZES) {
          const v = from === 'i32' ? ints(n, n, -3000, 3000) : data(n, n, -3000, 3000);
          if (n === 257 && from !== 'i32') v.splice(0, 4, 2.9, -2.9, 0.5, -0.5);
          const [x, cx] = both(v, from);
          const [g, c] = await readBoth(be().kernels.cast(x, n, from, to), cpu.kernels.cast(cx, n, from, to), n, to);
          expectClose(g, c, EXACT, `cast ${from}->${to} n=${n}`);
          be().free(x);
          cpu.free(cx);
        }
      }
    }
  });

  it('fill: every dtype and size, f16 values rounded like the CPU', async () => {
    for (const dtype of ALL) {
      for (const n of SIZES) {
        for (const value of [0, -1.5, 0.1, 12345.678]) {
          const [g, c] = await readBoth(be().kernels.fill(n, value, dtype), cpu.kernels.fill(n, value, dtype), n, dtype);
          expectClose(g, c, EXACT, `fill ${dtype} ${value} n=${n}`);
        }
      }
    }
  });

  it('fill with zeros: a clearBuffer command in order with the dispatches; -0 and odd f16 counts run the kernel', async () => {
    await be().sync();
    for (const [n, dtype, value, clears] of [[1000, 'f32', 0, true], [7, 'i32', 0, true], [6, 'f16', 0, true], [7, 'f16', 0, false], [9, 'f32', -0, false]] as const) {
      // A buffer freed in this batch, full of ones, is what the zeros most likely reuse: they must
      // still read back as zeros, so the clear runs after the kernel that wrote the ones.
      const ones = be().kernels.fill(n, 1, dtype);
      be().free(ones);
      const { dispatches, copies } = be().batcher;
      const z = be().kernels.fill(n, value, dtype);
      expect(z.buffer, `n=${n} ${dtype}: reuses the freed buffer`).toBe(ones.buffer);
      expect([be().batcher.dispatches - dispatches, be().batcher.copies - copies], `n=${n} ${dtype} ${Object.is(value, -0) ? '-0' : value}`).toEqual(clears ? [0, 1] : [1, 0]);
      const [g, c] = await readBoth(z, cpu.kernels.fill(n, value, dtype), n, dtype);
      expectClose(g, c, EXACT, `zeros ${dtype} n=${n}`);
      if (dtype !== 'i32') expect(Object.is(g[0], value), 'the sign of zero').toBe(true);
    }
  });

  it('reads: one submit each, small staging buffers reused, concurrent and large reads correct', async () => {
    await be().sync();
    const dev = be().device;
    const create = dev.createBuffer.bind(dev);
    let made = 0;
    dev.createBuffer = ((d: GPUBufferDescriptor) => { if (d.usage & GPUBufferUsage.MAP_READ) made++; return create(d); }) as typeof dev.createBuffer;
    try {
      const a = be().kernels.fill(3, 1.5, 'f32'), b = be().kernels.fill(5, -2, 'f32');
      const s0 = be().batcher.submits;
      expect(Array.from(await be().read(a, 3, 'f32'))).toEqual([1.5, 1.5, 1.5]);
      expect(be().batcher.submits - s0, 'the copy rides in the pending batch').toBe(1);
      for (let i = 0; i < 5; i++) expect(Array.from(await be().read(b, 5, 'f32'))).toEqual([-2, -2, -2, -2, -2]);
      expect(made, 'six small reads, one after another, share one staging buffer').toBeLessThanOrEqual(1);
      // Two reads in flight at once take two buffers and each gets its own data.
      const [ra, rb] = await Promise.all([be().read(a, 3, 'f32'), be().read(b, 5, 'f32')]);
      expect([Array.from(ra), Array.from(rb)]).toEqual([[1.5, 1.5, 1.5], [-2, -2, -2, -2, -2]]);
      const n = 40000; // 160 KB: above what is kept, made and destroyed per read
      const big = be().kernels.fill(n, 3, 'f32');
      const r = await be().read(big, n, 'f32');
      expect([r.length, r[0], r[n - 1]]).toEqual([n, 3, 3]);
      be().free(a); be().free(b); be().free(big);
    } finally {
      dev.createBuffer = create;
    }
  });

  it('large 1-D dispatch uses a 2-D grid (more than 65535 workgroups)', async () => {
    const n = 65535 * 256 + 300;
    const f = be().kernels.fill(n, 7, 'i32');
    const y = be().kernels.unary('neg', f, n, 'i32');
    const r = (await be().read(y, n, 'i32')) as Int32Array;
    expect(r.length).toBe(n);
    let bad = -1;
    for (let i = 0; i < n; i++) if (r[i] !== -7) { bad = i; break; }
    expect(bad, 'first wrong element').toBe(-1);
    be().free(f); be().free(y);
  });

  it('buffer pool: buckets, reuse of freed buffers, bytesInUse returns to its start', async () => {
    expect(bucketBytes(1, 1 << 27)).toBe(256);
    expect(bucketBytes(257, 1 << 27)).toBe(512);
    expect(bucketBytes(6, 1 << 27) % 4).toBe(0);
    expect(bucketBytes(3 << 20, 1 << 27)).toBeLessThan((3 << 20) * 1.13);
    expect(bucketBytes((1 << 27) - 4, 1 << 27)).toBeLessThanOrEqual(1 << 27);
    await be().sync();
    const start = be().memory();
    // Kernel outputs may reuse a buffer freed in the same (unsubmitted) epoch.
    const a = be().kernels.fill(100, 1, 'f32');
    be().free(a);
    const b = be().kernels.fill(100, 2, 'f32');
    expect(b.buffer, 'kernel output reuses a buffer freed in this epoch').toBe(a.buffer);
    // Uploads may not, until a submit.
    be().free(b);
    const c = be().upload(new Float32Array(100), 'f32');
    expect(c.buffer, 'upload must not take a buffer freed in this epoch').not.toBe(b.buffer);
    be().free(c);
    be().flush();
    const d = be().upload(new Float32Array(100), 'f32');
    expect([b.buffer, c.buffer]).toContain(d.buffer);
    be().free(d);
    expect(() => be().free(d)).toThrow(/freed twice/);
    expect(be().memory().bytesInUse).toBe(start.bytesInUse);
    const before = be().memory().bytesAllocated;
    be().flush();
    be().pool.trim();
    expect(be().memory().bytesAllocated).toBeLessThan(before);
    expect(be().memory().bytesInUse).toBe(start.bytesInUse);
  });

  it('writeBuffer hazard: an upload after a free in the same pending epoch does not corrupt queued work', async () => {
    const n = 1000;
    const xs = Float32Array.from(data(n, 77));
    const x = be().upload(xs, 'f32');
    const y = be().kernels.unary('neg', x, n, 'f32'); // queued, reads x
    be().free(x); // x's buffer is free, but the pending dispatch still reads it
    const z = be().upload(new Float32Array(n).fill(12345), 'f32'); // must not land in x's buffer
    const w = be().kernels.unary('exp', y, n, 'f32'); // may reuse x's buffer (ordered after y)
    const got = await be().read(y, n, 'f32');
    expectClose(got, xs.map((v) => -v), EXACT, 'queued result');
    const gw = await be().read(w, n, 'f32');
    expectClose(gw, xs.map((v) => Math.fround(Math.exp(-v))), { atol: 0, rtol: 2e-6 }, 'chained result');
    const gz = await be().read(z, n, 'f32');
    expect(gz.every((v) => v === 12345)).toBe(true);
    for (const s of [y, z, w]) be().free(s);
  });

  it('rejects allocations above maxBufferSize with the size and the bytes in use; i32-only misuse throws', () => {
    // (Storages above maxStorageBufferBindingSize are allowed: test/large-tensors.test.ts.)
    const max = be().describe().limits.maxBufferSize!;
    const n = Math.floor(max / 4) + 16;
    expect(() => be().kernels.fill(n, 0, 'f32')).toThrow(new RegExp(`${n * 4}-byte buffer.*maxBufferSize.*bytes in use`));
    const x = be().upload(new Float32Array(4), 'f32');
    be().free(x);
    expect(() => be().kernels.unary('neg', x, 4, 'f32')).toThrow(/after it was freed/);
  });

  it('surfaces uncaptured device errors and device loss as errors, never a hang', async () => {
    const b2 = await createWebGPUBackend();
    try {
      const x = b2.upload(new Float32Array([1, 2, 3]), 'f32');
      // A validation error the backend did not cause: reported at a later call.
      b2.device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
      await expect(b2.sync()).rejects.toThrow(/uncaptured GPUValidationError/);
      // Simulated device loss: the next call and a pending read fail with a clear message.
      const y = b2.kernels.unary('neg', x, 3, 'f32');
      const pending = b2.read(y, 3, 'f32');
      b2.device.destroy();
      await expect(pending).rejects.toThrow(/device/i);
      await new Promise((r) => setTimeout(r, 50));
      expect(() => b2.kernels.fill(3, 0, 'f32')).toThrow(/device was lost/);
      await expect(b2.read(x, 3, 'f32')).rejects.toThrow(/device was lost/);
    } finally {
      b2.destroy();
    }
    expect(() => b2.kernels.fill(1, 0, 'f32')).toThrow(/after destroy/);
  });

  it('a Node script exits on its own after destroy()', async () => {
    const { build } = await import('esbuild');
    // Inside the repository so the bundle resolves 'webgpu' from node_modules (ESM ignores NODE_PATH).
    const cache = join(process.cwd(), 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'storygrad-exit-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { createWebGPUBackend } from ${JSON.stringify(join(process.cwd(), 'src/backend/webgpu/index.ts'))};
const be = await createWebGPUBackend();
const y = be.kernels.fill(5, 3, 'f32');
const r = await be.read(y, 5, 'f32');
be.destroy();
console.log('READ ' + Array.from(r).join(','));
`,
    );
    const outfile = join(dir, 'out.mjs');
    await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', external: ['webgpu'], outfile, logLevel: 'silent' });
    const res = spawnSync(process.execPath, [outfile], {
      timeout: 30_000,
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    rmSync(dir, { recursive: true, force: true });
    expect(res.error, 'the process must exit by itself (no timeout)').toBeUndefined();
    expect(res.stdout).toContain('READ 3,3,3,3,3');
    expect(res.status).toBe(0);
  });

  it('batches dispatches: one submit per flush, automatic flush after maxPending', async () => {
    await be().sync();
    const s0 = be().batcher.submits;
    const xs: GpuStorage[] = [];
    for (let i = 0; i < 10; i++) xs.push(be().kernels.fill(8, i + 1, 'f32'));
    expect(be().batcher.pending).toBe(10);
    expect(be().batcher.submits).toBe(s0);
    be().flush();
    expect(be().batcher.submits).toBe(s0 + 1);
    let cur = xs[0]!;
    for (let i = 0; i < be().batcher.maxPending + 5; i++) {
      const next = be().kernels.unary('neg', cur, 8, 'f32');
      if (cur !== xs[0]) be().free(cur);
      cur = next;
    }
    expect(be().batcher.submits).toBe(s0 + 2);
    const r = await be().read(cur, 8, 'f32');
    expect(Array.from(r)).toEqual(new Array(8).fill((be().batcher.maxPending + 5) % 2 === 0 ? 1 : -1));
    be().free(cur);
    for (const x of xs) be().free(x);
  });

  it('profiles kernels with timestamp queries: one entry per kernel and grid, results unchanged', async () => {
    if (!be().canProfile) {
      console.warn('!!! profiler test skipped: the adapter has no timestamp-query');
      return;
    }
    be().startProfiling();
    const a = be().upload(new Float32Array([1, 2, 3, 4]), 'f32');
    const b = be().kernels.unary('neg', a, 4, 'f32');
    const c = be().kernels.unary('neg', b, 4, 'f32');
    const d = be().kernels.fill(1000, 2, 'f32');
    const timings = await be().stopProfiling();
    expect(Array.from(await be().read(c, 4, 'f32'))).toEqual([1, 2, 3, 4]);
    const neg = timings.filter((t) => t.kernel.includes('unary') && t.kernel.includes('f_neg'));
    expect(neg.length).toBe(1);
    expect(neg[0]!.count).toBe(2);
    expect(timings.some((t) => t.kernel.startsWith('fill') && t.count === 1)).toBe(true);
    for (const t of timings) expect(t.ms).toBeGreaterThanOrEqual(0);
    await expect(be().stopProfiling()).rejects.toThrow(/without startProfiling/);
    for (const s of [a, b, c, d]) be().free(s);
  });
});

/** One matmul problem of the variant tests. */
interface MmCase {
  dtype: DType; batch: number; M: number; N: number; K: number;
  transA: boolean; transB: boolean; aBatchStride: number; bBatchStride: number;
}

/**
 * The variant tests' problems: every M, N, K in {1, 7, 33} plus 257-long sides, batched with a or b
 * (or both) broadcast, all four transpose combinations, f32 and f16; then the shapes of a small
 * transformer training step (d_model 64, B*T 1024-2048, 32 attention heads-batches of 128x16).
 */
function mmCases(): MmCase[] {
  const cases: MmCase[] = [];
  const odd: Array<[number, number, number, number, 'a' | 'b' | 'ab' | '']> = [];
  for (const M of [1, 7, 33]) for (const N of [1, 7, 33]) for (const K of [1, 7, 33]) odd.push([1, M, N, K, '']);
  odd.push([1, 257, 7, 33, ''], [1, 7, 257, 33, ''], [1, 33, 7, 257, ''], [1, 1, 1, 257, ''],
    [3, 7, 33, 9, 'a'], [2, 40, 33, 70, 'b'], [4, 17, 9, 5, 'ab'], [5, 1, 7, 33, '']);
  for (const dtype of FLOATS) {
    for (const [batch, M, N, K, bc] of odd) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          cases.push({ dtype, batch, M, N, K, transA, transB,
            aBatchStride: bc.includes('a') ? 0 : M * K, bBatchStride: bc.includes('b') ? 0 : K * N });
        }
      }
    }
  }
  const big = (batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, dtype: DType = 'f32'): MmCase =>
    ({ dtype, batch, M, N, K, transA, transB, aBatchStride: M * K, bBatchStride: K * N });
  cases.push(
    big(1, 1024, 192, 64, false, true),          // x Wqkvᵀ (Linear forward)
    big(1, 1024, 64, 256, false, false),         // dX = dY W
    big(1, 256, 64, 1024, true, false),          // dW = dYᵀ X
    big(1, 64, 64, 2048, true, false),           // dW with K = B*T large, M, N small (split-K shape)
    big(32, 128, 128, 16, false, true),          // attention scores q kᵀ
    big(32, 128, 16, 128, false, false),         // attention pattern @ v
    big(32, 128, 16, 128, true, false, 'f16'),   // its backward dV = Pᵀ dZ, in f16
    big(1, 2048, 512, 64, false, true),          // unembedding with tied embeddings
  );
  return cases;
}

describe.skipIf(!gpu)('WebGPU matmul variants (vs CPU reference)', () => {
  const be = () => gpu!;
  const cases = mmCases();
  const inputs = (c: MmCase): [number[], number[]] => {
    const aLen = (c.batch - 1) * c.aBatchStride + c.M * c.K;
    const bLen = (c.batch - 1) * c.bBatchStride + c.K * c.N;
    return [data(aLen, c.M + 3 * c.K + c.batch), data(bLen, c.N + c.K + 1)];
  };
  const label = (c: MmCase) => `${c.dtype} b=${c.batch} ${c.M}x${c.N}x${c.K} tA=${c.transA} tB=${c.transB} bs=${c.aBatchStride},${c.bBatchStride}`;
  // The CPU reference of each case, computed once and shared by every variant.
  const expected = new Map<MmCase, HostArray>();
  async function want(c: MmCase): Promise<HostArray> {
    let r = expected.get(c);
    if (!r) {
      const [av, bv] = inputs(c);
      const a = cpu.upload(host(av, c.dtype), c.dtype), b = cpu.upload(host(bv, c.dtype), c.dtype);
      const o = cpu.kernels.matmul({ ...c, a, b });
      r = await cpu.read(o, c.batch * c.M * c.N, c.dtype);
      cpu.free(a); cpu.free(b); cpu.free(o);
      expected.set(c, r);
    }
    return r;
  }
  async function got(c: MmCase): Promise<HostArray> {
    const [av, bv] = inputs(c);
    const a = be().upload(host(av, c.dtype), c.dtype), b = be().upload(host(bv, c.dtype), c.dtype);
    const o = be().kernels.matmul({ ...c, a, b });
    const r = await be().read(o, c.batch * c.M * c.N, c.dtype);
    be().free(a); be().free(b); be().free(o);
    return r;
  }
  async function checkPlan(plan: Partial<MatmulPlan>, which: (c: MmCase) => boolean = () => true): Promise<void> {
    forceMatmulPlan(plan);
    try {
      for (const c of cases.filter(which)) {
        const tol = c.dtype === 'f16' ? { atol: 1e-2 * Math.sqrt(c.K), rtol: 4e-3 } : { atol: 1e-5 * Math.sqrt(c.K), rtol: 1e-5 };
        expectClose(await got(c), await want(c), tol, `${JSON.stringify(plan)} ${label(c)}`);
      }
    } finally {
      forceMatmulPlan(null);
    }
  }

  it('selection rule: reg-sg / reg on software adapters, tiled elsewhere, split-K for few output tiles', () => {
    const llvmpipe = { name: 'mesa software llvmpipe (llvmpipe: Mesa 25.0.7)', software: true, subgroups: true, subgroupMinSize: 8 };
    expect(planMatmul(llvmpipe, 1, 1024, 1024, 1024)).toEqual({ kernel: 'reg-sg', splits: 1 });
    expect(planMatmul({ ...llvmpipe, subgroups: false }, 1, 1024, 1024, 1024)).toEqual({ kernel: 'reg', splits: 1 });
    expect(planMatmul({ ...llvmpipe, subgroupMinSize: 4 }, 1, 64, 64, 64).kernel).toBe('reg');
    expect(planMatmul(llvmpipe, 1, 16, 16, 4096)).toEqual({ kernel: 'reg-sg', splits: 8 });
    const gpuProfile = { name: 'nvidia hopper H100', software: false, subgroups: true, subgroupMinSize: 32 };
    expect(planMatmul(gpuProfile, 1, 1024, 1024, 1024)).toEqual({ kernel: 'tiled', splits: 1 });
    expect(planMatmul(gpuProfile, 1, 64, 64, 2048)).toEqual({ kernel: 'tiled', splits: 8 });
    expect(() => forceMatmulPlan({ splits: 0 })).toThrow(/positive integer/);
  });

  it('variant tiled (workgroup memory): odd shapes, transposes, broadcast batches, f32/f16, transformer shapes', async () => {
    await checkPlan({ kernel: 'tiled', splits: 1 });
  });

  it('variant reg (register tiles, no subgroups): same cases', async () => {
    await checkPlan({ kernel: 'reg', splits: 1 });
  });

  it.skipIf(!gpu || !gpu.describe().features.includes('subgroups'))('variant reg-sg (register tiles, subgroup broadcasts): same cases', async () => {
    await checkPlan({ kernel: 'reg-sg', splits: 1 });
  });

  it('split-K on each kernel: chunks that divide K and chunks that do not, splits > K, deterministic', async () => {
    const some = (c: MmCase) => c.K >= 7 && (c.M * c.N * c.batch <= 33 * 33 * 5 || c.K >= 1024);
    const kernels: MatmulPlan['kernel'][] = be().describe().features.includes('subgroups') ? ['tiled', 'reg', 'reg-sg'] : ['tiled', 'reg'];
    for (const kernel of kernels) {
      await checkPlan({ kernel, splits: 3 }, some);
      await checkPlan({ kernel, splits: 64 }, (c) => c.K === 7 || c.K === 2048); // 64 > 7: clamped to K
    }
    // Same inputs, same plan: bit-identical results (fixed summation order, no atomics).
    const c = cases.find((x) => x.K === 2048)!;
    forceMatmulPlan({ splits: 5 });
    try {
      const r1 = await got(c), r2 = await got(c);
      expect(Array.from(r1)).toEqual(Array.from(r2));
    } finally {
      forceMatmulPlan(null);
    }
  });
});

describe('WebGPU availability', () => {
  it('reports whether the WebGPU suite ran', () => {
    if (!gpu) console.warn(`WebGPU backend tests were SKIPPED: ${skipReason}`);
    expect(gpu !== null || skipReason.length > 0).toBe(true);
  });
});
