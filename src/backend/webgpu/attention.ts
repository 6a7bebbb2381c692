/**
 * WebGPU dispatch of the fused attention primitives (`attentionForward`, `attentionBackward`; see
 * ../backend.ts and kernels/attention_fwd.wgsl, attention_bwd_dq.wgsl, attention_bwd_dkv.wgsl).
 * Spread into the kernel table by kernels.ts.
 *
 * Forward: one dispatch (online softmax per query row, saves lse). Backward: two dispatches —
 * dq (which also writes delta = rowsum(dOut ∘ out)), then dk / dv, each key row looping over the
 * queries of every head in its group, so no atomics and a fixed summation order.
 *
 * All three kernels keep each lane's rows in vec4 registers and stage tiles of the other operand
 * (keys for the forward and dq, queries for dk/dv) in workgroup memory, so every element is read
 * from storage once per workgroup. Two configurations: 'software' (llvmpipe and the like: 8
 * lanes = one SIMD vector, 1-8 rows per lane, because there every memory access is scalarised per
 * lane and a key read must feed several rows) and 'gpu' (64 lanes, one row each).
 *
 * A storage above the binding limit: both passes run in windows of whole batches (windows.ts),
 * with identical results; one batch above the limit throws naming the shape and the limit.
 */
import type { AttentionArgs, AttentionBackwardArgs, DType, Kernels } from '../backend.js';
import { attentionStrides, checkAttentionArgs } from '../attention-args.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import type { GpuStorage } from './pool.js';
import { f32Bits } from './uniforms.js';
import { checkFloatDtype, needBinding, outputStorage, runKernel } from './dispatch.js';
import { forRowChunks, rowsOf, type RowOperand } from './windows.js';

type Pass = 'fwd' | 'dq' | 'dkv';

/**
 * Forces the attention kernel configuration ('auto': 'software' on software adapters, 'gpu'
 * elsewhere) and, optionally, the rows per lane of each pass. Tests use it to run both
 * configurations on every adapter; benchmarks to compare them.
 */
export const attentionVariants: { attention: 'auto' | 'software' | 'gpu'; rows?: Partial<Record<Pass, number>> } = { attention: 'auto' };

/** Lanes per workgroup and rows (query or key rows) per lane of one pass. */
interface Shape { wg: number; rows: number }

/**
 * Software adapters (llvmpipe): 8 lanes = one SIMD vector, several rows per lane so each key or
 * query read from workgroup memory (scalarised per lane there) feeds several rows. More rows means
 * more registers and longer LLVM compiles, so the count falls with the head size. Measured at
 * D = 64 (B 8, H 8, T 512, causal, llvmpipe on 2 cores): 4 rows per lane in the forward and dq
 * passes take 1.75 s for forward + backward against 2.5 s with 2 rows, but compile in about 12 and
 * 15 s against 6 and 8 s (cold shader cache, machine under load); dk/dv with 4 rows compiled in
 * about 50 s, so it keeps 2. 16 lanes instead of 8 changed nothing. At D = 16 (the demo's heads:
 * B 8, H 4, T 128, layout 'bthd', causal) 8 rows per lane in all three passes cost 31.3 ms of
 * process CPU time for forward + backward against 38.8 with 4 rows (34.4 with 8 rows in the
 * forward and dq passes only; medians of 5, in-process, load average 8); their registers equal
 * those of 2 rows at D = 64, and so do their compile times. Real GPUs: 64 lanes of one row.
 */
function shapeOf(kind: 'software' | 'gpu', pass: Pass, D: number): Shape {
  const forced = attentionVariants.rows?.[pass];
  if (kind === 'gpu') return { wg: 64, rows: forced ?? 1 };
  const rows = D <= 16 ? 8 : pass === 'dkv' ? (D <= 64 ? 2 : 1) : D <= 64 ? 4 : 1;
  return { wg: 8, rows: forced ?? rows };
}
/** Workgroup memory every adapter offers (maxComputeWorkgroupStorageSize's guaranteed minimum). */
const WG_MEM = 16384;
const LOG2E = 1.4426950408889634;

const U: readonly [number, BindingKind] = [0, 'uniform'];
/** The files each kernel includes (kernels/attention_common.wgsl and the others they name). */
const ATTENTION_INCLUDE: Record<string, readonly string[]> = {
  attention_fwd: ['attention_common', 'attention_key_tiles'],
  attention_bwd_dq: ['attention_common', 'attention_key_tiles', 'attention_bwd_common'],
  attention_bwd_dkv: ['attention_common', 'attention_bwd_common'],
};
const R = (n: number): readonly [number, BindingKind] => [n, 'read'];
const W = (n: number): readonly [number, BindingKind] => [n, 'write'];

