/**
 * Packed parameters: AdamW's parameters on a backend that offers parameter arenas (WebGPU,
 * src/backend/webgpu/param-arena.ts), grouped by dtype, each group living in ONE buffer, with its
 * moments m and v and a gradient copy in three more buffers of the same layout. A step is then one
 * AdamW dispatch for the whole group, and the gradient norm of a clip one sum-of-squares dispatch.
 *
 * Tensor identity is kept: a parameter tensor is re-pointed (through `assign`) at a window of the
 * arena, so forward passes, checkpoints, hooks and `dispose` see an ordinary tensor. The group
 * re-syncs a slot whenever its tensor no longer sits in its window (after `assign`, a checkpoint
 * load, `loadState`): the current values are copied in and the tensor is re-pointed. A window that
 * another tensor shares (a `detach()` or reshape of the parameter) is unshared first, so an
 * in-place update never shows through another tensor. Windows are freed like any storage; the
 * arena's buffers go back to the pool when their last window goes (the gradient buffer with the
 * parameter buffer, or at `release`).
 */
import type { Backend, DType } from '../backend/backend.js';
import type { AdamWHyper } from '../backend/fused.js';
import type { GpuStorage, ParamArena } from '../backend/webgpu/webgpu-backend.js';
import { keep } from '../memory/scope.js';
import { Tensor } from '../tensor.js';

/** A backend that can pack parameters (the WebGPU backend). */
interface ArenaBackend extends Backend<GpuStorage> {
  planParamArenas(sizes: readonly number[], dtype: DType): number[][];
  createParamArena(sizes: readonly number[], dtype: DType): ParamArena;
}

function canPack(be: Backend<any>): be is ArenaBackend {
  return typeof (be as Partial<ArenaBackend>).createParamArena === 'function';
}

/** The group each packed parameter belongs to (the latest optimizer to pack it). */
const groupOf = new WeakMap<Tensor, PackedParams>();

/** Throws unless p's gradient matches it (dtype, size and backend). */
export function checkGrad(p: Tensor): void {
  const g = p.grad;
  if (g && (g.dtype !== p.dtype || g.size !== p.size)) {
    throw new Error(`storygrad: AdamW: gradient ${g.describe()} does not match parameter ${p.describe()}`);
  }
  if (g && g.backend !== p.backend) {
    throw new Error(`storygrad: AdamW: the gradient of ${p.describe()} lives on another backend (${g.backend.name}) than the parameter (${p.backend.name})`);
  }
}

/**
 * Splits parameters into packed groups (a backend with arenas, f32 or f16; one group per backend,
 * dtype, weight decay or none (`noDecay`), and arena that fits in a buffer) and the rest, which
 * keep the per-parameter path. A tensor listed twice is packed once; its repeats stay on the
 * per-parameter path.
 */
export function packParams(params: readonly Tensor[], noDecay: ReadonlySet<Tensor> = new Set()): { groups: PackedParams[]; rest: Tensor[] } {
  const byKey = new Map<string, { be: ArenaBackend; dtype: DType; decays: boolean; ps: Tensor[] }>();
  const backendIds = new Map<Backend<any>, number>();
  const rest: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const p of params) {
    const be = p.backend;
    if (!canPack(be) || (p.dtype !== 'f32' && p.dtype !== 'f16') || seen.has(p)) {
      rest.push(p);
      continue;
    }
    seen.add(p);
    if (!backendIds.has(be)) backendIds.set(be, backendIds.size);
    const decays = !noDecay.has(p);
    const key = `${backendIds.get(be)}:${p.dtype}:${decays}`;
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { be, dtype: p.dtype, decays, ps: [] }));
    e.ps.push(p);
  }
  const groups: PackedParams[] = [];
  for (const { be, dtype, decays, ps } of byKey.values()) {
    for (const run of be.planParamArenas(ps.map((p) => p.size), dtype)) groups.push(new PackedParams(be, run.map((i) => ps[i]!), dtype, decays));
  }
  return { groups, rest };
}

/** Parameters of one dtype packed into one arena (see the file header). */
export class PackedParams {
  private readonly arena: ParamArena;
  /** The window storage each parameter was last pointed at. */
  private readonly pWin: (GpuStorage | null)[];
  /** The moment tensors over the m and v windows. */
  private readonly mWin: (Tensor | null)[];
  private readonly vWin: (Tensor | null)[];

  /** `decays`: whether the optimizer applies its weight decay to this group (see `packParams`). */
  constructor(private readonly be: ArenaBackend, readonly params: readonly Tensor[], readonly dtype: DType, readonly decays = true) {
    this.arena = be.createParamArena(params.map((p) => p.size), dtype);
    this.pWin = params.map(() => null);
    this.mWin = params.map(() => null);
    this.vWin = params.map(() => null);
    params.forEach((p, i) => {
      this.syncParam(i);
      groupOf.set(p, this);
    });
  }

