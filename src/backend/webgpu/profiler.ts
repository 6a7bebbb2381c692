/**
 * Kernel profiler on timestamp queries. While enabled, the batcher gives every dispatch its own
 * compute pass whose beginning and end write GPU timestamps; at each flush the timestamps are
 * resolved into a buffer, and `collect()` reads them back and sums the nanoseconds per kernel
 * label (pipeline key plus workgroup grid). Off by default: separate passes cost a little.
 */
import { gpuWait } from './gpu-wait.js';

/** Time spent in one kernel label. */
export interface KernelTiming {
  /** Pipeline key (file:entry|substitutions|overrides) — what the kernel is. */
  kernel: string;
  /** Number of dispatches. */
  count: number;
  /** Total GPU time in milliseconds. */
  ms: number;
}

interface PendingResolve {
  readback: GPUBuffer;
  labels: string[];
}

export class KernelProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private labels: string[] = [];
  private pending: PendingResolve[] = [];
  private readonly totals = new Map<string, { count: number; ns: number }>();

  constructor(private readonly device: GPUDevice, readonly capacity: number) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * capacity });
    this.resolveBuffer = device.createBuffer({
      size: 16 * capacity,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  /** Whether the current batch has room for another timed dispatch. */
  get full(): boolean {
    return this.labels.length >= this.capacity;
  }

  /** Timestamp writes for the next dispatch's own pass. */
  next(label: string): GPUComputePassTimestampWrites {
    const i = this.labels.length;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Appends the resolve and copy of this batch's timestamps to `encoder` (before finish). */
  resolve(encoder: GPUCommandEncoder): void {
    const n = this.labels.length;
    if (n === 0) return;
    const readback = this.device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, readback, 0, 16 * n);
    this.pending.push({ readback, labels: this.labels });
    this.labels = [];
  }

  /** Reads every resolved batch and returns the totals so far, slowest first. */
  async collect(): Promise<KernelTiming[]> {
    const batches = this.pending;
    this.pending = [];
    for (const { readback, labels } of batches) {
      await gpuWait(() => readback.mapAsync(GPUMapMode.READ));
      const t = new BigUint64Array(readback.getMappedRange());
      labels.forEach((label, i) => {
        const dt = Number(t[2 * i + 1]! - t[2 * i]!);
        const e = this.totals.get(label) ?? { count: 0, ns: 0 };
        e.count++;
        e.ns += dt > 0 ? dt : 0;
        this.totals.set(label, e);
      });
      readback.unmap();
      readback.destroy();
    }
    return [...this.totals]
      .map(([kernel, e]) => ({ kernel, count: e.count, ms: e.ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
  }

  /** Forgets the totals. */
  reset(): void {
    this.totals.clear();
  }

  destroy(): void {
    for (const p of this.pending) p.readback.destroy();
    this.pending = [];
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
