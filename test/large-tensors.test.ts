/**
 * Tensors above the storage binding limit on the WebGPU backend (src/backend/webgpu/windows.ts,
 * strided-windows.ts, matmul-windows.ts and the kernel tables). Backends created with a lowered
 * `maxBindingBytes` (4 KiB) run every op in windows on small tensors; each op is checked against
 * the CPU backend (an independent reference) with fast-check shapes, and, where the split is along
 * independent rows, against the same op on a backend with the device's limit, bit for bit. Both
 * the device's binding offset alignment and a stricter 256 (the common one on GPUs; misaligned
 * windows go through temporaries) are covered. Then a tiny GPT training step with a lowered limit
 * against the same step with the normal limit, the errors of ops that cannot be split, and one
 * softmax cross-entropy forward + backward over logits above the device's real limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sg from '../src/index.js';
import type { Backend, DType, HostArray, Kernels } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { createWebGPUBackend, type GpuStorage, type WebGPUBackend } from '../src/backend/webgpu/index.js';
import { runKernel } from '../src/backend/webgpu/dispatch.js';
import type { KernelContext } from '../src/backend/webgpu/kernels.js';
import { allClose, loadBackends, webgpuOf } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const entries = await loadBackends();
const normalEntry = webgpuOf(entries);
const gpuDescribe = normalEntry ? describe : describe.skip;
if (!normalEntry) {
  console.warn('\n*** large-tensor WebGPU tests SKIPPED: no WebGPU adapter (see the warning above)\n');
}

/** The lowered binding limit of the windowed backends (bytes). */
const LIMIT = 4096;
const FLOATS = LIMIT / 4;

const cpu = new CpuBackend();
let normal: WebGPUBackend;
/** Lowered limit with the device's alignment, and with a 256-byte alignment. */
const lowered: { name: string; be: WebGPUBackend }[] = [];

beforeAll(async () => {
  if (!normalEntry) return;
  normal = normalEntry.backend as WebGPUBackend;
  lowered.push({ name: 'device alignment', be: await createWebGPUBackend({ maxBindingBytes: LIMIT }) });
  lowered.push({ name: '256-byte alignment', be: await createWebGPUBackend({ maxBindingBytes: LIMIT, bindingAlignment: 256 }) });
});
afterAll(() => {
  for (const l of lowered) l.be.destroy();
});

type K = Kernels<any>;
type Up = (data: ArrayLike<number>, dtype?: DType) => unknown;
/** What a case returns: storages to read back with their element counts and dtypes. */
type Outs = [unknown, number, DType][];

/** Runs `build` on a backend: uploads through `up`, reads the outputs, frees everything. */
async function evalOn(be: Backend<any>, build: (k: K, up: Up) => Outs): Promise<HostArray[]> {
  const owned = new Set<unknown>();
  const up: Up = (data, dtype = 'f32') => {
    const s = be.upload(dtype === 'i32' ? Int32Array.from(data) : Float32Array.from(data), dtype);
    owned.add(s);
    return s;
  };
  const outs = build(be.kernels, up);
  const res: HostArray[] = [];
  for (const [s, n, d] of outs) res.push(await be.read(s, n, d));
  for (const s of new Set([...owned, ...outs.map(([o]) => o)])) be.free(s);
  return res;
}

/**
 * Runs `build` on the CPU reference and on both lowered backends: the GPU results must match the
 * CPU's within `tol`; with `identical`, also equal the normal-limit GPU's bit for bit.
 */
async function check(build: (k: K, up: Up) => Outs, tol: { atol?: number; rtol?: number }, identical: boolean): Promise<void> {
  const ref = await evalOn(cpu, build);
  const base = identical ? await evalOn(normal, build) : null;
  for (const { name, be } of lowered) {
    const got = await evalOn(be, build);
    got.forEach((g, i) => {
      allClose(g, ref[i]!, tol, `${name}, output ${i} vs CPU`);
      if (base) expect(Array.from(g), `${name}, output ${i} vs the unsplit op`).toEqual(Array.from(base[i]!));
    });
  }
}

const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
const data = (n: number, seed: number, lo = -2, hi = 2): number[] => R.randomData(n, seed, lo, hi);
const runs = (numRuns: number) => ({ numRuns });
const EXACTISH = { atol: 1e-6, rtol: 1e-5 };

