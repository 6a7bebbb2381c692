/**
 * WebGPU dispatch of the fused kernels (`FusedKernels<GpuStorage>`, see ../fused.ts): argument
 * checks, uniforms, variant choice and grids for kernels/layer_norm.wgsl, rms_norm.wgsl,
 * norm_params.wgsl, softmax.wgsl, cross_entropy.wgsl, loss_mean.wgsl, adamw.wgsl, sum_squares.wgsl
 * and clip_scale.wgsl. Spread into the kernel table by kernels.ts.
 *
 * Row kernels come in two variants: one thread per row looping over it in order ('seq') or one
 * workgroup per row with tree reductions ('wg'). On a software adapter barriers serialise the
 * SIMD lanes, so 'seq' wins there except for a handful of very long rows; real GPUs want 'wg'.
 *
 * Storages above the binding limit (windows.ts): the row kernels run in windows of rows (the
 * variant chosen for the whole op, so the result is identical), the norms' dw / db add the
 * windows' column sums in order, adamwStep runs in windows of elements, and sumSquares sums a
 * large tensor in pieces added in order.
 */
import type { DType } from '../backend.js';
import type { AdamWHyper, FusedKernels } from '../fused.js';
import { grid1d, gridGroups } from './batcher.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { BindingKind, KernelSpec } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';
import { aliasingProblem, checkFloatDtype, needBinding, outputStorage, runKernel } from './dispatch.js';
import { f32Bits } from './uniforms.js';
import { dtypeBytes } from '../backend.js';
import { binaryFlat, chunkRows, fillRange, forRowChunks, isLarge, readSlice, rowsOf, tooLarge, wholeOf, windowBudget, type RowOperand, type Slice } from './windows.js';

/**
 * Forces variants of the fused kernels ('auto' picks by shape and adapter): tests use it to cover
 * every variant on every adapter, benchmarks to compare them.
 *   rows                  row kernels (norms, softmax, cross-entropy forward): 'seq' | 'wg'
 *   normParamRowsPerBlock rows per partial block of the dw/db column sums (0: auto)
 */
export const fusedVariants: { rows: 'auto' | 'seq' | 'wg'; normParamRowsPerBlock: number } = {
  rows: 'auto',
  normParamRowsPerBlock: 0,
};

/** Threads per workgroup of the one-thread-per-element / per-row kernels. */
const SEQ_WG = 64;
/** Tensors per sum_squares dispatch (six read bindings and the output: within the 8 storage buffers every adapter offers). */
const SUM_SQUARES_SLOTS = 6;
const SUM_SQUARES_WG = 64;
const U: readonly [number, BindingKind] = [0, 'uniform'];
/** Threads per workgroup of adamw.wgsl. */
export const ADAMW_WG = 256;

/**
 * The adamw.wgsl kernel: `scaled` binds a gradient scale (binding 5), `masked` the per-block
 * valid lengths of a parameter arena (binding 6, param-arena.ts) with blocks of `block` elements.
 */
export function adamwSpec(dtype: DType, scaled: boolean, masked: boolean, block = 0): KernelSpec {
  const bindings: (readonly [number, BindingKind])[] = [U, [1, 'write'], [2, 'read'], [3, 'write'], [4, 'write']];
  if (scaled) bindings.push([5, 'read']);
  if (masked) bindings.push([6, 'read']);
  return {
    file: 'adamw', subs: { ELEM: dtype, GSCALE: scaled ? 'gscale_at' : 'gscale_one', VALID: masked ? 'valid_block' : 'valid_all' },
    f16: dtype === 'f16', overrides: masked ? { WG: ADAMW_WG, BLOCK: block } : { WG: ADAMW_WG }, bindings,
  };
}

/** The adamw.wgsl uniform for n elements; blockBase: the first block's index in `valid` (arena only). */
export function adamwUniform(n: number, hyper: AdamWHyper, blockBase = 0): number[] {
  const { lr, beta1, beta2, eps, weightDecay, c1, c2 } = hyper;
  const f = f32Bits;
  return [n, weightDecay ? 1 : 0, f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f(1 / c1), f(1 / c2), f(eps), f(1 - lr * weightDecay), f(lr), blockBase];
}

