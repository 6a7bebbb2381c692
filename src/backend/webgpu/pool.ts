/**
 * Size-bucketed GPU buffer pool and the storage handle (`GpuStorage`) the kernels pass around.
 *
 * Buckets: byte sizes are rounded up to a power of two (minimum 256 B) up to 1 MiB, and above that
 * to a multiple of 1/8 of the power of two below (at most 12.5% slack); a request that fits the
 * binding limit never gets a bucket above it, and no bucket exceeds maxBufferSize. Every size is
 * a multiple of 4, so odd-length f16 storages work.
 *
 * LARGE STORAGES. A storage may be larger than the binding limit (maxStorageBufferBindingSize, or
 * the lower `maxBindingBytes` the backend was created with), up to maxBufferSize. Such a storage is
 * never bound whole: the kernels bind windows of it (windows.ts), and dispatch.ts refuses a binding
 * above the limit with an error naming the kernel.
 *
 * THE REUSE RULE (the writeBuffer hazard). Dispatches are recorded into one pending command
 * encoder and submitted later (batcher.ts), but `queue.writeBuffer` runs on the queue timeline
 * immediately, i.e. BEFORE the pending encoder's work. So:
 *   - a buffer freed during the current pending epoch ("recent") may be handed to a KERNEL OUTPUT:
 *     its writer is a dispatch recorded after every pending reader, and dispatches run in order;
 *   - an UPLOAD (writeBuffer) only takes a buffer that was free before the last submit
 *     ("settled") or a fresh one: a recent buffer may still be read by a pending dispatch;
 *   - at each submit, recent buffers become settled (`endEpoch`).
 * Uniform buffers follow their own rule in uniforms.ts (recycled only after submit).
 *
 * Counters: bytesInUse = bucket bytes of live storages; bytesAllocated = bytes of every buffer
 * created and not yet destroyed (live + pooled). `trim()` destroys the pooled free buffers.
 *
 * Which free buffer: the oldest (lowest creation number) of the bucket, not the last freed. So
 * a computation that allocates and frees in the same order as an earlier one, starting from the
 * same set of free buffers, gets the same buffers as that one — a training step gets the buffers
 * of the step before, and the bind group cache (bind-groups.ts) serves all its dispatches.
 */
import { ERR, type DeviceHealth } from './errors.js';

/**
 * A WebGPU storage: the byte range [offset, offset + bytes) of one buffer. Pooled storages own
 * their whole buffer (offset 0, `bytes` = the bucket size, >= what was asked); windows (`owner`
 * set) are ranges of a buffer that their owner holds.
 */
export interface GpuStorage {
  readonly buffer: GPUBuffer;
  /** Byte offset of the storage in `buffer` (a multiple of 256 when it is bound; 0 for pooled storages). */
  readonly offset: number;
  readonly bytes: number;
  /** false once freed; using a freed storage throws. */
  live: boolean;
  /**
   * Set on a window into a buffer that another object owns (a parameter arena, arena-buffer.ts):
   * freeing the window tells the owner, and the buffer never goes back to the pool through it.
   */
  readonly owner?: StorageOwner;
}

/** The owner of window storages: told when one of its windows is freed. */
export interface StorageOwner {
  releaseView(s: GpuStorage): void;
}

/** The storage's byte range as a buffer binding (no liveness check; see dispatch.ts liveBinding). */
export function storageBinding(s: GpuStorage): GPUBufferBinding {
  return { buffer: s.buffer, offset: s.offset, size: s.bytes };
}

/** Who will write a newly acquired buffer first (see the reuse rule above). */
export type AcquireFor = 'kernel' | 'upload';

const MIN_BUCKET = 256;
const POW2_ONLY_BELOW = 1 << 20;

/**
 * Bucket size for a request of `bytes`: never above `maxBinding` when the request fits it, never
 * above `maxBuffer`.
 */
export function bucketBytes(bytes: number, maxBinding: number, maxBuffer = Infinity): number {
  const need = Math.max(MIN_BUCKET, Math.ceil(bytes / 4) * 4);
  let p = MIN_BUCKET;
  while (p < need) p *= 2;
  let b = p;
  if (p > POW2_ONLY_BELOW) {
    const step = p / 16; // 8 steps between p/2 and p
    b = Math.ceil(need / step) * step;
  }
  return (b > maxBinding && need <= maxBinding) || b > maxBuffer ? need : b;
}