gpuDescribe('WebGPU tensors above the binding limit (lowered to 4 KiB)', () => {
  it('maxBindingBytes lowers the limit, never raises it, and rejects bad values', async () => {
    const l = lowered[0]!.be;
    expect(l.maxBinding).toBe(LIMIT);
    expect(l.describe().notes.join(' ')).toMatch(/binding limit lowered to 4096 bytes/);
    expect(normal.maxBinding).toBe(normal.describe().limits.maxStorageBufferBindingSize);
    await expect(createWebGPUBackend({ maxBindingBytes: 1000 })).rejects.toThrow(/maxBindingBytes must be an integer >= 1024/);
    await expect(createWebGPUBackend({ bindingAlignment: 100 })).rejects.toThrow(/bindingAlignment must be a power of two/);
    const big = await createWebGPUBackend({ maxBindingBytes: 2 ** 40 });
    try {
      expect(big.maxBinding).toBe(big.describe().limits.maxStorageBufferBindingSize);
    } finally {
      big.destroy();
    }
  });

  it('stores, uploads and reads storages above the limit', async () => {
    for (const { be } of lowered) {
      const xs = Float32Array.from(data(5000, 3));
      const s = be.upload(xs, 'f32') as GpuStorage;
      expect(s.bytes).toBeGreaterThan(LIMIT);
      expect(Array.from(await be.read(s, 5000, 'f32'))).toEqual(Array.from(xs));
      be.free(s);
    }
  });

  it('refuses to bind a storage above the limit whole, naming the kernel and the sizes', () => {
    const be = lowered[0]!.be;
    const big = be.upload(new Float32Array(2000), 'f32') as GpuStorage;
    const small = be.upload(new Float32Array(4), 'f32') as GpuStorage;
    const ctx = { pool: be.pool, pipes: be.pipelines, batch: be.batcher, uniforms: (be as unknown as { uniforms: KernelContext['uniforms'] }).uniforms,
      maxPerDim: 65535, maxBinding: be.maxBinding, align: be.bindingAlignment } as KernelContext;
    const spec = { file: 'unary', subs: { ELEM: 'f32', CT: 'f32', OP: 'f_neg' }, bindings: [[0, 'uniform'], [1, 'read'], [2, 'write']] } as const;
    expect(() => runKernel(ctx, spec, [4, 0, 0, 0], [{ buffer: big.buffer, offset: 0, size: big.bytes }, { buffer: small.buffer, offset: 0, size: small.bytes }], [1, 1, 1]))
      .toThrow(/kernel unary:main would bind 8192 bytes at binding 1, above the storage binding limit of 4096 bytes/);
    be.free(big);
    be.free(small);
  });

  it('elementwise unary, cast, fill and rand in windows of elements', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: FLOATS + 1, max: 6000 }), seedArb, fc.integer({ min: 0, max: 5000 }), async (n, seed, offset) => {
      await check((k, up) => {
        const x = up(data(n, seed));
        const xi = up(data(n, seed + 1, -50, 50).map(Math.trunc), 'i32');
        const half = k.cast(x, n, 'f32', 'f16');
        return [
          [k.unary('exp', x, n, 'f32'), n, 'f32'],
          [k.unary('gelu', x, n, 'f32'), n, 'f32'],
          [k.unary('abs', xi, n, 'i32'), n, 'i32'],
          [k.cast(half, n, 'f16', 'f32'), n, 'f32'],
          [k.cast(x, n, 'f32', 'i32'), n, 'i32'],
          [k.fill(n, 1.25, 'f32'), n, 'f32'],
          [k.rand('uniform', n, seed, offset), n, 'f32'],
          [k.rand('normal', n, seed, offset), n, 'f32'],
        ];
      }, { atol: 2e-6, rtol: 2e-5 }, true);
    }), runs(4));
  });

  it('binary and where: contiguous, [N, C] with a [C] or [N, 1] operand, a transposed operand, rows above the limit', async () => {
    const arb = fc.tuple(
      fc.oneof(
        fc.tuple(fc.integer({ min: 20, max: 150 }), fc.integer({ min: 8, max: 70 })), // many rows
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: FLOATS + 1, max: 2500 })), // rows above the limit
      ),
      fc.constantFrom('add', 'mul', 'sub', 'max', 'div') as fc.Arbitrary<'add' | 'mul' | 'sub' | 'max' | 'div'>,
      seedArb,
    ).filter(([[N, C]]) => N * C > FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([[N, C], op, seed]) => {
      await check((k, up) => {
        const a = up(data(N * C, seed)), b = up(data(N * C, seed + 1, 0.5, 2));
        const row = up(data(C, seed + 2, 0.5, 2)), col = up(data(N, seed + 3, 0.5, 2));
        const cond = up(data(N, seed + 4).map((v) => (v > 0 ? 1 : 0)));
        const bin = (bb: unknown, bStrides: number[], aStrides = [C, 1]) =>
          k.binary({ op, a, b: bb, dtype: 'f32', outShape: [N, C], aStrides, bStrides });
        return [
          [bin(b, [C, 1]), N * C, 'f32'],
          [bin(row, [0, 1]), N * C, 'f32'],
          [bin(col, [1, 0]), N * C, 'f32'],
          // a read transposed: the [C, N] storage of a as [N, C] (strides [1, N]).
          [bin(b, [C, 1], [1, N]), N * C, 'f32'],
          [k.where({ cond, condDtype: 'f32', condStrides: [1, 0], a, aStrides: [C, 1], b: row, bStrides: [0, 1], dtype: 'f32', outShape: [N, C] }), N * C, 'f32'],
        ];
      }, EXACTISH, true);
    }), runs(6));
  });

  it('strided copy (a transpose) between storages above the limit, with offsets, leaving the rest of dst as it was', async () => {
    const arb = fc.tuple(fc.integer({ min: 2, max: 90 }), fc.integer({ min: 2, max: 90 }), fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 41 }), seedArb)
      .filter(([r, c]) => r * c > FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([rows, cols, so, dof, seed]) => {
      await check((k, up) => {
        const src = up(data(so + rows * cols, seed));
        const dst = up(data(dof + rows * cols + 5, seed + 1));
        k.copy({ src, dst, dtype: 'f32', shape: [cols, rows], srcOffset: so, srcStrides: [1, cols], dstOffset: dof, dstStrides: [rows, 1] });
        return [[dst, dof + rows * cols + 5, 'f32']];
      }, { atol: 0, rtol: 0 }, true);
    }), runs(6));
  });

  it('matmul in every transpose combination, batched, with bias / GELU / GELU-backward tails and row sums', async () => {
    const dims = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 90 })), // M, N, K: blocks of M, N, K
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 400, max: 3000 })), // a long reduction
      fc.tuple(fc.integer({ min: 200, max: 1500 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })), // tall output
    );
    const arb = fc.tuple(dims, fc.boolean(), fc.boolean(), fc.constantFrom(1, 1, 2, 3), fc.boolean(),
      fc.constantFrom('none', 'bias', 'bias_gelu', 'gelu', 'gelu_grad'), seedArb)
      .filter(([[M, N, K], , , batch]) => Math.max(M * K, K * N, M * N) * batch > FLOATS && M * N * K * batch < 400000);
    await fc.assert(fc.asyncProperty(arb, async ([[M, N, K], transA, transB, batch, bcast, tail, seed]) => {
      const aBatchStride = batch > 1 && bcast ? 0 : M * K, bBatchStride = K * N;
      await check((k, up) => {
        const a = up(data((batch - 1) * aBatchStride + M * K, seed, -1, 1));
        const b = up(data(batch * K * N, seed + 1, -1, 1));
        const bias = tail === 'bias' || tail === 'bias_gelu' ? up(data(N, seed + 2)) : null;
        const geluGradOf = tail === 'gelu_grad' ? up(data(batch * M * N, seed + 3)) : null;
        const rowSums = batch === 1;
        const r = k.matmulFused({
          a, b, dtype: 'f32', batch, M, N, K, transA, transB, aBatchStride, bBatchStride, bias,
          activation: tail === 'bias_gelu' || tail === 'gelu' ? 'gelu' : null, geluGradOf, rowSums,
        });
        const outs: Outs = [[r.out, batch * M * N, 'f32']];
        if (r.pre) outs.push([r.pre, batch * M * N, 'f32']);
        if (r.rowSums) outs.push([r.rowSums, M, 'f32']);
        return outs;
      }, { atol: 2e-5 * Math.sqrt(K), rtol: 1e-4 }, false);
    }), runs(14));
  });

  it('matmul blocks along rows and columns only give the unsplit results bit for bit', async () => {
    await check((k, up) => {
      const [M, N, K] = [70, 60, 24];
      const a = up(data(M * K, 5, -1, 1)), b = up(data(N * K, 6, -1, 1)), bias = up(data(N, 7));
      return [[k.matmulFused({ a, b, dtype: 'f32', batch: 1, M, N, K, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bias }).out, M * N, 'f32']];
    }, { atol: 1e-5, rtol: 1e-4 }, true);
  });

  it('reduce sum / max over the last axis, the first axis, a middle axis and all elements (f32 and i32)', async () => {
    const shape = fc.oneof(
      fc.tuple(fc.integer({ min: 10, max: 200 }), fc.integer({ min: 10, max: 100 }), fc.constant(1)), // last axis
      fc.tuple(fc.constant(1), fc.integer({ min: 20, max: 300 }), fc.integer({ min: 5, max: 200 })), // first axis
      fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 30, max: 200 }), fc.integer({ min: 3, max: 40 })), // middle axis
      fc.tuple(fc.constant(1), fc.integer({ min: FLOATS + 1, max: 20000 }), fc.constant(1)), // everything (a loss mean)
      fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: FLOATS + 1, max: 4000 }), fc.constant(1)), // rows above the limit
    );
    const arb = fc.tuple(shape, fc.constantFrom('sum', 'max') as fc.Arbitrary<'sum' | 'max'>, seedArb).filter(([[o, r, i]]) => o * r * i > FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([[outer, r, inner], op, seed]) => {
      const n = outer * r * inner;
      await check((k, up) => {
        const x = up(data(n, seed));
        const xi = up(data(n, seed + 1, -100, 100).map(Math.trunc), 'i32');
        return [[k.reduce(op, x, outer, r, inner, 'f32'), outer * inner, 'f32'], [k.reduce(op, xi, outer, r, inner, 'i32'), outer * inner, 'i32']];
      }, { atol: 2e-6 * r, rtol: 1e-5 }, false); // f32 sums in another order: error grows with r
    }), runs(10));
  });

  it('softmax and softmax + cross-entropy, forward and backward, in windows of rows', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 300 }), seedArb).filter(([N, V]) => N * V > FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([N, V, seed]) => {
      await check((k, up) => {
        const x = up(data(N * V, seed, -4, 4)), dy = up(data(N * V, seed + 1));
        // Targets: valid classes, the ignore index and ids outside [0, V).
        const t = up(data(N, seed + 2, 0, 1).map((u, i) => (i % 7 === 3 ? -100 : i % 11 === 5 ? V : Math.floor(u * V))), 'i32');
        const y = k.softmaxForward(x, N, V, 'f32');
        const ce = k.softmaxCrossEntropyForward({ logits: x, targets: t, N, V, ignoreIndex: -100, dtype: 'f32' });
        const g = up(data(N, seed + 3));
        return [
          [y, N * V, 'f32'],
          [k.softmaxBackward(y, dy, N, V, 'f32'), N * V, 'f32'],
          [ce.loss, N, 'f32'],
          [ce.lse, N, 'f32'],
          [k.softmaxCrossEntropyBackward({ logits: x, targets: t, lse: ce.lse, gLoss: g, N, V, ignoreIndex: -100, dtype: 'f32' }), N * V, 'f32'],
        ];
      }, { atol: 1e-6, rtol: 2e-5 }, true);
    }), runs(8));
  });

  it('layerNorm and rmsNorm rows, forward and backward with dw / db', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.boolean(), seedArb).filter(([r, c]) => r * c > FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([rows, C, affine, seed]) => {
      await check((k, up) => {
        const x = up(data(rows * C, seed)), dy = up(data(rows * C, seed + 1));
        const w = affine ? up(data(C, seed + 2)) : null, b = affine ? up(data(C, seed + 3)) : null;
        const ln = k.layerNormForward({ x, w, b, rows, C, eps: 1e-5, dtype: 'f32' });
        const lb = k.layerNormBackward({ dy, x, w, mean: ln.mean, rstd: ln.rstd, rows, C, dtype: 'f32', needDw: true, needDb: true });
        const rn = k.rmsNormForward({ x, w, rows, C, eps: 1e-5, dtype: 'f32' });
        const rb = k.rmsNormBackward({ dy, x, w, rstd: rn.rstd, rows, C, dtype: 'f32', needDw: true });
        return [
          [ln.y, rows * C, 'f32'], [ln.mean, rows, 'f32'], [ln.rstd, rows, 'f32'], [lb.dx, rows * C, 'f32'], [lb.dw!, C, 'f32'], [lb.db!, C, 'f32'],
          [rn.y, rows * C, 'f32'], [rn.rstd, rows, 'f32'], [rb.dx, rows * C, 'f32'], [rb.dw!, C, 'f32'],
        ];
      }, { atol: 2e-5 * Math.sqrt(rows), rtol: 1e-4 }, false);
    }), runs(8));
  });

  it('gatherRows and scatterAddRows with a table above the limit (embedding and its gradient), pick and its backward', async () => {
    const arb = fc.tuple(fc.integer({ min: 40, max: 400 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 60 }), seedArb)
      .filter(([rows, len, nIdx]) => rows * len > FLOATS && nIdx * len <= FLOATS - 64);
    await fc.assert(fc.asyncProperty(arb, async ([rows, rowLen, nIdx, seed]) => {
      await check((k, up) => {
        const table = up(data(rows * rowLen, seed));
        // Repeated ids, ids outside the table, ids in every window.
        const ids = data(nIdx, seed + 1, 0, 1).map((u, i) => (i % 9 === 4 ? -1 : i % 13 === 6 ? rows : i % 5 === 2 ? 3 : Math.floor(u * rows)));
        const idx = up(ids, 'i32');
        const grad = up(data(nIdx * rowLen, seed + 2));
        // Many ids (an output above the limit) gathered from the same table.
        const many = Array.from({ length: 3 * FLOATS / rowLen + 5 }, (_, i) => (i * 7919) % (rows + 2) - 1);
        const manyIdx = up(many, 'i32');
        const pickIdx = up(Array.from({ length: rows }, (_, i) => (i * 31) % (rowLen + 1)), 'i32');
        const g = up(data(rows, seed + 3));
        return [
          [k.gatherRows(table, idx, nIdx, rows, rowLen, 'f32'), nIdx * rowLen, 'f32'],
          [k.gatherRows(table, manyIdx, many.length, rows, rowLen, 'f32'), many.length * rowLen, 'f32'],
          [k.scatterAddRows(grad, idx, nIdx, rows, rowLen, 'f32'), rows * rowLen, 'f32'],
          [k.pick(table, pickIdx, rows, rowLen, 'f32'), rows, 'f32'],
          [k.pickBackward(g, pickIdx, rows, rowLen, 'f32'), rows * rowLen, 'f32'],
        ];
      }, EXACTISH, true);
    }), runs(8));
  });

  it('adamwStep over a parameter above the limit (with and without a gradient scale) and sumSquares with large tensors', async () => {
    const arb = fc.tuple(fc.integer({ min: FLOATS + 1, max: 7000 }), fc.boolean(), seedArb);
    await fc.assert(fc.asyncProperty(arb, async ([n, scaled, seed]) => {
      await check((k, up) => {
        const param = up(data(n, seed)), grad = up(data(n, seed + 1)), m = up(data(n, seed + 2, -0.1, 0.1)), v = up(data(n, seed + 3, 0, 0.1));
        const gradScale = scaled ? up([0.37]) : null;
        k.adamwStep({ param, grad, m, v, n, dtype: 'f32', hyper: { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, c1: 0.19, c2: 0.0199 }, gradScale });
        const small = up(data(37, seed + 4)), big2 = up(data(n + 1234, seed + 5));
        return [
          [param, n, 'f32'], [m, n, 'f32'], [v, n, 'f32'],
          [k.sumSquares([small, grad, big2, small], [37, n, n + 1234, 37], 'f32'), 4, 'f32'],
        ];
      }, { atol: 1e-6, rtol: 1e-4 }, false);
    }), runs(6));
  });

  it('attention forward and backward in windows of batches (both layouts, grouped-query heads)', async () => {
    const arb = fc.tuple(fc.integer({ min: 3, max: 6 }), fc.integer({ min: 12, max: 24 }), fc.constantFrom('bhtd', 'bthd') as fc.Arbitrary<'bhtd' | 'bthd'>, fc.boolean(), seedArb);
    await fc.assert(fc.asyncProperty(arb, async ([B, T, layout, causal, seed]) => {
      const H = 2, Hkv = 1, D = 8;
      await check((k, up) => {
        const nq = B * H * T * D, nkv = B * Hkv * T * D;
        const q = up(data(nq, seed, -1, 1)), kk = up(data(nkv, seed + 1, -1, 1)), v = up(data(nkv, seed + 2, -1, 1)), dOut = up(data(nq, seed + 3));
        const args = { q, k: kk, v, dtype: 'f32' as const, B, H, Hkv, Tq: T, Tk: T, D, scale: 0.35, causal, layout };
        const f = k.attentionForward(args);
        const g = k.attentionBackward({ ...args, out: f.out, lse: f.lse, dOut });
        return [[f.out, nq, 'f32'], [f.lse, B * H * T, 'f32'], [g.dq, nq, 'f32'], [g.dk, nkv, 'f32'], [g.dv, nkv, 'f32']];
      }, { atol: 2e-5, rtol: 1e-4 }, true);
    }), runs(4));
  });

  it('f16 storages: 2-byte elements, odd lengths and odd row sizes in windows', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 70 }).map((c) => 2 * c + 1), seedArb)
      .filter(([r, c]) => r * c > 2 * FLOATS);
    await fc.assert(fc.asyncProperty(arb, async ([rows, C, seed]) => {
      const h = (n: number, sd: number, lo = -2, hi = 2) => data(n, sd, lo, hi).map(R.toHalf);
      await check((k, up) => {
        const x = up(h(rows * C, seed), 'f16'), dy = up(h(rows * C, seed + 1), 'f16'), bias = up(h(C, seed + 2), 'f16');
        const w = up(h(C * 9, seed + 3, -1, 1), 'f16');
        const t = up(data(rows, seed + 4, 0, 1).map((u) => Math.floor(u * C)), 'i32');
        const ce = k.softmaxCrossEntropyForward({ logits: x, targets: t, N: rows, V: C, ignoreIndex: -100, dtype: 'f16' });
        const ln = k.layerNormForward({ x, w: bias, b: null, rows, C, eps: 1e-5, dtype: 'f16' });
        return [
          [k.binary({ op: 'add', a: x, b: bias, dtype: 'f16', outShape: [rows, C], aStrides: [C, 1], bStrides: [0, 1] }), rows * C, 'f16'],
          [k.softmaxForward(x, rows, C, 'f16'), rows * C, 'f16'],
          [ce.loss, rows, 'f16'],
          [k.softmaxCrossEntropyBackward({ logits: x, targets: t, lse: ce.lse, gLoss: dy, N: rows, V: C, ignoreIndex: -100, dtype: 'f16' }), rows * C, 'f16'],
          [ln.y, rows * C, 'f16'],
          [k.matmul({ a: x, b: w, dtype: 'f16', batch: 1, M: rows, N: 9, K: C, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }), rows * 9, 'f16'],
          [k.reduce('max', dy, 1, rows * C, 1, 'f16'), 1, 'f16'], // max: exact in any order
        ];
      }, { atol: 2e-2, rtol: 2e-2 }, false);
    }), runs(6));
  });

  it('ops that cannot be split throw naming the op, the shape and the limit', () => {
    const be = lowered[0]!.be;
    const k = be.kernels;
    const x = be.upload(new Float32Array(2 * 2000), 'f32');
    expect(() => k.softmaxForward(x, 2, 2000, 'f32')).toThrow(/softmaxForward: over \[2, 2000\], one row of a \[rows, C\] operand is 8000 bytes.*binding limit is 4096 bytes/);
    const idx = be.upload(new Int32Array(2000), 'i32');
    expect(() => k.scatterAddRows(x, idx, 2000, 10, 2, 'f32')).toThrow(/scatterAddRows: the gradient \(4000 f32 elements\) is read whole.*4096 bytes/);
    const q = be.upload(new Float32Array(2 * 2 * 40 * 16), 'f32');
    expect(() => k.attentionForward({ q, k: q, v: q, dtype: 'f32', B: 2, H: 2, Hkv: 2, Tq: 40, Tk: 40, D: 16, scale: 0.25, causal: true }))
      .toThrow(/attentionForward: over \[B 2, H 2, Hkv 2, Tq 40, Tk 40, D 16\], one row of q is 5120 bytes/);
    for (const s of [x, idx, q]) be.free(s);
  });
});

