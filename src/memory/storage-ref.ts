/** A reference-counted backend storage, shared by tensors that are views (reshapes) of each other. */
import type { Backend, DType } from '../backend/backend.js';
import { dtypeBytes } from '../backend/backend.js';

/** Owns one backend storage; freed when the last tensor using it lets go. */
export class StorageRef {
  private refs = 1;

  constructor(
    readonly backend: Backend<any>,
    private current: unknown,
    readonly size: number,
    readonly dtype: DType,
  ) {}

  /** The backend storage. */
  get storage(): unknown {
    return this.current;
  }

  /**
   * Points this ref, and so every tensor sharing it, at `next` (same size and dtype, e.g. a copy);
   * returns the previous storage, which the caller now owns. Lets an in-place writer keep a
   * storage to itself while the tensors that shared it keep their contents (`Tensor.unshareStorage`).
   */
  swap(next: unknown): unknown {
    const prev = this.current;
    this.current = next;
    return prev;
  }

  /** Bytes this storage holds. */
  get bytes(): number {
    return this.size * dtypeBytes(this.dtype);
  }

  /** Whether more than one tensor (or cache) holds this storage: in-place kernels must copy first. */
  get shared(): boolean {
    return this.refs > 1;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.backend.free(this.current);
  }
}