/** The sum_squares.wgsl `arena` entry (partial sums over a gradient arena, param-arena.ts). */
export function sumSquaresArenaSpec(dtype: DType, block: number): KernelSpec {
  return {
    file: 'sum_squares', entry: 'arena', include: ['row_reduce'], subs: { ELEM: dtype }, f16: dtype === 'f16',
    overrides: { WG: SUM_SQUARES_WG, BLOCK: block }, bindings: [U, [1, 'read'], [7, 'write'], [8, 'read']],
  };
}
/** Files the row kernels include (kernels/norm_common.wgsl, row_reduce.wgsl, softmax_stats.wgsl). */
const NORM_INCLUDE = ['norm_common', 'row_reduce'];
const SOFTMAX_INCLUDE = ['row_reduce', 'softmax_stats'];

export function makeFusedKernels(ctx: KernelContext): FusedKernels<GpuStorage> {
  const checkFloat = (d: DType, op: string): void => checkFloatDtype(ctx, d, op);
  const need = needBinding;

  const out = (n: number, d: DType): GpuStorage => outputStorage(ctx, n, d);
  const bind = storageBinding;

  const run = (spec: KernelSpec, uniform: number[], buffers: GPUBufferBinding[], groups: readonly [number, number, number]): void =>
    runKernel(ctx, spec, uniform, buffers, groups);

  function zeros(n: number, d: DType): GpuStorage {
    const o = out(n, d);
    fillRange(ctx, o, n, 0, d);
    return o;
  }

  /** Whether a row kernel over [rows, C] runs one thread per row (else one workgroup per row). */
  function seqRows(rows: number, C: number): boolean {
    if (fusedVariants.rows !== 'auto') return fusedVariants.rows === 'seq';
    // Software: barriers serialise the SIMD lanes; only a few very long rows favour the tree.
    // Measured on llvmpipe (2 cores, softmax forward, profiler): [256, 1024] seq 4.6 vs wg 14.7 ms;
    // [64, 512] 0.35 vs 3.5; [8, 8192] 0.94 vs 1.44; [1, 8192] 0.26 vs 0.56; break-even near
    // [4, 50000] and [16, 16384]; [1, 65536] 3.2 vs 0.55.
    if (ctx.software) return C < 16384 * rows;
    return C < 32;
  }

  /** Workgroup size of the one-workgroup-per-row variant: a power of two in [32, 256]. */
  function rowWG(C: number): number {
    let wg = 32;
    while (wg < 256 && wg < C) wg *= 2;
    return wg;
  }

  /**
   * A row kernel over [rows, C], in windows of rows when a storage exceeds the binding limit
   * (windows.ts): entry `<base>_seq` or `<base>_wg`, chosen for the whole op so every window runs
   * the same arithmetic. `operands` are in binding order; `uniform(rc)` gives a window's words.
   */
  function runRows(
    op: string, spec: Omit<KernelSpec, 'entry' | 'overrides'>, base: string, rows: number, C: number,
    operands: readonly RowOperand[], uniform: (rc: number) => number[],
  ): void {
    const seq = seqRows(rows, C);
    forRowChunks(ctx, op, () => `[${rows}, ${C}]`, rows, operands, (_r0, rc, buffers) => {
      if (seq) {
        run({ ...spec, entry: `${base}_seq`, overrides: { WG: SEQ_WG } }, uniform(rc), buffers, grid1d(rc, SEQ_WG, ctx.maxPerDim));
      } else {
        run({ ...spec, entry: `${base}_wg`, overrides: { WG: rowWG(C) } }, uniform(rc), buffers, gridGroups(rc, ctx.maxPerDim));
      }
    });
  }

  /** Row operands of a [rows, C] kernel: a [rows, C] tensor, an f32 [rows] statistic, a whole [C] parameter. */
  const full = (s: GpuStorage, C: number, dtype: DType, mode: RowOperand['mode'] = 'read'): RowOperand => rowsOf(s, C, dtype, mode, 'a [rows, C] operand');
  const stat = (s: GpuStorage, mode: RowOperand['mode'] = 'read', dtype: DType = 'f32'): RowOperand => rowsOf(s, 1, dtype, mode, 'a per-row statistic');
  const whole = wholeOf;

  /**
   * dw (and db) of a norm: column sums over rows of dy * xhat (and dy), in row blocks then a
   * fixed-order pass over the blocks (norm_params.wgsl). Returns [C] storages of dtype. When a
   * [rows, C] operand exceeds the binding limit: per window of whole blocks, the blocks' partial
   * sums and their f32 total; the windows' totals added in order (normParamsInWindows).
   */
  function normParams(
    kind: 'layer' | 'rms', dy: GpuStorage, x: GpuStorage, mean: GpuStorage | null,
    rstd: GpuStorage, rows: number, C: number, dtype: DType, withB: boolean,
  ): { dw: GpuStorage; db: GpuStorage | null } {
    if (rows === 0 || C === 0) return { dw: zeros(C, dtype), db: withB ? zeros(C, dtype) : null };
    let nBlocks: number;
    if (fusedVariants.normParamRowsPerBlock > 0) nBlocks = Math.ceil(rows / fusedVariants.normParamRowsPerBlock);
    else if (ctx.software) nBlocks = Math.max(1, Math.min(Math.ceil(rows / 256), Math.ceil((rows * C) / (1 << 20))));
    else nBlocks = Math.max(1, Math.min(Math.ceil(rows / 32), Math.ceil(65536 / C)));
    const rpb = Math.ceil(rows / nBlocks);
    nBlocks = Math.ceil(rows / rpb);
    const rowOperands = [full(dy, C, dtype), full(x, C, dtype), ...(mean ? [stat(mean)] : []), stat(rstd)];
    if (rowOperands.some((o) => isLarge(ctx, o.s))) return normParamsInWindows(kind, rowOperands, rows, C, dtype, withB, rpb);
    const direct = nBlocks === 1;
    const partType: DType = direct ? dtype : 'f32';
    const pw = out(nBlocks * C, partType);
    const pb = withB ? out(nBlocks * C, partType) : null;
    runNormPartial(kind, rowOperands.map((o) => bind(o.s)), pw, pb, rows, C, rpb, nBlocks, dtype, partType);
    if (direct) return { dw: pw, db: pb };
    const dw = out(C, dtype);
    const db = pb ? out(C, dtype) : null;
    runNormFinalize(kind, pw, pb, dw, db, rows, C, rpb, nBlocks, dtype);
    ctx.pool.release(pw); // reusable by later kernel outputs only (pool.ts)
    if (pb) ctx.pool.release(pb);
    return { dw, db };
  }

  const normSubs = (kind: 'layer' | 'rms', dtype: DType, partType: DType) =>
    ({ ELEM: dtype, PART: partType, XHAT: kind === 'layer' ? 'xhat_layer' : 'xhat_rms' });

  /** The partial pass of norm_params.wgsl: rows in blocks of rpb into pw (and pb) [nBlocks, C]. */
  function runNormPartial(
    kind: 'layer' | 'rms', rowBindings: GPUBufferBinding[], pw: GpuStorage, pb: GpuStorage | null,
    rows: number, C: number, rpb: number, nBlocks: number, dtype: DType, partType: DType,
  ): void {
    const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read'], [2, 'read']];
    if (kind === 'layer') bindings.push([3, 'read']);
    bindings.push([4, 'read'], [5, 'write']);
    if (pb) bindings.push([6, 'write']);
    run(
      { file: 'norm_params', entry: pb ? 'partial_wb' : 'partial_w', subs: normSubs(kind, dtype, partType), f16: dtype === 'f16', overrides: { WG: SEQ_WG }, bindings },
      [rows, C, rpb, nBlocks], [...rowBindings, bind(pw), ...(pb ? [bind(pb)] : [])], grid1d(nBlocks * C, SEQ_WG, ctx.maxPerDim),
    );
  }

  /** The finalize pass: dw (and db) [C] of dtype = the f32 partials summed over blocks in order. */
  function runNormFinalize(
    kind: 'layer' | 'rms', pw: GpuStorage, pb: GpuStorage | null, dw: GpuStorage, db: GpuStorage | null,
    rows: number, C: number, rpb: number, nBlocks: number, dtype: DType,
  ): void {
    run(
      {
        file: 'norm_params', entry: pb ? 'finalize_wb' : 'finalize_w', subs: normSubs(kind, dtype, 'f32'), f16: dtype === 'f16', overrides: { WG: SEQ_WG },
        bindings: pb ? [U, [7, 'read'], [8, 'read'], [9, 'write'], [10, 'write']] : [U, [7, 'read'], [9, 'write']],
      },
      [rows, C, rpb, nBlocks],
      pb ? [bind(pw), bind(pb), bind(dw), bind(db!)] : [bind(pw), bind(dw)],
      grid1d(C, SEQ_WG, ctx.maxPerDim),
    );
  }

  /**
   * normParams over operands above the binding limit: windows of whole blocks of rows; in each,
   * the blocks' f32 partials and their f32 total over the window; the totals added in window
   * order, then stored in dtype. Deterministic; sums regrouped by window (equal within rounding).
   */
  function normParamsInWindows(
    kind: 'layer' | 'rms', rowOperands: RowOperand[], rows: number, C: number, dtype: DType, withB: boolean, rpbWanted: number,
  ): { dw: GpuStorage; db: GpuStorage | null } {
    const op = kind === 'layer' ? 'layerNormBackward' : 'rmsNormBackward';
    const shape = () => `[${rows}, ${C}]`;
    let windowRows = chunkRows(ctx, op, shape, rows, rowOperands);
    const blocksFit = Math.floor(windowBudget(ctx) / (4 * C)); // f32 partial rows in one binding
    if (blocksFit < 1) throw tooLarge(ctx, op, `over ${shape()}, a row of ${C} f32 partial sums is not split into windows`);
    const rpb = Math.max(Math.min(rpbWanted, windowRows), Math.ceil(windowRows / blocksFit));
    windowRows -= windowRows % rpb;
    let accW: GpuStorage | null = null, accB: GpuStorage | null = null;
    const add = (acc: GpuStorage | null, t: GpuStorage): GpuStorage => {
      if (!acc) return t;
      const sum = out(C, 'f32');
      binaryFlat(ctx, 'add', bind(acc), bind(t), bind(sum), C, 'f32');
      ctx.pool.release(acc); // reusable by later kernel outputs only (pool.ts)
      ctx.pool.release(t);
      return sum;
    };
    forRowChunks(ctx, op, shape, rows, rowOperands, (_r0, rc, bs) => {
      const nb = Math.ceil(rc / rpb);
      const pw = out(nb * C, 'f32'), pb = withB ? out(nb * C, 'f32') : null;
      runNormPartial(kind, bs, pw, pb, rc, C, rpb, nb, dtype, 'f32');
      const tw = out(C, 'f32'), tb = pb ? out(C, 'f32') : null;
      runNormFinalize(kind, pw, pb, tw, tb, rc, C, rpb, nb, 'f32');
      ctx.pool.release(pw);
      if (pb) ctx.pool.release(pb);
      accW = add(accW, tw);
      if (tb) accB = add(accB, tb);
    }, windowRows);
    const asDtype = (t: GpuStorage | null): GpuStorage | null => {
      if (!t || dtype === 'f32') return t;
      const o = out(C, dtype);
      run({ file: 'cast', subs: { IN: 'f32', OUT: dtype, VIA: 'f32' }, f16: true, bindings: [U, [1, 'read'], [2, 'write']] }, [C, 0, 0, 0], [bind(t), bind(o)], grid1d(C, 256, ctx.maxPerDim));
      ctx.pool.release(t);
      return o;
    };
    return { dw: asDtype(accW)!, db: asDtype(accB) };
  }

  return {
    layerNormForward({ x, w, b, rows, C, eps, dtype }) {
      ctx.check();
      checkFloat(dtype, 'layerNormForward');
      const n = rows * C;
      need(x, n, dtype, 'layerNorm x');
      if (w) need(w, C, dtype, 'layerNorm w');
      if (b) need(b, C, dtype, 'layerNorm b');
      const y = out(n, dtype), mean = out(rows, 'f32'), rstd = out(rows, 'f32');
      if (n === 0) return { y, mean, rstd };
      const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
      const ops = [full(x, C, dtype)];
      if (w) { bindings.push([2, 'read']); ops.push(whole(w, C, dtype, 'w')); }
      if (b) { bindings.push([3, 'read']); ops.push(whole(b, C, dtype, 'b')); }
      bindings.push([4, 'write'], [5, 'write'], [6, 'write']);
      ops.push(full(y, C, dtype, 'write'), stat(mean, 'write'), stat(rstd, 'write'));
      runRows(
        'layerNormForward',
        { file: 'layer_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: w ? 'w_at' : 'w_one', B_AT: b ? 'b_at' : 'b_zero' }, f16: dtype === 'f16', bindings },
        'fwd', rows, C, ops, (rc) => [rc, C, f32Bits(eps), 0],
      );
      return { y, mean, rstd };
    },

    layerNormBackward({ dy, x, w, mean, rstd, rows, C, dtype, needDw, needDb }) {
      ctx.check();
      checkFloat(dtype, 'layerNormBackward');
      const n = rows * C;
      need(dy, n, dtype, 'layerNormBackward dy');
      need(x, n, dtype, 'layerNormBackward x');
      if (w) need(w, C, dtype, 'layerNormBackward w');
      need(mean, rows, 'f32', 'layerNormBackward mean');
      need(rstd, rows, 'f32', 'layerNormBackward rstd');
      const dx = out(n, dtype);
      if (n > 0) {
        const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
        const ops = [full(x, C, dtype)];
        if (w) { bindings.push([2, 'read']); ops.push(whole(w, C, dtype, 'w')); }
        bindings.push([7, 'read'], [8, 'write'], [9, 'read'], [10, 'read']);
        ops.push(full(dy, C, dtype), full(dx, C, dtype, 'write'), stat(mean), stat(rstd));
        runRows(
          'layerNormBackward',
          { file: 'layer_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: w ? 'w_at' : 'w_one', B_AT: 'b_zero' }, f16: dtype === 'f16', bindings },
          'bwd', rows, C, ops, (rc) => [rc, C, 0, 0],
        );
      }
      if (!needDw && !needDb) return { dx, dw: null, db: null };
      const p = normParams('layer', dy, x, mean, rstd, rows, C, dtype, needDb);
      let dw: GpuStorage | null = p.dw;
      if (!needDw) { ctx.pool.release(p.dw); dw = null; }
      return { dx, dw, db: p.db };
    },

    rmsNormForward({ x, w, rows, C, eps, dtype }) {
      ctx.check();
      checkFloat(dtype, 'rmsNormForward');
      const n = rows * C;
      need(x, n, dtype, 'rmsNorm x');
      if (w) need(w, C, dtype, 'rmsNorm w');
      const y = out(n, dtype), rstd = out(rows, 'f32');
      if (n === 0) return { y, rstd };
      const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
      const ops = [full(x, C, dtype)];
      if (w) { bindings.push([2, 'read']); ops.push(whole(w, C, dtype, 'w')); }
      bindings.push([4, 'write'], [6, 'write']);
      ops.push(full(y, C, dtype, 'write'), stat(rstd, 'write'));
      runRows(
        'rmsNormForward',
        { file: 'rms_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: w ? 'w_at' : 'w_one' }, f16: dtype === 'f16', bindings },
        'fwd', rows, C, ops, (rc) => [rc, C, f32Bits(eps), 0],
      );
      return { y, rstd };
    },

    rmsNormBackward({ dy, x, w, rstd, rows, C, dtype, needDw }) {
      ctx.check();
      checkFloat(dtype, 'rmsNormBackward');
      const n = rows * C;
      need(dy, n, dtype, 'rmsNormBackward dy');
      need(x, n, dtype, 'rmsNormBackward x');
      if (w) need(w, C, dtype, 'rmsNormBackward w');
      need(rstd, rows, 'f32', 'rmsNormBackward rstd');
      const dx = out(n, dtype);
      if (n > 0) {
        const bindings: (readonly [number, BindingKind])[] = [U, [1, 'read']];
        const ops = [full(x, C, dtype)];
        if (w) { bindings.push([2, 'read']); ops.push(whole(w, C, dtype, 'w')); }
        bindings.push([7, 'read'], [8, 'write'], [10, 'read']);
        ops.push(full(dy, C, dtype), full(dx, C, dtype, 'write'), stat(rstd));
        runRows(
          'rmsNormBackward',
          { file: 'rms_norm', include: NORM_INCLUDE, subs: { ELEM: dtype, W_AT: w ? 'w_at' : 'w_one' }, f16: dtype === 'f16', bindings },
          'bwd', rows, C, ops, (rc) => [rc, C, 0, 0],
        );
      }
      if (!needDw) return { dx, dw: null };
      return { dx, dw: normParams('rms', dy, x, null, rstd, rows, C, dtype, false).dw };
    },

    swigluForward(g, l, n, dtype) {
      ctx.check();
      checkFloat(dtype, 'swigluForward');
      need(g, n, dtype, 'swiglu gate');
      need(l, n, dtype, 'swiglu linear');
      const h = out(n, dtype);
      if (n === 0) return h;
      const spec: KernelSpec = { file: 'swiglu', entry: 'fwd', subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: 256 }, bindings: [U, [1, 'read'], [2, 'read'], [3, 'write']] };
      forRowChunks(ctx, 'swigluForward', () => `[${n}]`, n, [full(g, 1, dtype), full(l, 1, dtype), full(h, 1, dtype, 'write')], (_r0, rc, buffers) => {
        run(spec, [rc, 0, 0, 0], buffers, grid1d(rc, 256, ctx.maxPerDim));
      });
      return h;
    },

    swigluBackward(g, l, dh, n, dtype) {
      ctx.check();
      checkFloat(dtype, 'swigluBackward');
      need(g, n, dtype, 'swiglu gate');
      need(l, n, dtype, 'swiglu linear');
      need(dh, n, dtype, 'swiglu dh');
      const dg = out(n, dtype), dl = out(n, dtype);
      if (n === 0) return { dg, dl };
      const spec: KernelSpec = {
        file: 'swiglu', entry: 'bwd', subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: 256 },
        bindings: [U, [1, 'read'], [2, 'read'], [4, 'read'], [5, 'write'], [6, 'write']],
      };
      const ops = [full(g, 1, dtype), full(l, 1, dtype), full(dh, 1, dtype), full(dg, 1, dtype, 'write'), full(dl, 1, dtype, 'write')];
      forRowChunks(ctx, 'swigluBackward', () => `[${n}]`, n, ops, (_r0, rc, buffers) => {
        run(spec, [rc, 0, 0, 0], buffers, grid1d(rc, 256, ctx.maxPerDim));
      });
      return { dg, dl };
    },

    rope({ x, cos, sin, rows, T, heads, dHead, dtype, inverse }) {
      ctx.check();
      checkFloat(dtype, 'rope');
      if (dHead % 2 !== 0) throw new Error(`${ERR} rope: head size ${dHead} is odd`);
      const C = heads * dHead, half = dHead / 2, n = rows * C;
      need(x, n, dtype, 'rope x');
      need(cos, T * half, dtype, 'rope cos');
      need(sin, T * half, dtype, 'rope sin');
      const y = out(n, dtype);
      if (n === 0) return y;
      const spec: KernelSpec = { file: 'rope', subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: 256 }, bindings: [U, [1, 'read'], [2, 'read'], [3, 'read'], [4, 'write']] };
      const operands = [full(x, C, dtype), whole(cos, T * half, dtype, 'a rope table'), whole(sin, T * half, dtype, 'a rope table'), full(y, C, dtype, 'write')];
      forRowChunks(ctx, 'rope', () => `[${rows}, ${C}]`, rows, operands, (r0, rc, buffers) => {
        const pairs = (rc * C) / 2;
        run(spec, [pairs, half, C / 2, T, r0, f32Bits(inverse ? -1 : 1), 0, 0], buffers, grid1d(pairs, 256, ctx.maxPerDim));
      });
      return y;
    },

    softmaxForward(x, rows, C, dtype) {
      ctx.check();
      checkFloat(dtype, 'softmaxForward');
      const n = rows * C;
      need(x, n, dtype, 'softmax x');
      const y = out(n, dtype);
      if (n === 0) return y;
      runRows(
        'softmaxForward',
        { file: 'softmax', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'write']] },
        'fwd', rows, C, [full(x, C, dtype), full(y, C, dtype, 'write')], (rc) => [rc, C, 0, 0],
      );
      return y;
    },

    softmaxBackward(y, dy, rows, C, dtype) {
      ctx.check();
      checkFloat(dtype, 'softmaxBackward');
      const n = rows * C;
      need(y, n, dtype, 'softmaxBackward y');
      need(dy, n, dtype, 'softmaxBackward dy');
      const dx = out(n, dtype);
      if (n === 0) return dx;
      runRows(
        'softmaxBackward',
        { file: 'softmax', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype }, f16: dtype === 'f16', bindings: [U, [3, 'read'], [4, 'read'], [5, 'write']] },
        'bwd', rows, C, [full(y, C, dtype), full(dy, C, dtype), full(dx, C, dtype, 'write')], (rc) => [rc, C, 0, 0],
      );
      return dx;
    },

    softmaxCrossEntropyForward({ logits, targets, N, V, ignoreIndex, dtype }) {
      ctx.check();
      checkFloat(dtype, 'softmaxCrossEntropyForward');
      need(logits, N * V, dtype, 'crossEntropy logits');
      need(targets, N, 'i32', 'crossEntropy targets');
      const loss = out(N, dtype), lse = out(N, 'f32');
      if (N === 0) return { loss, lse };
      if (V === 0) throw new Error(`${ERR} crossEntropy over 0 classes`);
      runRows(
        'softmaxCrossEntropyForward',
        { file: 'cross_entropy', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype, GL: 'g_row' }, f16: dtype === 'f16', bindings: [U, [1, 'read'], [2, 'read'], [3, 'write'], [4, 'write']] },
        'fwd', N, V, [full(logits, V, dtype), stat(targets, 'read', 'i32'), stat(loss, 'write', dtype), stat(lse, 'write')],
        (rc) => [rc, V, ignoreIndex | 0, 0],
      );
      return { loss, lse };
    },

    softmaxCrossEntropyBackward({ logits, targets, lse, gLoss, N, V, ignoreIndex, dtype, gMean }) {
      ctx.check();
      checkFloat(dtype, 'softmaxCrossEntropyBackward');
      need(logits, N * V, dtype, 'crossEntropy backward logits');
      need(targets, N, 'i32', 'crossEntropy backward targets');
      need(lse, N, 'f32', 'crossEntropy backward lse');
      need(gLoss, gMean ? 1 : N, dtype, 'crossEntropy backward gLoss');
      if (gMean) need(gMean, 1, 'f32', 'crossEntropy backward gMean');
      const d = out(N * V, dtype);
      if (N * V === 0) return d;
      const wg = ctx.software ? SEQ_WG : rowWG(V);
      // With gMean every row's gradient is gLoss[0] * gMean[0]: both bound whole in every window.
      const gOps = gMean ? [whole(gLoss, 1, dtype, 'gLoss'), whole(gMean, 1, 'f32', 'gMean')] : [stat(gLoss, 'read', dtype)];
      const ops = [full(logits, V, dtype), stat(targets, 'read', 'i32'), stat(lse), ...gOps.slice(0, 1), full(d, V, dtype, 'write'), ...gOps.slice(1)];
      forRowChunks(ctx, 'softmaxCrossEntropyBackward', () => `[${N}, ${V}]`, N, ops, (_r0, rc, bs) => run(
        {
          file: 'cross_entropy', entry: 'bwd', include: SOFTMAX_INCLUDE, subs: { ELEM: dtype, GL: gMean ? 'g_mean' : 'g_row' }, f16: dtype === 'f16', overrides: { WG: wg },
          bindings: [U, [1, 'read'], [2, 'read'], [5, 'read'], [6, 'read'], [7, 'write'], ...(gMean ? [[8, 'read'] as const] : [])],
        },
        [rc, V, ignoreIndex | 0, 0],
        bs,
        gridGroups(rc, ctx.maxPerDim),
      ));
      return d;
    },

    lossMean({ loss, targets, N, ignoreIndex, dtype }) {
      ctx.check();
      checkFloat(dtype, 'lossMean');
      need(loss, N, dtype, 'lossMean loss');
      need(targets, N, 'i32', 'lossMean targets');
      const mean = out(1, dtype), invCount = out(1, 'f32');
      run(
        { file: 'loss_mean', include: ['row_reduce'], subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: SEQ_WG }, bindings: [U, [1, 'read'], [2, 'read'], [3, 'write'], [4, 'write']] },
        [N, ignoreIndex | 0, 0, 0],
        [bind(loss), bind(targets), bind(mean), bind(invCount)],
        [1, 1, 1],
      );
      return { mean, invCount };
    },

    adamwStep({ param, grad, m, v, n, dtype, hyper, gradScale }) {
      ctx.check();
      checkFloat(dtype, 'adamwStep');
      need(param, n, dtype, 'adamwStep param');
      need(grad, n, dtype, 'adamwStep grad');
      need(m, n, dtype, 'adamwStep m');
      need(v, n, dtype, 'adamwStep v');
      if (gradScale) need(gradScale, 1, 'f32', 'adamwStep gradScale');
      const problem = aliasingProblem([param, m, v], gradScale ? [grad, gradScale] : [grad]);
      if (problem) throw new Error(`${ERR} adamwStep: param, grad, m and v must be four different storages (${problem})`);
      if (n === 0) return;
      // In windows of elements when a storage exceeds the binding limit (windows.ts).
      const rw = (s: GpuStorage): RowOperand => rowsOf(s, 1, dtype, 'readwrite');
      const ops = [rw(param), rowsOf(grad, 1, dtype), rw(m), rw(v), ...(gradScale ? [whole(gradScale, 1, 'f32', 'gradScale')] : [])];
      const spec = adamwSpec(dtype, !!gradScale, false);
      forRowChunks(ctx, 'adamwStep', () => `[${n}]`, n, ops, (_e0, rc, bs) => run(spec, adamwUniform(rc, hyper), bs, grid1d(rc, ADAMW_WG, ctx.maxPerDim)));
    },

    sumSquares(xs, sizes, dtype) {
      ctx.check();
      checkFloat(dtype, 'sumSquares');
      if (xs.length !== sizes.length) throw new Error(`${ERR} sumSquares: ${xs.length} tensors but ${sizes.length} sizes`);
      xs.forEach((x, t) => need(x, sizes[t]!, dtype, `sumSquares tensor ${t}`));
      // Tensors above the binding limit are summed in windows ("pieces"), P per tensor (pieces past
      // a tensor's end are empty), then each tensor's P pieces are added in order (reduce_seq).
      const piece = Math.max(1, Math.floor(windowBudget(ctx) / 256) * (256 / dtypeBytes(dtype)));
      const P = xs.some((x) => isLarge(ctx, x)) ? Math.max(...sizes.map((n) => Math.ceil(n / piece))) : 1;
      const pieces = xs.flatMap((s, t) => Array.from({ length: P }, (_, p) => {
        const e0 = Math.min(p * piece, sizes[t]!);
        return { s, e0, n: P === 1 ? sizes[t]! : Math.min(piece, sizes[t]! - e0) };
      }));
      const o = out(Math.max(1, pieces.length), 'f32');
      // SUM_SQUARES_SLOTS pieces per dispatch (one workgroup each); unused slots repeat the first with size 0.
      for (let base = 0; base < pieces.length; base += SUM_SQUARES_SLOTS) {
        const count = Math.min(SUM_SQUARES_SLOTS, pieces.length - base);
        const n = Array.from({ length: 8 }, (_, i) => (i < count ? pieces[base + i]!.n : 0));
        const slices = pieces.slice(base, base + count).map((p): Slice => {
          if (P === 1) return { binding: bind(p.s), finish: () => {} };
          // An empty piece reads nothing: any small window of its tensor serves as its binding.
          if (p.n === 0) return { binding: { buffer: p.s.buffer, offset: p.s.offset, size: 4 }, finish: () => {} };
          return readSlice(ctx, p.s, p.e0, p.n, dtype);
        });
        const slots = Array.from({ length: SUM_SQUARES_SLOTS }, (_, i) => slices[Math.min(i, count - 1)]!.binding);
        run(
          {
            file: 'sum_squares', include: ['row_reduce'], subs: { ELEM: dtype }, f16: dtype === 'f16', overrides: { WG: SUM_SQUARES_WG },
            bindings: [U, [1, 'read'], [2, 'read'], [3, 'read'], [4, 'read'], [5, 'read'], [6, 'read'], [7, 'write']],
          },
          [base, count, 0, 0, ...n],
          [...slots, bind(o)],
          [count, 1, 1],
        );
        for (const sl of slices) sl.finish();
      }
      if (P === 1) return o;
      const r = out(xs.length, 'f32');
      run(
        {
          file: 'reduce', entry: 'reduce_seq', subs: { ELEM: 'f32', CT: 'f32', OP: 'red_sum', IDENT: 'ident_zero' }, overrides: { WG: 256 },
          bindings: [U, [1, 'read'], [2, 'write']],
        },
        [xs.length, P, 1, xs.length],
        [bind(o), bind(r)],
        grid1d(xs.length, 256, ctx.maxPerDim),
      );
      ctx.pool.release(o); // reusable by later kernel outputs only (pool.ts)
      return r;
    },

    clipScale(sumsOfSquares, n, maxNorm) {
      ctx.check();
      need(sumsOfSquares, n, 'f32', 'clipScale squared norms');
      const norm = out(1, 'f32'), scale = out(1, 'f32');
      run(
        { file: 'clip_scale', subs: {}, bindings: [U, [1, 'read'], [2, 'write'], [3, 'write']] },
        [n, f32Bits(maxNorm), 0, 0],
        [bind(sumsOfSquares), bind(norm), bind(scale)],
        [1, 1, 1],
      );
      return { norm, scale };
    },
  };
}