/** vec4s per head row. */
const hd4 = (D: number): number => Math.ceil(D / 4);

/** Keys per staged tile of the forward and dq kernels: k and v tiles of BC x HD4 vec4. */
function tileKeys(D: number): number {
  return Math.max(1, Math.min(64, Math.floor(WG_MEM / (2 * 16 * hd4(D)))));
}

/** Queries per staged tile of the dk/dv kernel: q and dOut tiles plus lse and delta. */
function tileQueries(D: number): number {
  return Math.max(1, Math.min(64, Math.floor(WG_MEM / (2 * 16 * hd4(D) + 8))));
}

export function makeAttentionKernels(ctx: KernelContext): Pick<Kernels<GpuStorage>, 'attentionForward' | 'attentionBackward'> {
  const need = needBinding;
  const out = (n: number, d: DType): GpuStorage => outputStorage(ctx, n, d);
  const run = (spec: KernelSpec, uniform: number[], buffers: GPUBufferBinding[], groups: readonly [number, number, number]): void =>
    runKernel(ctx, spec, uniform, buffers, groups);

  function check(op: string, a: AttentionArgs<GpuStorage>): void {
    ctx.check();
    checkAttentionArgs(ERR, op, a);
    checkFloatDtype(ctx, a.dtype, op);
  }

  /** Elements per batch of the q-shaped and kv-shaped operands (both layouts put the batch first). */
  const perBatch = (a: AttentionArgs<GpuStorage>): { q: number; kv: number } => ({ q: a.H * a.Tq * a.D, kv: a.Hkv * a.Tk * a.D });
  const shapeText = (a: AttentionArgs<GpuStorage>): string => `[B ${a.B}, H ${a.H}, Hkv ${a.Hkv}, Tq ${a.Tq}, Tk ${a.Tk}, D ${a.D}]`;

  const kind = (): 'software' | 'gpu' =>
    attentionVariants.attention === 'auto' ? (ctx.software ? 'software' : 'gpu') : attentionVariants.attention;

  /** Grid of (row blocks, heads): heads split over y and z above maxComputeWorkgroupsPerDimension. */
  function grid(rows: number, heads: number, wg: number): [number, number, number] {
    const x = Math.ceil(rows / wg);
    if (x > ctx.maxPerDim) throw new Error(`${ERR} attention over ${rows} positions exceeds the dispatch grid limit`);
    const y = Math.min(heads, ctx.maxPerDim);
    const z = Math.ceil(heads / y);
    if (z > ctx.maxPerDim) throw new Error(`${ERR} attention over ${heads} heads exceeds the dispatch grid limit`);
    return [x, y, z];
  }

  /** Uniform words for `B` batches (a window of batches, or all of a.B) and nHeads (batch, head) pairs. */
  function params(a: AttentionArgs<GpuStorage>, B: number, nHeads: number): number[] {
    const st = attentionStrides(a);
    return [
      B, a.H, a.Hkv, a.Tq, a.Tk, a.H / a.Hkv, nHeads, a.causal ? 1 : 0,
      a.Tk - a.Tq, f32Bits(a.scale * LOG2E), f32Bits(a.scale), a.D,
      hd4(a.D), st.q.batch, st.q.head, st.q.pos,
      st.kv.batch, st.kv.head, st.kv.pos, 0,
    ];
  }

  function spec(file: string, entry: string, a: AttentionArgs<GpuStorage>, bc: number, shape: Shape, bindings: KernelSpec['bindings']): KernelSpec {
    return {
      file,
      entry,
      include: ATTENTION_INCLUDE[file],
      subs: { ELEM: a.dtype, DHEAD4: String(hd4(a.D)), DPARTIAL: String(a.D % 4 !== 0), BCOLS: String(bc), RROWS: String(shape.rows) },
      f16: a.dtype === 'f16',
      overrides: { WG: shape.wg },
      bindings,
    };
  }

  return {
    attentionForward(a: AttentionArgs<GpuStorage>) {
      check('attentionForward', a);
      const { B, H, Hkv, Tq, Tk, D, dtype } = a;
      need(a.q, B * H * Tq * D, dtype, 'attentionForward q');
      need(a.k, B * Hkv * Tk * D, dtype, 'attentionForward k');
      need(a.v, B * Hkv * Tk * D, dtype, 'attentionForward v');
      const o = out(B * H * Tq * D, dtype);
      const lse = out(B * H * Tq, 'f32');
      if (B * H * Tq === 0) return { out: o, lse };
      const c = shapeOf(kind(), 'fwd', D);
      const { q: perQ, kv: perKv } = perBatch(a);
      const ops: RowOperand[] = [
        rowsOf(a.q, perQ, dtype, 'read', 'q'), rowsOf(a.k, perKv, dtype, 'read', 'k'), rowsOf(a.v, perKv, dtype, 'read', 'v'),
        rowsOf(o, perQ, dtype, 'write', 'out'), rowsOf(lse, H * Tq, 'f32', 'write', 'lse'),
      ];
      forRowChunks(ctx, 'attentionForward', () => shapeText(a), B, ops, (_b0, bc, bs) => run(
        spec('attention_fwd', 'main', a, tileKeys(D), c, [U, R(1), R(2), R(3), W(4), W(5)]),
        params(a, bc, bc * H),
        bs,
        grid(Tq, bc * H, c.wg * c.rows),
      ));
      return { out: o, lse };
    },

    attentionBackward(a: AttentionBackwardArgs<GpuStorage>) {
      check('attentionBackward', a);
      const { B, H, Hkv, Tq, Tk, D, dtype } = a;
      const nq = B * H * Tq * D, nkv = B * Hkv * Tk * D;
      need(a.q, nq, dtype, 'attentionBackward q');
      need(a.k, nkv, dtype, 'attentionBackward k');
      need(a.v, nkv, dtype, 'attentionBackward v');
      need(a.out, nq, dtype, 'attentionBackward out');
      need(a.lse, B * H * Tq, 'f32', 'attentionBackward lse');
      need(a.dOut, nq, dtype, 'attentionBackward dOut');
      const dq = out(nq, dtype), dk = out(nkv, dtype), dv = out(nkv, dtype);
      const cq = shapeOf(kind(), 'dq', D), ckv = shapeOf(kind(), 'dkv', D);
      const delta = out(Math.max(1, B * H * Tq), 'f32');
      const { q: perQ, kv: perKv } = perBatch(a);
      const rows = (s: GpuStorage, perRow: number, what: string, mode: RowOperand['mode'] = 'read'): RowOperand => rowsOf(s, perRow, dtype, mode, what);
      const ops: RowOperand[] = [
        rows(a.q, perQ, 'q'), rows(a.k, perKv, 'k'), rows(a.v, perKv, 'v'), rows(a.out, perQ, 'out'), rows(a.dOut, perQ, 'dOut'),
        rowsOf(a.lse, H * Tq, 'f32', 'read', 'lse'), rowsOf(delta, H * Tq, 'f32', 'write', 'delta'),
        rows(dq, perQ, 'dq', 'write'), rows(dk, perKv, 'dk', 'write'), rows(dv, perKv, 'dv', 'write'),
      ];
      if (B > 0) {
        forRowChunks(ctx, 'attentionBackward', () => shapeText(a), B, ops, (_b0, bc, [qb, kb, vb, ob, gb, lb, db, dqb, dkb, dvb]) => {
          if (nq > 0) {
            run(
              spec('attention_bwd_dq', 'main', a, tileKeys(D), cq, [U, R(1), R(2), R(3), R(4), R(5), R(6), W(7), W(8)]),
              params(a, bc, bc * H),
              [qb!, kb!, vb!, ob!, gb!, lb!, db!, dqb!],
              grid(Tq, bc * H, cq.wg * cq.rows),
            );
          }
          if (nkv > 0) {
            // (With Tq = 0 the query loop is empty and the kernel writes zeros.)
            run(
              spec('attention_bwd_dkv', 'main', a, tileQueries(D), ckv, [U, R(1), R(2), R(3), R(4), R(5), R(6), W(7), W(8)]),
              params(a, bc, bc * Hkv),
              [qb!, kb!, vb!, gb!, lb!, db!, dkb!, dvb!],
              grid(Tk, bc * Hkv, ckv.wg * ckv.rows),
            );
          }
        });
      }
      ctx.pool.release(delta); // reusable by later kernel outputs only (pool.ts)
      return { dq, dk, dv };
    },
  };
}
