/** A reference-counted backend storage, shared by tensors that are views (reshapes) of each other. */
import type { Backend, DType } from '../backend/backend.js';
import { dtypeBytes } from '../backend/backend.js';

/** Owns one backend storage; freed when the last tensor using it lets go. */
export class StorageRef {
  private refs = 1;

  constructor(
    readonly backend: Backend<any>,
    readonly storage: unknown,
    readonly size: number,
    readonly dtype: DType,
  ) {}

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
    if (--this.refs === 0) this.backend.free(this.storage);
  }
}