  /** Which parameters have a gradient (checked against the parameter). */
  private has(): boolean[] {
    return this.params.map((p) => {
      checkGrad(p);
      return !!p.grad;
    });
  }

  /** A fresh storage with t's contents (a same-dtype cast is a plain copy). */
  private copyOf(t: Tensor): GpuStorage {
    return this.be.kernels.cast(t.storage as GpuStorage, t.size, t.dtype, t.dtype);
  }

  /** Points parameter i at its window, copying its current values in, unless it is there already. */
  private syncParam(i: number): void {
    const p = this.params[i]!;
    const s = p.storage as GpuStorage;
    if (s === this.pWin[i]) {
      if (p.sharesStorage) p.unshareStorage(this.copyOf(p));
      return;
    }
    const w = this.arena.window('param', i);
    this.arena.copyInto('param', i, s);
    const t = Tensor.fromStorage(this.be, w, p.shape, p.dtype);
    p.assign(t);
    t.dispose();
    this.pWin[i] = w;
  }

  /**
   * Makes `map`'s moment of parameter i the tensor over its window: the tensor given before
   * (`loadState`) is copied in and disposed; none means zeros.
   */
  private syncMoment(part: 'm' | 'v', map: Map<Tensor, Tensor>, i: number): void {
    const p = this.params[i]!;
    const wins = part === 'm' ? this.mWin : this.vWin;
    const cur = map.get(p);
    if (cur && cur === wins[i] && !cur.isDisposed) {
      if (cur.sharesStorage) cur.unshareStorage(this.copyOf(cur));
      return;
    }
    const w = keep(Tensor.fromStorage(this.be, this.arena.window(part, i), p.shape, p.dtype));
    if (cur) {
      this.arena.copyInto(part, i, cur.storage as GpuStorage);
      cur.dispose();
    } else {
      this.arena.zero(part, i);
    }
    map.set(p, w);
    wins[i] = w;
  }

  /**
   * The partial sums of squares of the gradients (f32 [k]; their sum is the squared norm), the
   * gradients copied into the arena on the way (the next `step` reuses the copies). Null when no
   * parameter of the group has a gradient.
   */
  sumSquares(): Tensor | null {
    const has = this.has();
    if (!has.some(Boolean)) return null;
    this.arena.gatherGrads(this.params.map((p) => (p.grad ? (p.grad.storage as GpuStorage) : null)));
    const { storage, length } = this.arena.sumSquares(has);
    return Tensor.fromStorage(this.be, storage, [length], 'f32');
  }

  /**
   * One AdamW step of every parameter with a gradient (one dispatch; parameters without a gradient
   * and their moments are left untouched). `m` and `v` map parameters to their moment tensors.
   */
  step(hyper: AdamWHyper, gradScale: Tensor | null, m: Map<Tensor, Tensor>, v: Map<Tensor, Tensor>): void {
    const has = this.has();
    if (!has.some(Boolean)) return;
    if (gradScale && gradScale.backend !== this.be) throw new Error('storygrad: AdamW.step: gradScale lives on another backend than the parameters');
    has.forEach((h, i) => {
      if (!h) return;
      this.syncParam(i);
      this.syncMoment('m', m, i);
      this.syncMoment('v', v, i);
    });
    this.arena.gatherGrads(this.params.map((p) => (p.grad ? (p.grad.storage as GpuStorage) : null)));
    this.arena.adamw(hyper, has, gradScale ? (gradScale.storage as GpuStorage) : null);
  }

  /** Frees the gradient buffer and tables and forgets the group (parameters and moments stay valid). */
  release(): void {
    for (const p of this.params) if (groupOf.get(p) === this) groupOf.delete(p);
    this.arena.release();
  }
}

/**
 * Squared-norm parts of the gradients of `params` through their arenas: one part (an f32 vector
 * of partial sums of squares, in the caller's scope) per packed group all of whose parameters
 * with a gradient are in `params`; the parameters left over go through the per-tensor path.
 */
export function arenaNormParts(params: readonly Tensor[]): { parts: Tensor[]; rest: Tensor[] } {
  const listed = new Set(params);
  const groups = new Set<PackedParams>();
  for (const p of params) {
    const g = groupOf.get(p);
    if (g) groups.add(g);
  }
  const covered = new Set<Tensor>();
  const parts: Tensor[] = [];
  for (const g of groups) {
    const withGrad = g.params.filter((p) => !p.isDisposed && p.grad);
    if (!withGrad.every((p) => listed.has(p) && p.grad!.dtype === p.dtype && p.grad!.size === p.size && p.grad!.backend === p.backend)) continue;
    const partials = g.sumSquares();
    if (!partials) continue;
    parts.push(partials);
    for (const p of withGrad) covered.add(p);
  }
  return { parts, rest: params.filter((p) => !covered.has(p)) };
}