gpuDescribe('a tiny GPT training step with a lowered binding limit', () => {
  it.each(['gpt2', 'llama'] as const)('%s: the same loss, gradients and AdamW update as with the normal limit', async (arch) => {
    // 8 KiB: logits [64, 256], the embedding table [256, 32], the MLP activations and the
    // [64, 32] activations exceed it; one attention batch (4 KiB) fits.
    const be8 = await createWebGPUBackend({ maxBindingBytes: 8192, bindingAlignment: 256 });
    try {
      const cfg = { arch, vocabSize: 256, nCtx: 32, dModel: 32, nLayer: 1, nHead: 2, nKvHead: arch === 'llama' ? 1 : 2, seed: 7 };
      const B = 2, T = 32;
      const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919 + 13) % cfg.vocabSize);
      const inputs = new Int32Array(B * T), targets = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        inputs.set(ids.subarray(b * (T + 1), b * (T + 1) + T), b * T);
        targets.set(ids.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
      }
      const step = async (be: Backend<any>) => sg.withBackend(be, async () => {
        const model = new sg.models.GPT(cfg);
        const named = model.namedParameters();
        const initial = await Promise.all(named.map(([, p]) => p.data()));
        const opt = new sg.optim.AdamW(named.map(([, p]) => p), { lr: 1e-2, weightDecay: 0.1 });
        const loss = sg.tidy(() => {
          const logits = model.forward(sg.tensor(inputs, { shape: [B, T] }));
          const l = sg.crossEntropy(logits.reshape([B * T, cfg.vocabSize]), sg.tensor(targets, { shape: [B * T] }));
          l.backward();
          return sg.keep(l);
        });
        const lossValue = await loss.item();
        loss.dispose();
        const grads = await Promise.all(named.map(([, p]) => p.grad!.data()));
        opt.step();
        const after = await Promise.all(named.map(([, p]) => p.data()));
        const sizes = named.map(([n, p]) => [n, p.size] as const);
        model.dispose();
        return { lossValue, initial, grads, after, sizes };
      });
      const ref = await step(normal);
      const got = await step(be8);
      // The windows really ran: the embedding table exceeds the lowered limit.
      expect(ref.sizes.find(([n]) => n === 'embed.W_E')![1] * 4).toBeGreaterThan(8192);
      ref.initial.forEach((p, i) => expect(Array.from(got.initial[i]!), `initial ${ref.sizes[i]![0]}`).toEqual(Array.from(p)));
      expect(got.lossValue).toBeCloseTo(ref.lossValue, 5);
      ref.grads.forEach((g, i) => allClose(got.grads[i]!, g, { atol: 1e-6, rtol: 1e-4 }, `gradient of ${ref.sizes[i]![0]}`));
      // AdamW's first step moves each weight by about lr * g / |g|: where a gradient is tiny, its
      // rounding (the split sums) shows up magnified, so the update is compared to 2% of lr.
      ref.after.forEach((p, i) => allClose(got.after[i]!, p, { atol: 2e-4, rtol: 1e-4 }, `${ref.sizes[i]![0]} after AdamW`));
    } finally {
      be8.destroy();
    }
  });
});

