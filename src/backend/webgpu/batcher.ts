/**
 * Command batching: every dispatch is recorded into one pending command encoder (one open compute
 * pass) and the whole batch is submitted once, on `flush()` (called by read / sync) or
 * automatically after `maxPending` dispatches. At submit: the staged uniforms are written first
 * (uniforms.ts), the encoder is submitted, then the buffer pool's epoch ends (pool.ts explains
 * why buffers freed in an epoch are reusable by uploads only after this point).
 * Bind groups come from a cache (bind-groups.ts); uniform blocks are bound with dynamic offsets.
 * Buffer copies and clears (`copy`, `clear`: a parameter arena gathering gradients) are recorded in
 * the same encoder between compute passes, in order with the dispatches; they are not dispatches.
 * Also holds the dispatch-geometry helper for large 1-D index spaces.
 */
import type { BufferPool } from './pool.js';
import type { UniformArena } from './uniforms.js';
import type { CachedPipeline } from './pipelines.js';
import type { KernelProfiler } from './profiler.js';
import type { BindGroupCache } from './bind-groups.js';

export class CommandBatcher {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingCount = 0;
  /** Total submits so far (tests, stats). */
  submits = 0;
  /** Total dispatches so far (stats). */
  dispatches = 0;
  /** Total buffer copies and clears recorded so far (stats; not dispatches). */
  copies = 0;
  /** When set, every dispatch runs in its own timed pass (profiler.ts). */
  profiler: KernelProfiler | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly uniforms: UniformArena,
    private readonly bindGroups: BindGroupCache,
    readonly maxPending = 1024,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  /**
   * Records one dispatch of `p` with `resources` bound in the order of p.bindings. A uniform
   * binding's offset becomes a dynamic offset (its bind group entry starts at 0).
   */
  dispatch(p: CachedPipeline, resources: GPUBufferBinding[], groups: readonly [number, number, number]): void {
    const offsets: number[] = [];
    const entries = p.bindings.map(([binding, kind], i): readonly [number, GPUBufferBinding] => {
      const r = resources[i]!;
      if (kind !== 'uniform') return [binding, r];
      offsets.push(r.offset ?? 0);
      return [binding, { buffer: r.buffer, offset: 0, size: r.size }];
    });
    const bindGroup = this.bindGroups.get(p.layout, entries);
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.dispatches++;
    if (this.profiler) {
      if (this.profiler.full) {
        this.flush();
        this.encoder = this.device.createCommandEncoder();
      }
      const label = `${p.key} [${groups.join('x')}]`;
      this.pass?.end();
      this.pass = this.encoder.beginComputePass({ timestampWrites: this.profiler.next(label) });
    } else if (!this.pass) {
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(p.pipeline);
    this.pass.setBindGroup(0, bindGroup, offsets);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (++this.pendingCount >= this.maxPending) this.flush();
  }

  /**
   * Records `encoder.copyBufferToBuffer` in the pending encoder, ordered with the dispatches around
   * it (the open compute pass ends first). Offsets and size are multiples of 4; src and dst are
   * different buffers (WebGPU's rules; callers copy within one buffer with a kernel).
   */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.outsidePass().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Records `encoder.clearBuffer` (zeros; offset and size multiples of 4) in the pending encoder. */
  clear(buffer: GPUBuffer, offset: number, size: number): void {
    this.outsidePass().clearBuffer(buffer, offset, size);
  }

  /** The pending encoder with no compute pass open (for copy commands); counts the command. */
  private outsidePass(): GPUCommandEncoder {
    if (this.pendingCount >= this.maxPending) this.flush();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.pass?.end();
    this.pass = null;
    this.copies++;
    this.pendingCount++;
    return this.encoder;
  }

  /** Submits pending work (no-op when nothing is pending). */
  flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.profiler?.resolve(this.encoder);
    const cmd = this.encoder.finish();
    this.encoder = null;
    this.pass = null;
    this.pendingCount = 0;
    this.uniforms.upload(this.device.queue);
    this.device.queue.submit([cmd]);
    this.submits++;
    this.pool.endEpoch();
  }
}

/**
 * Workgroup grid for `n` threads in workgroups of `wg`: a 2-D grid when the count exceeds
 * maxComputeWorkgroupsPerDimension; kernels compute gid.x + gid.y * (num_workgroups.x * wg).
 */
export function grid1d(n: number, wg: number, maxPerDim: number): [number, number, number] {
  const groups = Math.ceil(n / wg);
  return gridGroups(groups, maxPerDim);
}

/** Grid of `groups` workgroups laid out as (x, y) with x <= maxPerDim (kernels use flat_group). */
export function gridGroups(groups: number, maxPerDim: number): [number, number, number] {
  if (groups <= maxPerDim) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  if (y > maxPerDim) throw new Error(`storygrad/webgpu: dispatch of ${groups} workgroups is too large`);
  return [Math.ceil(groups / y), y, 1];
}
