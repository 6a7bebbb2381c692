/**
 * The CPU reference backend: plain, readable loops over typed arrays. It is the oracle every WGSL
 * kernel is tested against, written from the op definitions (never derived from the shaders).
 * With `{ float64: true }` float storages are Float64Array: the gradient checker uses that mode.
 */
import type {
  Backend, BackendDescription, BackendMemory, BinaryArgs, CopyArgs, DType, HostArray, Kernels,
  MatmulArgs, RandKind, ReduceOp, UnaryOp, WhereArgs,
} from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { normalAt, uniformAt } from '../rng.js';
import { floatBinary, floatUnary, intBinary, intUnary } from './elementwise.js';
import { roundToHalf } from '../../io/half.js';
import { forEachStrided } from './strided.js';
import { makeCpuFusedKernels } from './fused.js';
import { attentionBackwardCpu, attentionForwardCpu } from './attention.js';
import { matmulFusedCpu } from './matmul-fused.js';
import { checkLinearGroup, linearGroupBackwardComposed, linearGroupComposed, type LinearGroupTable } from '../linear-group.js';

type CpuArray = Float32Array | Float64Array | Int32Array;

/** A CPU storage: a typed array plus the dtype it represents. */
export interface CpuStorage {
  data: CpuArray;
  dtype: DType;
  freed: boolean;
}

/** Options of the CPU backend. */
export interface CpuBackendOptions {
  /** Keep float tensors in float64 (for finite-difference gradient checks). */
  float64?: boolean;
}

/** The reference backend. */
export class CpuBackend implements Backend<CpuStorage> {
  readonly name = 'cpu' as const;
  readonly supportsF16 = true;
  readonly float64: boolean;
  readonly kernels: Kernels<CpuStorage>;
  private bytesInUse = 0;

  constructor(opts: CpuBackendOptions = {}) {
    this.float64 = opts.float64 ?? false;
    this.kernels = makeCpuKernels(this);
  }

  /** Allocates a zeroed storage. */
  alloc(n: number, dtype: DType): CpuStorage {
    const data = dtype === 'i32' ? new Int32Array(n) : this.float64 ? new Float64Array(n) : new Float32Array(n);
    this.bytesInUse += n * dtypeBytes(dtype);
    return { data, dtype, freed: false };
  }

  /** Rounds float results to the storage precision of dtype (f16 values are kept rounded). */
  finish(s: CpuStorage): CpuStorage {
    if (s.dtype === 'f16') {
      const d = s.data;
      for (let i = 0; i < d.length; i++) d[i] = roundToHalf(d[i]!);
    }
    return s;
  }

  upload(data: HostArray, dtype: DType): CpuStorage {
    const s = this.alloc(data.length, dtype);
    s.data.set(data);
    return this.finish(s);
  }

  empty(n: number, dtype: DType): CpuStorage {
    return this.alloc(n, dtype); // zeros on the CPU: typed arrays start zeroed
  }

  async read(s: CpuStorage, n: number, dtype: DType): Promise<HostArray> {
    assertLive(s);
    if (dtype === 'i32') return Int32Array.from(s.data.subarray(0, n) as Int32Array);
    return Float32Array.from(s.data.subarray(0, n));
  }

  /** Synchronous read of the raw data (CPU only; used by tests and the gradient checker). */
  readSync(s: CpuStorage): CpuArray {
    assertLive(s);
    return s.data;
  }

  free(s: CpuStorage): void {
    if (s.freed) return;
    s.freed = true;
    this.bytesInUse -= s.data.length * dtypeBytes(s.dtype);
  }

  flush(): void {}
  async sync(): Promise<void> {}

  memory(): BackendMemory {
    return { bytesInUse: this.bytesInUse, bytesAllocated: this.bytesInUse };
  }

  describe(): BackendDescription {
    return {
      backend: 'cpu',
      adapter: this.float64 ? 'CPU reference (float64)' : 'CPU reference (JavaScript loops)',
      features: ['f16-storage'],
      limits: {},
      notes: [],
    };
  }

  destroy(): void {}
}

function assertLive(s: CpuStorage): void {
  if (s.freed) throw new Error('storygrad: CPU storage used after it was freed');
}