export class BufferPool {
  /** Free buffers per bucket size, each list ordered by descending creation number (pop = oldest). */
  private settled = new Map<number, GPUBuffer[]>();
  private recent = new Map<number, GPUBuffer[]>();
  private readonly serial = new WeakMap<GPUBuffer, number>();
  private created = 0;
  bytesInUse = 0;
  bytesAllocated = 0;
  private readonly usage: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBinding: number,
    private readonly maxBufferSize: number,
    private readonly health: DeviceHealth,
    /** Called with each buffer just before the pool destroys it (the bind group cache forgets it). */
    private readonly onDestroy: (b: GPUBuffer) => void = () => {},
  ) {
    this.usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  }

  /** A storage able to hold `bytes` bytes; `use` selects which free buffers are safe to reuse. */
  acquire(bytes: number, use: AcquireFor): GpuStorage {
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`${ERR} invalid buffer size ${bytes}`);
    if (Math.ceil(bytes / 4) * 4 > this.maxBufferSize) {
      throw new Error(
        `${ERR} cannot allocate a ${bytes}-byte buffer: larger than the device's maxBufferSize ` +
          `(${this.maxBufferSize} bytes); ${this.bytesInUse} bytes in use, ${this.bytesAllocated} allocated`,
      );
    }
    const size = bucketBytes(bytes, this.maxBinding, this.maxBufferSize);
    const buffer = (use === 'kernel' ? pop(this.recent, size) : undefined) ?? pop(this.settled, size) ?? this.create(size);
    this.bytesInUse += size;
    return { buffer, offset: 0, bytes: size, live: true };
  }

  /**
   * A storage of exactly `bytes` (rounded up to 4) that may exceed maxStorageBufferBindingSize, up
   * to maxBufferSize: the backing buffer of an arena, bound only through windows that fit. Its
   * first writer must be a recorded command (the kernel rule above); `release` frees it.
   */
  acquireExact(bytes: number): GpuStorage {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    if (!Number.isFinite(bytes) || size > this.maxBufferSize) {
      throw new Error(`${ERR} cannot allocate a ${bytes}-byte arena: larger than the device's maxBufferSize (${this.maxBufferSize} bytes)`);
    }
    const buffer = pop(this.recent, size) ?? pop(this.settled, size) ?? this.create(size);
    this.bytesInUse += size;
    return { buffer, offset: 0, bytes: size, live: true };
  }

  /** Returns a storage's buffer to the pool (reusable by kernel outputs until the next submit); a window goes to its owner. */
  release(s: GpuStorage): void {
    if (s.owner) return s.owner.releaseView(s);
    if (!s.live) throw new Error(`${ERR} storage freed twice`);
    s.live = false;
    this.bytesInUse -= s.bytes;
    this.insert(this.recent, s.bytes, s.buffer);
  }

  /** Called right after a queue submit: buffers freed in the epoch become safe for uploads. */
  endEpoch(): void {
    for (const [size, list] of this.recent) for (const b of list) this.insert(this.settled, size, b);
    this.recent.clear();
  }

  /** Destroys pooled free buffers that no pending work can reference (the settled ones). */
  trim(): void {
    for (const list of this.settled.values()) {
      for (const b of list) {
        this.bytesAllocated -= b.size;
        this.onDestroy(b);
        b.destroy();
      }
    }
    this.settled.clear();
  }

  /** Number of pooled free buffers (tests). */
  get freeCount(): number {
    let n = 0;
    for (const l of this.settled.values()) n += l.length;
    for (const l of this.recent.values()) n += l.length;
    return n;
  }

  /** Destroys every pooled buffer (device teardown). */
  destroyAll(): void {
    this.endEpoch();
    this.trim();
  }

  /** Adds b to its bucket's free list, keeping the list in descending creation order. */
  private insert(m: Map<number, GPUBuffer[]>, size: number, b: GPUBuffer): void {
    let l = m.get(size);
    if (!l) m.set(size, (l = []));
    const n = this.serial.get(b) ?? 0;
    let lo = 0, hi = l.length; // first index whose buffer is older than b
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.serial.get(l[mid]!) ?? 0) > n) lo = mid + 1;
      else hi = mid;
    }
    l.splice(lo, 0, b);
  }

  private create(size: number): GPUBuffer {
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    const buffer = device.createBuffer({ size, usage: this.usage });
    this.serial.set(buffer, this.created++);
    this.bytesAllocated += size;
    const inUse = this.bytesInUse;
    device.popErrorScope().then(
      (err) => {
        if (!err) return;
        const allocated = this.bytesAllocated;
        this.trim();
        this.health.record(
          new Error(
            `${ERR} out of GPU memory allocating ${size} bytes (${inUse} bytes in use, ` +
              `${allocated} allocated before trimming the pool): ${err.message}`,
          ),
        );
      },
      () => {
        /* the device was lost; DeviceHealth reports that */
      },
    );
    return buffer;
  }
}

function pop(m: Map<number, GPUBuffer[]>, size: number): GPUBuffer | undefined {
  const l = m.get(size);
  return l && l.length > 0 ? l.pop() : undefined;
}
