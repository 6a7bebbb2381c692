/**
 * Parameter arenas: the parameters of an optimizer (one dtype), their AdamW moments m and v, and a
 * copy of their gradients, each packed into ONE buffer with the same layout, so that one AdamW
 * dispatch and one sum-of-squares dispatch cover them all (src/optim/packed-params.ts packs the
 * tensors; this file owns the buffers, copies and dispatches).
 *
 * Layout: slot i (a parameter of n_i elements) starts at a block boundary, a block being BLOCK
 * elements (1 KiB in f32, 512 B in f16: a multiple of minStorageBufferOffsetAlignment, which is at
 * most 256), and spans ceil(n_i / BLOCK) blocks. A table of valid lengths per block (valid[b] =
 * elements of b that belong to a parameter with a gradient this step) masks the padding after
 * each slot and the slots without a gradient: the kernels never read or write them, so padding
 * stays exactly 0 (copies write exactly n_i elements). Tables are cached per gradient pattern.
 *
 * Windows of the param, m and v buffers are the storages of the parameter and moment tensors
 * (arena-buffer.ts: a buffer lives while one of its windows does). The gradient buffer has no
 * windows: the arena holds it and frees it with the tables in `release()`, or when the param
 * buffer is freed (all parameter tensors disposed or re-pointed).
 *
 * Gradients are copied in with `copyBufferToBuffer` recorded in the step's command encoder (a
 * copy kernel only for an odd f16 length, which a buffer copy cannot write exactly; a source in
 * the destination buffer goes through a temporary copy, since neither a buffer copy nor a dispatch
 * may read and write one buffer). An arena larger than maxStorageBufferBindingSize is processed in
 * windows that fit, one dispatch each.
 */
import type { DType, Kernels } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import type { AdamWHyper } from '../fused.js';
import { ArenaBuffer } from './arena-buffer.js';
import { grid1d } from './batcher.js';
import { needBinding, outputStorage, runKernel } from './dispatch.js';
import { ERR } from './errors.js';
import { ADAMW_WG, adamwSpec, adamwUniform, sumSquaresArenaSpec } from './fused-kernels.js';
import type { KernelContext } from './kernels.js';
import { storageBinding, type GpuStorage } from './pool.js';

/** Elements per arena block (slots start at block boundaries). */
export const ARENA_BLOCK = 256;

/** Which of an arena's buffers. */
export type ArenaPart = 'param' | 'm' | 'v' | 'grad';

/** What an arena needs of the backend. */
export interface ArenaContext {
  kernel: KernelContext;
  kernels: Kernels<GpuStorage>;
  /** Uploads host data into a fresh storage (the backend's `upload`). */
  upload(data: Int32Array): GpuStorage;
  /** minStorageBufferOffsetAlignment, maxStorageBufferBindingSize, maxBufferSize. */
  limits: { align: number; maxBinding: number; maxBuffer: number };
}

/** Blocks per slot and the block byte size of a dtype. */
function blockBytes(dtype: DType): number {
  return ARENA_BLOCK * dtypeBytes(dtype);
}

/** Blocks a slot of n elements spans (at least one, so every slot has a window). */
function slotBlocks(n: number): number {
  return Math.max(1, Math.ceil(n / ARENA_BLOCK));
}

/**
 * Splits parameters of `sizes` elements (in order) into runs whose arenas fit in maxBufferSize:
 * one run, unless the parameters are larger than one buffer can be. Returns the slot indices of
 * each run.
 */
export function planArenas(sizes: readonly number[], dtype: DType, maxBuffer: number): number[][] {
  const bb = blockBytes(dtype);
  const runs: number[][] = [];
  let cur: number[] = [], bytes = 0;
  sizes.forEach((n, i) => {
    const b = slotBlocks(n) * bb;
    if (b > maxBuffer) throw new Error(`${ERR} a parameter of ${n} elements does not fit in one buffer (maxBufferSize ${maxBuffer})`);
    if (bytes + b > maxBuffer && cur.length) { runs.push(cur); cur = []; bytes = 0; }
    cur.push(i);
    bytes += b;
  });
  if (cur.length) runs.push(cur);
  return runs;
}

/** One arena: the layout, the four buffers, the valid-length tables and the gradient copies. */
export class ParamArena {
  /** Elements of each slot. */
  readonly sizes: readonly number[];
  /** First block of each slot. */
  private readonly first: number[] = [];
  /** Blocks in all. */
  readonly blocks: number;
  private readonly bb: number;
  private readonly parts: Record<ArenaPart, ArenaBuffer>;
  private readonly tables = new Map<string, GpuStorage>();
  /** The gradient storage last copied into each slot (null: none since the last step). */
  private gathered: (GpuStorage | null)[];

