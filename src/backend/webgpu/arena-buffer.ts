/**
 * One buffer handed out as windows (`GpuStorage`s with an `owner`, pool.ts): the backing store of
 * a parameter arena (param-arena.ts). The buffer comes from the pool on first use, zeroed by a
 * recorded clear, and goes back to the pool exactly once: when its last window is freed and
 * nobody holds it (`hold` / `drop`), or at `drop` when no window is left. Freeing a window never
 * returns the buffer itself. bytesInUse counts the whole buffer while it lives; windows add nothing.
 */
import type { CommandBatcher } from './batcher.js';
import { ERR } from './errors.js';
import type { BufferPool, GpuStorage, StorageOwner } from './pool.js';

export class ArenaBuffer implements StorageOwner {
  private whole: GpuStorage | null = null;
  private views = 0;
  private held = false;

  constructor(
    private readonly pool: BufferPool,
    private readonly batch: CommandBatcher,
    /** Bytes of the buffer (a multiple of 4). */
    readonly bytes: number,
    /** Called after the buffer went back to the pool. */
    private readonly onFree: () => void = () => {},
  ) {}

  /** Whether the buffer exists now (a window or a hold keeps it). */
  get alive(): boolean {
    return this.whole !== null;
  }

  /** The buffer, allocated (and zeroed) when it does not exist. */
  buffer(): GPUBuffer {
    if (!this.whole) {
      this.whole = this.pool.acquireExact(this.bytes);
      this.batch.clear(this.whole.buffer, 0, this.whole.bytes);
    }
    return this.whole.buffer;
  }

  /** Keeps the buffer alive without a window (until `drop`). */
  hold(): void {
    this.buffer();
    this.held = true;
  }

  /** Lets go of the hold; frees the buffer when no window is left. */
  drop(): void {
    this.held = false;
    if (this.views === 0) this.free();
  }

  /** A new window storage over [offset, offset + bytes) of the buffer. */
  view(offset: number, bytes: number): GpuStorage {
    if (offset < 0 || offset + bytes > this.bytes) throw new Error(`${ERR} arena window [${offset}, ${offset + bytes}) outside a ${this.bytes}-byte arena`);
    const buffer = this.buffer();
    this.views++;
    return { buffer, offset, bytes, live: true, owner: this };
  }

  releaseView(s: GpuStorage): void {
    if (!s.live) throw new Error(`${ERR} storage freed twice`);
    s.live = false;
    if (--this.views === 0 && !this.held) this.free();
  }

  private free(): void {
    if (!this.whole) return;
    this.pool.release(this.whole);
    this.whole = null;
    this.onFree();
  }
}
