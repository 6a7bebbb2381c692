/**
 * Tensor: a shape, a dtype and a reference-counted backend storage (always contiguous, row-major;
 * movement ops that are not reshapes make explicit copies). Autograd state lives in `node` and
 * `grad`. Every method is sugar over a function in `ops/`.
 */
import type { Backend, DType, HostArray } from './backend/backend.js';
import type { GradNode } from './autograd/node.js';
import { StorageRef } from './memory/storage-ref.js';
import { track, untrackDisposed } from './memory/scope.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import * as el from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as mv from './ops/movement.js';
import * as mm from './ops/matmul.js';
import * as nnops from './ops/nn.js';
import * as idx from './ops/indexing.js';
import { runBackward } from './autograd/backward.js';
import { onGrad, type GradHook } from './autograd/on-grad.js';

/** Nested arrays of numbers, as returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

/** Operand of a binary op: a tensor or a scalar taking the other operand's dtype. */
export type TensorLike = Tensor | number;

const disposeSymbol: symbol = (Symbol as any).dispose ?? Symbol.for('Symbol.dispose');

/** An n-dimensional array on a backend, with optional gradient tracking. */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Whether gradients flow to this tensor. */
  requiresGrad = false;
  /** Accumulated gradient (leaf tensors), set by `backward()`. */
  grad: Tensor | null = null;
  /** Gradient node of the op that produced this tensor (null for leaves). @internal */
  node: GradNode | null = null;
  /** Optional name (parameters, hooks). */
  name?: string;
  private ref: StorageRef | null;

  /** @internal Use `sg.tensor` and the ops to make tensors. */
  constructor(ref: StorageRef, shape: Shape, dtype: DType) {
    this.ref = ref;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    track(this);
  }

  /** @internal Wraps a fresh backend storage. */
  static fromStorage(backend: Backend<any>, storage: unknown, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new StorageRef(backend, storage, sizeOf(shape), dtype), shape, dtype);
  }

  /** @internal A tensor sharing this one's storage with another shape of the same size. */
  shareAs(shape: Shape): Tensor {
    return new Tensor(this.live().retain(), shape, this.dtype);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The backend holding the data. */
  get backend(): Backend<any> {
    return this.live().backend;
  }

  /** @internal The backend storage. */
  get storage(): unknown {
    return this.live().storage;
  }

  /**
   * @internal Whether another tensor shares this one's storage (a reshape view, `detach()`, a
   * cached constant). Kernels that write in place (AdamW) give such a tensor its own copy first.
   */
  get sharesStorage(): boolean {
    return this.live().shared;
  }

  /** Whether `dispose()` was called. */
  get isDisposed(): boolean {
    return this.ref === null;
  }

  private live(): StorageRef {
    if (!this.ref) throw new Error(`storygrad: tensor ${this.describe()} was disposed and cannot be used`);
    return this.ref;
  }

  /** Short description for error messages. */
  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}${fmt(this.shape)} ${this.dtype}`;
  }

  /** Frees the storage (shared storages are freed with their last user). Idempotent. */
  dispose(): void {
    if (!this.ref) return;
    this.ref.release();
    this.ref = null;
    this.node = null;
    untrackDisposed(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Flat contents (Float32Array for f32/f16, Int32Array for i32). */
  async data(): Promise<HostArray> {
    const r = this.live();
    return r.backend.read(r.storage, this.size, this.dtype);
  }

  /** Nested array contents (a number for a scalar). */
  async toArray(): Promise<NestedArray> {
    const flat = await this.data();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return flat[offset]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`storygrad: item() needs a one-element tensor, got ${this.describe()}`);
    return (await this.data())[0]!;
  }

  /** A new leaf sharing the data, outside the gradient graph. */
  detach(): Tensor {
    return this.shareAs(this.shape);
  }

  /**
   * This tensor, with `fn` called on its gradient during `backward()` (return a replacement of
   * the same shape, or nothing); see `sg.onGrad`.
   */
  onGrad(fn: GradHook): Tensor {
    return onGrad(this, fn);
  }

  /** Marks this leaf as requiring gradients; returns this. */
  requireGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Back-propagates from this tensor. A non-scalar needs an explicit `gradient` of the same shape.
   * Leaf tensors with `requiresGrad` accumulate into `.grad`.
   */
  backward(gradient?: Tensor): void {
    runBackward(this, gradient);
  }

  /**
   * Replaces this tensor's data with `value`'s (same shape and dtype) in place, keeping identity;
   * used by optimizers. Not recorded by autograd.
   */
  assign(value: Tensor): this {
    if (value.dtype !== this.dtype || value.size !== this.size) {
      throw new Error(`storygrad: assign: cannot assign ${value.describe()} to ${this.describe()}`);
    }
    if (value.backend !== this.backend) {
      throw new Error(`storygrad: assign: ${value.describe()} lives on another backend (${value.backend.name}) than ${this.describe()}`);
    }
    const next = value.live().retain();
    this.live().release();
    this.ref = next;
    return this;
  }

  /**
   * @internal Keeps this tensor's storage to itself: the other tensors that shared it (views,
   * `detach()`) move to `copy`, a fresh storage with the same contents that they now own. For an
   * in-place writer that must keep the storage itself (a parameter arena's window, AdamW). When
   * nothing shares the storage, `copy` is freed.
   */
  unshareStorage(copy: unknown): void {
    const r = this.live();
    if (!r.shared) {
      r.backend.free(copy);
      return;
    }
    const own = new StorageRef(r.backend, r.swap(copy), r.size, r.dtype);
    r.release();
    this.ref = own;
  }

  // ---- elementwise ----
  add(o: TensorLike): Tensor { return el.add(this, o); }
  sub(o: TensorLike): Tensor { return el.sub(this, o); }
  mul(o: TensorLike): Tensor { return el.mul(this, o); }
  div(o: TensorLike): Tensor { return el.div(this, o); }
  pow(o: TensorLike): Tensor { return el.pow(this, o); }
  maximum(o: TensorLike): Tensor { return el.maximum(this, o); }
  minimum(o: TensorLike): Tensor { return el.minimum(this, o); }
  neg(): Tensor { return el.neg(this); }
  abs(): Tensor { return el.abs(this); }
  square(): Tensor { return el.square(this); }
  exp(): Tensor { return el.exp(this); }
  log(): Tensor { return el.log(this); }
  sqrt(): Tensor { return el.sqrt(this); }
  rsqrt(): Tensor { return el.rsqrt(this); }
  reciprocal(): Tensor { return el.reciprocal(this); }
  tanh(): Tensor { return el.tanh(this); }
  sigmoid(): Tensor { return el.sigmoid(this); }
  relu(): Tensor { return el.relu(this); }
  gelu(): Tensor { return el.gelu(this); }
  sin(): Tensor { return el.sin(this); }
  cos(): Tensor { return el.cos(this); }
  lt(o: TensorLike): Tensor { return el.lt(this, o); }
  le(o: TensorLike): Tensor { return el.le(this, o); }
  gt(o: TensorLike): Tensor { return el.gt(this, o); }
  ge(o: TensorLike): Tensor { return el.ge(this, o); }
  eq(o: TensorLike): Tensor { return el.eq(this, o); }
  ne(o: TensorLike): Tensor { return el.ne(this, o); }
  cast(dtype: DType): Tensor { return el.cast(this, dtype); }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  max(dim?: number | number[], keepdim = false): Tensor { return red.max(this, dim, keepdim); }
  softmax(dim = -1): Tensor { return nnops.softmax(this, dim); }
  logSoftmax(dim = -1): Tensor { return nnops.logSoftmax(this, dim); }

  // ---- linear algebra ----
  matmul(o: Tensor, opts?: mm.MatmulOptions): Tensor { return mm.matmul(this, o, opts); }

  // ---- movement ----
  reshape(...shape: (number | number[])[]): Tensor { return mv.reshape(this, shape.flat()); }
  flatten(): Tensor { return mv.reshape(this, [this.size]); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return mv.transpose(this, dim0, dim1); }
  permute(...dims: (number | number[])[]): Tensor { return mv.permute(this, dims.flat()); }
  slice(dim: number, start: number, end?: number): Tensor { return mv.slice(this, dim, start, end); }
  expand(...shape: (number | number[])[]): Tensor { return mv.expand(this, shape.flat()); }
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return mv.squeeze(this, dim); }
  contiguous(): Tensor { return this; }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
}