  constructor(private readonly ctx: ArenaContext, sizes: readonly number[], readonly dtype: DType) {
    if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`${ERR} parameter arena of dtype '${dtype}': f32 and f16 only`);
    this.sizes = sizes.slice();
    this.bb = blockBytes(dtype);
    if (this.bb % ctx.limits.align !== 0) throw new Error(`${ERR} arena blocks of ${this.bb} bytes do not meet minStorageBufferOffsetAlignment ${ctx.limits.align}`);
    let b = 0;
    for (const n of sizes) {
      this.first.push(b);
      b += slotBlocks(n);
    }
    this.blocks = b;
    this.gathered = sizes.map(() => null);
    const bytes = b * this.bb;
    if (bytes > ctx.limits.maxBuffer) throw new Error(`${ERR} a ${bytes}-byte parameter arena exceeds maxBufferSize (${ctx.limits.maxBuffer}); split it (planArenas)`);
    const { pool, batch } = ctx.kernel;
    const mk = (onFree?: () => void) => new ArenaBuffer(pool, batch, bytes, onFree);
    this.parts = { param: mk(() => this.release()), m: mk(), v: mk(), grad: mk() };
  }

  /** Bytes of each of the four buffers. */
  get bytes(): number {
    return this.blocks * this.bb;
  }

  /** Byte offset of slot i in every buffer. */
  offsetOf(i: number): number {
    return this.first[i]! * this.bb;
  }

  /** A new window storage over slot i of `part` (the buffer is allocated, zeroed, if it does not exist). */
  window(part: 'param' | 'm' | 'v', i: number): GpuStorage {
    return this.parts[part].view(this.offsetOf(i), Math.max(4, Math.ceil((this.sizes[i]! * dtypeBytes(this.dtype)) / 4) * 4));
  }

  /** Whether `part`'s buffer exists now. */
  alive(part: ArenaPart): boolean {
    return this.parts[part].alive;
  }

  /** Records a copy of slot i's n elements from `src` into `part` (exactly n: padding stays 0). */
  copyInto(part: ArenaPart, i: number, src: GpuStorage): void {
    const n = this.sizes[i]!;
    const bytes = n * dtypeBytes(this.dtype);
    if (n === 0) return;
    if (!src.live) throw new Error(`${ERR} parameter arena: copy from a storage that was freed`);
    if (bytes > src.bytes) throw new Error(`${ERR} parameter arena: a ${src.bytes}-byte storage cannot fill a slot of ${n} ${this.dtype} elements`);
    const dst = this.parts[part].buffer();
    const off = this.offsetOf(i);
    if (src.buffer === dst) {
      // Neither a buffer copy nor a kernel may read and write one buffer: go through a copy.
      const tmp = this.ctx.kernels.cast(src, n, this.dtype, this.dtype);
      this.copyInto(part, i, tmp);
      this.ctx.kernel.pool.release(tmp); // reusable by later kernel outputs only (pool.ts)
      return;
    }
    if (bytes % 4 === 0 && src.offset % 4 === 0) {
      this.ctx.kernel.batch.copy(src.buffer, src.offset, dst, off, bytes);
      return;
    }
    // An odd f16 length: a copy kernel writes exactly n elements (a transient binding of the slot,
    // no owner: never freed, used for this one dispatch).
    const slot: GpuStorage = { buffer: dst, offset: off, bytes: Math.ceil(bytes / 4) * 4, live: true };
    this.ctx.kernels.copy({ src, dst: slot, dtype: this.dtype, shape: [n], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] });
  }

  /** Records zeros over slot i of `part`. */
  zero(part: ArenaPart, i: number): void {
    this.ctx.kernel.batch.clear(this.parts[part].buffer(), this.offsetOf(i), Math.ceil((this.sizes[i]! * dtypeBytes(this.dtype)) / 4) * 4);
  }

  /**
   * Copies the gradients into the gradient buffer (null: slot without a gradient), skipping those
   * already copied since the last step (a clip before the step gathers them once for both).
   */
  gatherGrads(grads: readonly (GpuStorage | null)[]): void {
    const g = this.parts.grad;
    if (!g.alive) this.gathered.fill(null);
    g.hold();
    grads.forEach((s, i) => {
      if (s && s !== this.gathered[i]) this.copyInto('grad', i, s);
      this.gathered[i] = s;
    });
  }

  /** The valid-length table of a gradient pattern (cached; a few patterns at most). */
  private table(has: readonly boolean[]): GpuStorage {
    const key = has.map((h) => (h ? '1' : '0')).join('');
    let t = this.tables.get(key);
    if (t) return t;
    const valid = new Int32Array(this.blocks);
    this.sizes.forEach((n, i) => {
      if (!has[i]) return;
      for (let b = 0; b < slotBlocks(n); b++) valid[this.first[i]! + b] = Math.min(ARENA_BLOCK, n - b * ARENA_BLOCK);
    });
    if (this.tables.size >= 4) {
      const [oldKey, old] = this.tables.entries().next().value as [string, GpuStorage];
      this.ctx.kernel.pool.release(old); // a pending dispatch may still read it: the pool's reuse rule covers that
      this.tables.delete(oldKey);
    }
    t = this.ctx.upload(valid);
    this.tables.set(key, t);
    return t;
  }

  /** Block windows [first, first + count) that one binding can hold (aligned, at most maxBinding bytes). */
  private windows(): [number, number][] {
    const maxBinding = this.ctx.limits.maxBinding; // the backend's limit (lowered by createWebGPUBackend({ maxBindingBytes }))
    const per = Math.max(1, Math.floor(maxBinding / this.bb));
    const out: [number, number][] = [];
    for (let b = 0; b < this.blocks; b += per) out.push([b, Math.min(per, this.blocks - b)]);
    return out;
  }

  private binding(part: ArenaPart, first: number, count: number): GPUBufferBinding {
    return { buffer: this.parts[part].buffer(), offset: first * this.bb, size: count * this.bb };
  }

  /** Number of partial sums `sumSquares` returns. */
  private partials(): { perGroup: number; total: number } {
    const target = this.ctx.kernel.software ? 16 : 512;
    const perGroup = Math.max(1, Math.ceil(this.blocks / target));
    const total = this.windows().reduce((s, [, count]) => s + Math.ceil(count / perGroup), 0);
    return { perGroup, total };
  }

  /**
   * Partial sums of squares of the gathered gradients (slots where `has`), f32, in a fixed order:
   * their sum is the squared global norm. Returns the storage and its length (one dispatch per
   * binding window; one in all unless the arena exceeds maxStorageBufferBindingSize).
   */
  sumSquares(has: readonly boolean[]): { storage: GpuStorage; length: number } {
    this.ctx.kernel.check();
    const { perGroup, total } = this.partials();
    const out = outputStorage(this.ctx.kernel, total, 'f32');
    const table = storageBinding(this.table(has));
    let base = 0;
    for (const [first, count] of this.windows()) {
      const groups = Math.ceil(count / perGroup);
      runKernel(this.ctx.kernel, sumSquaresArenaSpec(this.dtype, ARENA_BLOCK), [base, perGroup, count, first, 0, 0, 0, 0, 0, 0, 0, 0],
        [this.binding('grad', first, count), storageBinding(out), table], [groups, 1, 1]);
      base += groups;
    }
    return { storage: out, length: total };
  }

  /**
   * One AdamW step over every slot where `has` (param, m and v in place, from the gathered
   * gradients): one dispatch per binding window. Forgets the gathered gradients afterwards.
   */
  adamw(hyper: AdamWHyper, has: readonly boolean[], gradScale: GpuStorage | null): void {
    this.ctx.kernel.check();
    const table = storageBinding(this.table(has));
    const gs = gradScale ? [needBinding(gradScale, 1, 'f32', 'adamw gradScale')] : [];
    for (const [first, count] of this.windows()) {
      const n = count * ARENA_BLOCK;
      runKernel(this.ctx.kernel, adamwSpec(this.dtype, !!gradScale, true, ARENA_BLOCK), adamwUniform(n, hyper, first),
        [this.binding('param', first, count), this.binding('grad', first, count), this.binding('m', first, count), this.binding('v', first, count), ...gs, table],
        grid1d(n, ADAMW_WG, this.ctx.kernel.maxPerDim));
    }
    this.gathered.fill(null);
  }

  /** Frees the gradient buffer and the tables (the param, m and v buffers live while their windows do). */
  release(): void {
    this.parts.grad.drop();
    for (const t of this.tables.values()) this.ctx.kernel.pool.release(t);
    this.tables.clear();
    this.gathered.fill(null);
  }
}
