/**
 * Readback staging buffers (MAP_READ | COPY_DST) for `read`: small ones are kept and reused, so a
 * training step's readback of its loss does not create and destroy a buffer every time (about
 * 0.1 ms of Dawn's time each on the software adapter). Sizes are rounded up to a power of two from
 * 256 bytes; at most `maxFree` buffers of up to `maxBytes` wait for reuse, larger ones are
 * destroyed when given back. A buffer is taken for one read at a time: concurrent reads take
 * different buffers.
 */
export class StagingBuffers {
  private readonly free: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBytes = 64 * 1024,
    private readonly maxFree = 4,
  ) {}

  /** A mappable buffer of at least `bytes` bytes, unmapped, for one readback. */
  take(bytes: number): GPUBuffer {
    const size = Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
    const i = this.free.findIndex((b) => b.size === size);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Returns a buffer from `take`, unmapped: kept for reuse when small and there is room, else destroyed. */
  give(buffer: GPUBuffer): void {
    if (buffer.size <= this.maxBytes && this.free.length < this.maxFree) this.free.push(buffer);
    else buffer.destroy();
  }

  /** Destroys the kept buffers. */
  destroy(): void {
    for (const b of this.free) b.destroy();
    this.free.length = 0;
  }
}
