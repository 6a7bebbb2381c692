/**
 * WebGPU linear groups (`linearGroup`, `linearGroupBackward`; ../backend.ts): the fused kernels of
 * kernels/matmul_group.wgsl — one dispatch for the forward, one for the input gradient and one for
 * the weight gradients of two or three bias-free linear layers that read one input — where the
 * matmul selection rule picks the 'reg-sg' register kernel (software adapters with subgroups of 8
 * lanes: the kernels share its tile), the group has 2 or 3 weights and no operand exceeds the
 * binding limit. Two pipelines serve every group, 'shared' (forward and weight gradients: x is the
 * operand all segments share) and 'sum' (input gradient), since each costs about 3 s of LLVM
 * compile time at its first dispatch on a fresh machine: a group of 2 binds its last operand again
 * in the third read slot and a spare buffer in the third write slot, which no workgroup touches.
 * Elsewhere, and
 * when `forceMatmulPlan` forces another variant or a split, the composed implementation of
 * ../linear-group.ts runs (one matmul per weight, adds for the input gradient).
 */
import type { DType, Kernels, LinearGroupArgs, LinearGroupBackwardArgs, LinearGroupGrads } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { checkLinearGroup, linearGroupBackwardComposed, linearGroupComposed, type LinearGroupTable } from '../linear-group.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import { canUseSubgroupKernel, forcedMatmulPlan } from './matmul.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import { checkFloatDtype, needBinding, runKernel } from './dispatch.js';
import { isLarge } from './windows.js';
import type { GpuStorage } from './pool.js';

type Pipeline = 'shared' | 'sum';
const U: readonly [number, BindingKind] = [0, 'uniform'];
/** Output tile of a workgroup (matmul_group.wgsl): 16 rows x 32 columns. */
const TILE_ROWS = 16, TILE_COLS = 32;

/** Whether the fused kernels run this group (see the file header). */
function fusable(ctx: KernelContext, args: LinearGroupArgs<GpuStorage>, extra: readonly GpuStorage[]): boolean {
  const f = forcedMatmulPlan();
  if (f && ((f.kernel && f.kernel !== 'reg-sg') || (f.splits ?? 1) > 1)) return false;
  if (!ctx.adapter.software || !canUseSubgroupKernel(ctx.adapter) || args.weights.length < 2) return false;
  return ![args.x, ...args.weights, ...extra].some((s) => isLarge(ctx, s));
}

/**
 * One of the two pipelines (bindings: a 1-3, b 4-6, o 7-9; see matmul_group.wgsl): 'shared' (x is
 * the A operand of every segment: the forward and the weight gradients) or 'sum' (the input gradient).
 */
function groupSpec(p: Pipeline, dtype: DType): KernelSpec {
  const subs: Record<string, string> = { ELEM: dtype };
  for (let i = 0; i < 3; i++) {
    subs[`A_${i}`] = p === 'shared' ? 'a0' : `a${i}`;
    subs[`B_${i}`] = `b${i}`;
    subs[`O_${i}`] = p === 'sum' ? 'o0' : `o${i}`;
  }
  const range = (first: number, n: number, kind: BindingKind) => Array.from({ length: n }, (_, i) => [first + i, kind] as const);
  const bindings = [U, ...range(1, p === 'shared' ? 1 : 3, 'read'), ...range(4, 3, 'read'), ...range(7, p === 'sum' ? 1 : 3, 'write')];
  return { file: 'matmul_group', entry: `group_${p}`, subs, f16: dtype === 'f16', subgroups: true, include: ['matmul_sg_step'], repeat: { file: 'matmul_group_seg', count: 3 }, bindings };
}

/** Uniform: R, K, S, mode, then per segment (first 32-column block, N_s, 0, 0). */
function groupUniform(rows: number, K: number, N: readonly number[], mode: number): { uniform: number[]; blocks: number } {
  const u = [rows, K, N.length, mode];
  let first = 0;
  for (let s = 0; s < 3; s++) {
    const n = N[s] ?? 0;
    u.push(s < N.length ? first : 0, n, 0, 0);
    first += Math.ceil(n / TILE_COLS);
  }
  return { uniform: u, blocks: first };
}

/** Three read slots from a group's 2 or 3 operands (a group of 2 repeats its last). */
const threeReads = (bs: readonly GPUBufferBinding[]): GPUBufferBinding[] => [0, 1, 2].map((i) => bs[Math.min(i, bs.length - 1)]!);

