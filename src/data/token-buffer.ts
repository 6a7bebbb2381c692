/**
 * A growable array of token ids backed by a Uint16Array or Uint32Array (capacity doubles), so
 * collecting ids costs 2 or 4 bytes each instead of a JS number array's 8+.
 */
import type { ShardDType, TokenArray } from './shard.js';

/** Append-only ids in a typed array that grows as needed. */
export class TokenBuffer {
  private data: TokenArray;
  private n = 0;

  constructor(readonly dtype: ShardDType, initialCapacity = 1024) {
    const cap = Math.max(1, Math.floor(initialCapacity));
    this.data = dtype === 'uint16' ? new Uint16Array(cap) : new Uint32Array(cap);
  }

  /** Number of ids held. */
  get length(): number {
    return this.n;
  }

  private reserve(extra: number): void {
    const need = this.n + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < need) cap *= 2;
    const next = this.dtype === 'uint16' ? new Uint16Array(cap) : new Uint32Array(cap);
    next.set(this.data.subarray(0, this.n));
    this.data = next;
  }

  /** Appends one id (the caller has range-checked it). */
  push(id: number): void {
    if (this.n === this.data.length) this.reserve(1);
    this.data[this.n++] = id;
  }

  /** Appends ids (the caller has range-checked them). */
  pushAll(ids: ArrayLike<number>): void {
    this.reserve(ids.length);
    const d = this.data;
    let n = this.n;
    for (let i = 0; i < ids.length; i++) d[n++] = ids[i]!;
    this.n = n;
  }

  /** A view of the ids held, [length] (valid until the next push). */
  view(): TokenArray {
    return this.data.subarray(0, this.n);
  }

  /** A trimmed copy of the ids held, [length]. */
  toArray(): TokenArray {
    return this.data.slice(0, this.n);
  }
}