gpuDescribe("above the device's real binding limit", () => {
  it('logits above maxStorageBufferBindingSize: matmul, softmax cross-entropy forward + backward, both gradient matmuls and a sum over every element', async () => {
    const limit = normal.maxBinding;
    const N = 2048, C = 8;
    const V = Math.ceil((limit + (4 << 20)) / (4 * N)); // logits [N, V] f32 just above the limit (16 500 at 128 MiB)
    if (N * V * 4 > 512 * 2 ** 20 || N * V * 4 > normal.describe().limits.maxBufferSize!) {
      console.warn(`\n*** real-limit test SKIPPED: maxStorageBufferBindingSize ${limit} would need logits of ${N * V * 4} bytes\n`);
      return;
    }
    const h = Float32Array.from(data(N * C, 11, -1, 1)), w = Float32Array.from(data(V * C, 12, -0.5, 0.5));
    const t = Int32Array.from({ length: N }, (_, i) => (i % 97 === 5 ? -100 : (i * 7919) % V));
    const be = normal, k = be.kernels;
    const hb = be.upload(h, 'f32'), wb = be.upload(w, 'f32'), tb = be.upload(t, 'i32');
    const mm = (a: GpuStorage, b: GpuStorage, M: number, Nn: number, K: number, transA: boolean, transB: boolean) =>
      k.matmul({ a, b, dtype: 'f32', batch: 1, M, N: Nn, K, transA, transB, aBatchStride: 0, bBatchStride: 0 });
    const logits = mm(hb, wb, N, V, C, false, true); // [N, V] = h Wᵀ
    expect(logits.bytes).toBeGreaterThan(limit);
    const ce = k.softmaxCrossEntropyForward({ logits, targets: tb, N, V, ignoreIndex: -100, dtype: 'f32' });
    const g = k.fill(N, 1 / N, 'f32'); // the gradient of the mean loss
    const d = k.softmaxCrossEntropyBackward({ logits, targets: tb, lse: ce.lse, gLoss: g, N, V, ignoreIndex: -100, dtype: 'f32' });
    const dh = mm(d, wb, N, C, V, false, false); // [N, C] = d W: blocks of rows
    const dw = mm(d, hb, V, C, N, true, false); // [V, C] = dᵀ h: the reduction over N in chunks
    const total = k.reduce('sum', logits, 1, N * V, 1, 'f32');
    const sample = [0, 1000, 2032, 2033, N - 1];
    const rows = be.empty(sample.length * V, 'f32');
    sample.forEach((r, i) => k.copy({ src: d, dst: rows, dtype: 'f32', shape: [V], srcOffset: r * V, srcStrides: [1], dstOffset: i * V, dstStrides: [1] }));
    const [loss, lse, dRows, dhv, dwv, tot] = [
      await be.read(ce.loss, N, 'f32'), await be.read(ce.lse, N, 'f32'), await be.read(rows, sample.length * V, 'f32'),
      await be.read(dh, N * C, 'f32'), await be.read(dw, V * C, 'f32'), await be.read(total, 1, 'f32'),
    ];
    for (const s of [hb, wb, tb, logits, ce.loss, ce.lse, g, d, dh, dw, total, rows]) be.free(s);

    // float64 reference: every row's lse and loss; sampled rows of d and dh; sampled rows of dW.
    const refLse = new Float64Array(N), refLoss = new Float64Array(N);
    const row = new Float64Array(V);
    let refTotal = 0;
    const logitRow = (n: number): void => {
      for (let v = 0; v < V; v++) {
        let acc = 0;
        for (let c = 0; c < C; c++) acc += h[n * C + c]! * w[v * C + c]!;
        row[v] = Math.fround(acc);
      }
    };
    for (let n = 0; n < N; n++) {
      logitRow(n);
      let m = -Infinity, s = 0;
      for (let v = 0; v < V; v++) { m = Math.max(m, row[v]!); refTotal += row[v]!; }
      for (let v = 0; v < V; v++) s += Math.exp(row[v]! - m);
      refLse[n] = m + Math.log(s);
      refLoss[n] = t[n]! === -100 ? 0 : refLse[n]! - row[t[n]!]!;
    }
    allClose(lse, refLse, { atol: 1e-5, rtol: 1e-6 }, 'lse');
    allClose(loss, refLoss, { atol: 1e-5, rtol: 1e-5 }, 'loss');
    expect(Math.abs(tot[0]! - refTotal)).toBeLessThan(0.5); // f32 sums in order; a lost window would move it by ~1e3
    const dOf = (n: number, v: number, x: number): number => (t[n]! === -100 ? 0 : (Math.exp(x - refLse[n]!) - (v === t[n]! ? 1 : 0)) / N);
    sample.forEach((n, i) => {
      logitRow(n);
      const ref = Array.from(row, (x, v) => dOf(n, v, x));
      allClose(dRows.subarray(i * V, (i + 1) * V), ref, { atol: 2e-11, rtol: 1e-4 }, `dlogits row ${n}`);
      const refDh = Array.from({ length: C }, (_, c) => ref.reduce((acc, dv, v) => acc + dv * w[v * C + c]!, 0));
      allClose(dhv.subarray(n * C, (n + 1) * C), refDh, { atol: 2e-8, rtol: 1e-4 }, `dh row ${n}`);
    });
    for (const v of [0, 7, 8191, V - 1]) {
      const refDw = new Float64Array(C);
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let c = 0; c < C; c++) acc += h[n * C + c]! * w[v * C + c]!;
        const dv = dOf(n, v, Math.fround(acc));
        for (let c = 0; c < C; c++) refDw[c] += dv * h[n * C + c]!;
      }
      allClose(dwv.subarray(v * C, (v + 1) * C), refDw, { atol: 2e-9, rtol: 1e-4 }, `dW row ${v}`);
    }
  }, 120_000);
});