/** The linear-group entries of the WebGPU kernel table; `table` gives the composed fallback its matmul and add. */
export function makeLinearGroupKernels(ctx: KernelContext, table: LinearGroupTable<GpuStorage>): Pick<Kernels<GpuStorage>, 'linearGroup' | 'linearGroupBackward'> {
  const acquire = (elems: number, dtype: DType) => ctx.pool.acquire(elems * dtypeBytes(dtype), 'kernel');
  const grid = (gx: number, gy: number): [number, number, number] => {
    if (gx > ctx.maxPerDim || gy > ctx.maxPerDim) throw new Error(`${ERR} linearGroup: a grid of ${gx} x ${gy} workgroups exceeds the dispatch limit (${ctx.maxPerDim})`);
    return [gx, gy, 1];
  };
  /** Runs `f` with three write slots: the outputs, and a spare buffer for a group of 2 (released after). */
  const withWriteSlots = (outs: readonly GpuStorage[], f: (slots: GPUBufferBinding[]) => void) => {
    const spare = outs.length < 3 ? ctx.pool.acquire(16, 'kernel') : null;
    f([...outs, ...(spare ? [spare] : [])].map((o) => needBinding(o, 0, 'f32', 'linearGroup output')));
    if (spare) ctx.pool.release(spare);
  };
  /** Binding checks common to both directions. */
  const bindInputs = (args: LinearGroupArgs<GpuStorage>) => {
    const { x, weights, rows, K, N, dtype } = args;
    return {
      x: needBinding(x, rows * K, dtype, 'linearGroup x'),
      w: weights.map((w, s) => needBinding(w, N[s]! * K, dtype, `linearGroup weight ${s}`)),
    };
  };

  return {
    linearGroup(args: LinearGroupArgs<GpuStorage>): GpuStorage[] {
      ctx.check();
      checkLinearGroup(ERR, args);
      checkFloatDtype(ctx, args.dtype, 'linearGroup');
      const b = bindInputs(args);
      if (!fusable(ctx, args, [])) return linearGroupComposed(table, args);
      const { rows, K, N, dtype } = args;
      const ys = N.map((n) => acquire(rows * n, dtype)); // [rows, N_s]
      const { uniform, blocks } = groupUniform(rows, K, N, 0);
      withWriteSlots(ys, (outs) =>
        runKernel(ctx, groupSpec('shared', dtype), uniform, [b.x, ...threeReads(b.w), ...outs], grid(blocks, Math.ceil(rows / TILE_ROWS))));
      return ys;
    },

    linearGroupBackward(args: LinearGroupBackwardArgs<GpuStorage>): LinearGroupGrads<GpuStorage> {
      ctx.check();
      checkLinearGroup(ERR, args);
      checkFloatDtype(ctx, args.dtype, 'linearGroupBackward');
      const b = bindInputs(args);
      const { rows, K, N, dtype, grads } = args;
      const g = grads.map((s, i) => needBinding(s, rows * N[i]!, dtype, `linearGroupBackward gradient ${i}`));
      if (!fusable(ctx, args, grads)) return linearGroupBackwardComposed(table, args);
      let dx: GpuStorage | null = null;
      if (args.needX) {
        dx = acquire(rows * K, dtype); // [rows, K]
        runKernel(ctx, groupSpec('sum', dtype), groupUniform(rows, K, N, 0).uniform, [...threeReads(g), ...threeReads(b.w), needBinding(dx, 0, dtype, 'dx')],
          grid(Math.ceil(K / TILE_COLS), Math.ceil(rows / TILE_ROWS)));
      }
      let dw: (GpuStorage | null)[] = N.map(() => null);
      if (args.needW.some(Boolean)) {
        // One dispatch computes every dW_s; those not asked for are freed at once (a rare case: a frozen weight).
        const all = N.map((n) => acquire(n * K, dtype)); // [N_s, K]
        // dW_sᵀ = xᵀ g_s with x as the shared operand (mode 1), stored transposed: [N_s, K].
        const { uniform, blocks } = groupUniform(rows, K, N, 1);
        withWriteSlots(all, (outs) =>
          runKernel(ctx, groupSpec('shared', dtype), uniform, [b.x, ...threeReads(g), ...outs], grid(blocks, Math.ceil(K / TILE_ROWS))));
        dw = all.map((w, s) => {
          if (args.needW[s]) return w;
          ctx.pool.release(w);
          return null;
        });
      }
      return { dx, dw };
    },
  };
}
