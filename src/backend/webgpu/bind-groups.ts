/**
 * Bind group cache. Creating a bind group costs about 90 µs in Dawn's Node binding (measured on
 * llvmpipe: more than all the other JavaScript work of a dispatch), and a training loop binds the
 * same buffers to the same kernels step after step (the pool hands out buffers in a fixed order),
 * so bind groups are cached by (layout, bound buffer ranges). Uniform blocks are bound with a
 * dynamic offset (pipelines.ts declares them so), so the uniform slot of a dispatch is not part of
 * the key. A buffer about to be destroyed is forgotten first (`forget`, called by the pool), and
 * the cache is emptied when it reaches its capacity.
 */

export class BindGroupCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly groups = new Map<string, GPUBindGroup>();
  /** Cache keys per buffer id, so destroying a buffer drops its groups. */
  private readonly byBuffer = new Map<number, string[]>();
  /** Cache hits and misses (tests, stats). */
  hits = 0;
  misses = 0;

  constructor(private readonly device: GPUDevice, readonly capacity = 4096) {}

  private id(o: object): number {
    let i = this.ids.get(o);
    if (i === undefined) this.ids.set(o, (i = this.nextId++));
    return i;
  }

  /** The bind group of `layout` with entries (binding number, buffer range), cached. */
  get(layout: GPUBindGroupLayout, entries: ReadonlyArray<readonly [number, GPUBufferBinding]>): GPUBindGroup {
    let key = String(this.id(layout));
    for (const [binding, r] of entries) key += `|${binding}:${this.id(r.buffer)}:${r.offset ?? 0}:${r.size ?? -1}`;
    const hit = this.groups.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    if (this.groups.size >= this.capacity) this.clear();
    const group = this.device.createBindGroup({ layout, entries: entries.map(([binding, resource]) => ({ binding, resource })) });
    this.groups.set(key, group);
    for (const [, r] of entries) {
      const b = this.id(r.buffer);
      const keys = this.byBuffer.get(b);
      if (keys) keys.push(key);
      else this.byBuffer.set(b, [key]);
    }
    return group;
  }

  /** Drops every cached group that binds `buffer` (before the buffer is destroyed). */
  forget(buffer: GPUBuffer): void {
    const b = this.ids.get(buffer);
    if (b === undefined) return;
    for (const key of this.byBuffer.get(b) ?? []) this.groups.delete(key);
    this.byBuffer.delete(b);
  }

  /** Number of cached groups. */
  get size(): number {
    return this.groups.size;
  }

  /** Drops every cached group. */
  clear(): void {
    this.groups.clear();
    this.byBuffer.clear();
  }
}