function makeCpuKernels(be: CpuBackend): Kernels<CpuStorage> {
  const out = (n: number, dtype: DType) => be.alloc(n, dtype);
  const groupTable: LinearGroupTable<CpuStorage> = { matmul: (a) => table.matmul(a), binary: (a) => table.binary(a), free: (s) => be.free(s) };
  const table: Kernels<CpuStorage> = {
    ...makeCpuFusedKernels(be),
    matmulFused: (args) => matmulFusedCpu(be, table.matmul, args),
    linearGroup(args) {
      checkLinearGroup('storygrad:', args);
      return linearGroupComposed(groupTable, args);
    },
    linearGroupBackward(args) {
      checkLinearGroup('storygrad:', args);
      return linearGroupBackwardComposed(groupTable, args);
    },
    unary(op: UnaryOp, x, n, dtype) {
      const f = dtype === 'i32' ? intUnary[op] : floatUnary[op];
      if (!f) throw new Error(`storygrad: unary '${op}' is not defined for ${dtype}`);
      const o = out(n, dtype);
      for (let i = 0; i < n; i++) o.data[i] = f(x.data[i]!);
      return be.finish(o);
    },

    binary({ op, a, b, dtype, outShape, aStrides, bStrides }: BinaryArgs<CpuStorage>) {
      const f = dtype === 'i32' ? intBinary[op] : floatBinary[op];
      if (!f) throw new Error(`storygrad: binary '${op}' is not defined for ${dtype}`);
      const o = out(size(outShape), dtype);
      const ad = a.data, bd = b.data, od = o.data;
      forEachStrided(outShape, [aStrides, bStrides], [0, 0], (i, [ai, bi]) => {
        od[i] = f(ad[ai!]!, bd[bi!]!);
      });
      return be.finish(o);
    },

    where({ cond, condStrides, a, aStrides, b, bStrides, dtype, outShape }: WhereArgs<CpuStorage>) {
      const o = out(size(outShape), dtype);
      const cd = cond.data, ad = a.data, bd = b.data, od = o.data;
      forEachStrided(outShape, [condStrides, aStrides, bStrides], [0, 0, 0], (i, [ci, ai, bi]) => {
        od[i] = cd[ci!] !== 0 ? ad[ai!]! : bd[bi!]!;
      });
      return be.finish(o);
    },

    reduce(op: ReduceOp, x, outer, r, inner, dtype) {
      const o = out(outer * inner, dtype);
      const xd = x.data;
      for (let p = 0; p < outer; p++) {
        for (let q = 0; q < inner; q++) {
          let acc = op === 'sum' ? 0 : -Infinity;
          for (let k = 0; k < r; k++) {
            const v = xd[(p * r + k) * inner + q]!;
            if (op === 'sum') acc += v;
            else if (v > acc || Number.isNaN(v)) acc = v;
          }
          if (dtype === 'i32' && op === 'max' && r === 0) acc = -2147483648;
          o.data[p * inner + q] = dtype === 'i32' ? acc | 0 : acc;
        }
      }
      return be.finish(o);
    },

    matmul({ a, b, dtype, batch, M, N, K, transA, transB, aBatchStride, bBatchStride }: MatmulArgs<CpuStorage>) {
      const o = out(batch * M * N, dtype);
      const ad = a.data, bd = b.data, od = o.data;
      // Every output is sum over k = 0..K-1, in increasing k, of a[i,k] * b[k,j] in float64, then
      // rounded to the storage type. The loops are arranged so the innermost one walks memory
      // contiguously (a dot product of rows when b is transposed, else a row update over j).
      const row = new Float64Array(N);
      for (let z = 0; z < batch; z++) {
        const ab = z * aBatchStride, bb = z * bBatchStride, ob = z * M * N;
        for (let i = 0; i < M; i++) {
          if (transB) {
            for (let j = 0; j < N; j++) {
              const bRow = bb + j * K;
              let acc = 0;
              if (transA) for (let k = 0; k < K; k++) acc += ad[ab + k * M + i]! * bd[bRow + k]!;
              else {
                const aRow = ab + i * K;
                for (let k = 0; k < K; k++) acc += ad[aRow + k]! * bd[bRow + k]!;
              }
              od[ob + i * N + j] = acc;
            }
          } else {
            row.fill(0);
            for (let k = 0; k < K; k++) {
              const av = ad[ab + (transA ? k * M + i : i * K + k)]!;
              const bRow = bb + k * N;
              for (let j = 0; j < N; j++) row[j] += av * bd[bRow + j]!;
            }
            od.set(row, ob + i * N);
          }
        }
      }
      return be.finish(o);
    },

    copy({ src, dst, shape, srcOffset, srcStrides, dstOffset, dstStrides }: CopyArgs<CpuStorage>) {
      const sd = src.data, dd = dst.data;
      forEachStrided(shape, [srcStrides, dstStrides], [srcOffset, dstOffset], (_i, [si, di]) => {
        dd[di!] = sd[si!]!;
      });
    },

    gatherRows(table, idx, nIdx, rows, rowLen, dtype) {
      const o = out(nIdx * rowLen, dtype);
      for (let n = 0; n < nIdx; n++) {
        const r = idx.data[n]!;
        if (r < 0 || r >= rows) continue;
        for (let c = 0; c < rowLen; c++) o.data[n * rowLen + c] = table.data[r * rowLen + c]!;
      }
      return o;
    },

    scatterAddRows(grad, idx, nIdx, rows, rowLen, dtype) {
      const o = out(rows * rowLen, dtype);
      for (let n = 0; n < nIdx; n++) {
        const r = idx.data[n]!;
        if (r < 0 || r >= rows) continue;
        for (let c = 0; c < rowLen; c++) o.data[r * rowLen + c]! += grad.data[n * rowLen + c]!;
      }
      return be.finish(o);
    },

    pick(x, idx, n, c, dtype) {
      const o = out(n, dtype);
      for (let i = 0; i < n; i++) {
        const j = idx.data[i]!;
        o.data[i] = j >= 0 && j < c ? x.data[i * c + j]! : 0;
      }
      return o;
    },

    pickBackward(g, idx, n, c, dtype) {
      const o = out(n * c, dtype);
      for (let i = 0; i < n; i++) {
        const j = idx.data[i]!;
        if (j >= 0 && j < c) o.data[i * c + j] = g.data[i]!;
      }
      return o;
    },

    rand(kind: RandKind, n, seed, offset) {
      const o = out(n, 'f32');
      const f = kind === 'uniform' ? uniformAt : normalAt;
      for (let i = 0; i < n; i++) o.data[i] = f(seed, offset, i);
      return o;
    },

    cast(x, n, from, to) {
      const o = out(n, to);
      for (let i = 0; i < n; i++) {
        const v = x.data[i]!;
        o.data[i] = to === 'i32' && from !== 'i32' ? Math.trunc(v) : v;
      }
      return be.finish(o);
    },

    fill(n, value, dtype) {
      const o = out(n, dtype);
      o.data.fill(dtype === 'i32' ? value | 0 : value);
      return be.finish(o);
    },

    attentionForward: (args) => attentionForwardCpu(be, args),
    attentionBackward: (args) => attentionBackwardCpu(be, args),
  };
  return table;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
