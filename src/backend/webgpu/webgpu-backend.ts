/**
 * The WebGPU backend: ties device acquisition (device.ts), device health (errors.ts), the buffer
 * pool (pool.ts), uniforms (uniforms.ts), pipelines (pipelines.ts), command batching
 * (batcher.ts) and the kernel table (kernels.ts) into a `Backend<GpuStorage>`; implements
 * upload / read / free / flush / sync / memory / describe / destroy.
 *
 * Tensors larger than the binding limit. A storage may be as large as maxBufferSize, but a kernel
 * can bind at most maxStorageBufferBindingSize bytes of it (128 MiB on many adapters). The kernel
 * table runs an op whose operand or output is larger as several dispatches over windows that fit
 * (windows.ts, strided-windows.ts, matmul-windows.ts): rows of row-separable ops (elementwise,
 * softmax, cross-entropy, norms, gather / scatter, reductions over the outer axis), the blocks of
 * a matmul (the reduction dimension summed chunk by chunk in a fixed order, in f32), chunks of a
 * reduction summed in order, batches of attention. Window offsets are multiples of
 * minStorageBufferOffsetAlignment; a window that cannot start aligned goes through a temporary
 * copy. Results equal the unchunked op's, bit for bit where the split is along independent rows;
 * split reductions are deterministic and match within rounding. Where no split fits (one row, one
 * attention batch or a [inner] reduction slice above the limit), the op throws naming itself, the
 * shape and the limit; binding a large storage whole is refused naming the kernel (dispatch.ts).
 * `WebGPUBackendOptions.maxBindingBytes` lowers the limit (tests force the windows with small
 * tensors); it never raises it.
 */
import type { Backend, BackendDescription, BackendMemory, DType, HostArray, Kernels } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { CommandBatcher } from './batcher.js';
import { StagingBuffers } from './staging.js';
import { acquireDevice, type AcquireOptions, type AcquiredDevice } from './device.js';
import { DeviceHealth, ERR } from './errors.js';
import { packHalf, unpackHalf } from './f16.js';
import { makeWebGPUKernels } from './kernels.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool, type GpuStorage } from './pool.js';
import { UniformArena } from './uniforms.js';
import { KernelProfiler, type KernelTiming } from './profiler.js';
import { gpuWait } from './gpu-wait.js';
import { BindGroupCache } from './bind-groups.js';
import type { KernelContext } from './kernels.js';
import { ParamArena, planArenas, type ArenaContext } from './param-arena.js';

export type { GpuStorage } from './pool.js';
export type { ParamArena } from './param-arena.js';

/** Options of `createWebGPUBackend`. */
export interface WebGPUBackendOptions extends AcquireOptions {
  /**
   * Binding limit in bytes used by the kernels instead of the device's maxStorageBufferBindingSize
   * when lower (tests use it to run the windowed paths with small tensors). Never raises the
   * device's limit; at least 1024 and a multiple of 4.
   */
  maxBindingBytes?: number;
  /**
   * Binding offset alignment used instead of the device's minStorageBufferOffsetAlignment when
   * stricter (a power of two, at most 256): tests cover the alignment rules of other adapters.
   */
  bindingAlignment?: number;
}
export type { KernelTiming } from './profiler.js';

const KEY_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension',
];

export class WebGPUBackend implements Backend<GpuStorage> {
  readonly name = 'webgpu' as const;
  readonly supportsF16: boolean;
  readonly kernels: Kernels<GpuStorage>;
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly batcher: CommandBatcher;
  private readonly uniforms: UniformArena;
  /** Readback buffers reused across reads (staging.ts). */
  private readonly staging: StagingBuffers;
  /** Bind groups reused across dispatches (bind-groups.ts). */
  readonly bindGroups: BindGroupCache;
  private readonly health = new DeviceHealth();
  private instance: GPU | null;
  private destroyed = false;
  private readonly info: AcquiredDevice;
  private readonly arenaCtx: ArenaContext;

  /** Largest storage binding the kernels use (bytes): see WebGPUBackendOptions.maxBindingBytes. */
  readonly maxBinding: number;
  /** Binding offset alignment the kernels use (bytes). */
  readonly bindingAlignment: number;

  constructor(acq: AcquiredDevice, opts: WebGPUBackendOptions = {}) {
    this.info = acq;
    this.device = acq.device;
    this.instance = acq.instance;
    this.supportsF16 = acq.device.features.has('shader-f16');
    this.health.watch(this.device, () => this.destroyed);
    const lim = acq.limits;
    this.maxBinding = bindingLimit(lim.maxStorageBufferBindingSize ?? 134217728, opts.maxBindingBytes);
    this.bindingAlignment = bindingAlignment(lim.minStorageBufferOffsetAlignment ?? 256, opts.bindingAlignment);
    this.bindGroups = new BindGroupCache(this.device);
    this.pool = new BufferPool(this.device, this.maxBinding, lim.maxBufferSize ?? 268435456, this.health, (b) => this.bindGroups.forget(b));
    this.uniforms = new UniformArena(this.device, lim.minUniformBufferOffsetAlignment ?? 256);
    this.pipelines = new PipelineCache(this.device, this.health);
    this.batcher = new CommandBatcher(this.device, this.pool, this.uniforms, this.bindGroups);
    this.staging = new StagingBuffers(this.device);
    const kernelCtx: KernelContext = {
      pool: this.pool,
      pipes: this.pipelines,
      batch: this.batcher,
      uniforms: this.uniforms,
      maxPerDim: lim.maxComputeWorkgroupsPerDimension ?? 65535,
      maxBinding: this.maxBinding,
      align: this.bindingAlignment,
      supportsF16: this.supportsF16,
      software: acq.software,
      adapter: {
        name: acq.adapterName,
        software: acq.software,
        subgroups: acq.device.features.has('subgroups' as GPUFeatureName),
        subgroupMinSize: Number((acq.adapter.info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? 0),
      },
      check: () => this.check(),
    };
    this.kernels = makeWebGPUKernels(kernelCtx);
    this.arenaCtx = {
      kernel: kernelCtx,
      kernels: this.kernels,
      upload: (data) => this.upload(data, 'i32'),
      limits: {
        align: this.bindingAlignment,
        maxBinding: this.maxBinding,
        maxBuffer: lim.maxBufferSize ?? 268435456,
      },
    };
  }

  /**
   * Splits parameters of `sizes` elements (one dtype, in order) into the runs that share one
   * arena: one run unless they exceed maxBufferSize. Returns slot indices per run.
   */
  planParamArenas(sizes: readonly number[], dtype: DType): number[][] {
    return planArenas(sizes, dtype, this.arenaCtx.limits.maxBuffer);
  }

  /** A parameter arena (param-arena.ts) over parameters of `sizes` elements of `dtype`. */
  createParamArena(sizes: readonly number[], dtype: DType): ParamArena {
    this.check();
    if (dtype === 'f16' && !this.supportsF16) throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
    return new ParamArena(this.arenaCtx, sizes, dtype);
  }

  /** Settles like p, or rejects as soon as the device is lost (so nothing waits forever). */
  private unlessLost<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      p.then(resolve, reject);
      void this.health.lostPromise.then((m) => reject(new Error(m)));
    });
  }

  private check(): void {
    if (this.destroyed) throw new Error(`${ERR} backend used after destroy()`);
    this.health.check();
  }

  upload(data: HostArray, dtype: DType): GpuStorage {
    this.check();
    if (dtype === 'f16' && !this.supportsF16) {
      throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
    }
    if (dtype === 'i32' ? !(data instanceof Int32Array) : !(data instanceof Float32Array)) {
      throw new Error(`${ERR} upload of ${dtype} expects ${dtype === 'i32' ? 'Int32Array' : 'Float32Array'}`);
    }
    const bytes = data.length * dtypeBytes(dtype);
    // Uploads only take buffers no pending dispatch can touch (pool.ts, the reuse rule).
    const s = this.pool.acquire(bytes, 'upload');
    if (data.length > 0) {
      if (dtype === 'f16') {
        const half = packHalf(data);
        this.device.queue.writeBuffer(s.buffer, s.offset, half.buffer, half.byteOffset, half.byteLength);
      } else {
        // writeBuffer sizes must be multiples of 4: 4-byte elements always are.
        this.device.queue.writeBuffer(s.buffer, s.offset, data.buffer, data.byteOffset, data.byteLength);
      }
    }
    return s;
  }

  empty(n: number, dtype: DType): GpuStorage {
    this.check();
    if (dtype === 'f16' && !this.supportsF16) {
      throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
    }
    // A kernel output: may reuse a buffer freed in this batch, since the kernel writing it is
    // recorded after every earlier use (pool.ts, the reuse rule).
    return this.pool.acquire(n * dtypeBytes(dtype), 'kernel');
  }

  async read(s: GpuStorage, n: number, dtype: DType): Promise<HostArray> {
    this.check();
    if (!s.live) throw new Error(`${ERR} read of a storage after it was freed`);
    const bytes = n * dtypeBytes(dtype);
    if (bytes > s.bytes) throw new Error(`${ERR} read of ${n} ${dtype} elements from a ${s.bytes}-byte storage`);
    if (n === 0) return dtype === 'i32' ? new Int32Array(0) : new Float32Array(0);
    const copyBytes = Math.ceil(bytes / 4) * 4;
    // The copy goes in the pending batch, after the kernels that produce s: one submit.
    const staging = this.staging.take(copyBytes);
    this.batcher.copy(s.buffer, s.offset, staging, 0, copyBytes);
    this.batcher.flush();
    let reusable = false;
    try {
      await gpuWait(() => this.unlessLost(staging.mapAsync(GPUMapMode.READ)));
      const range = staging.getMappedRange();
      let out: HostArray;
      if (dtype === 'i32') out = new Int32Array(range.slice(0, bytes));
      else if (dtype === 'f16') out = unpackHalf(new Uint16Array(range, 0, n), n);
      else out = new Float32Array(range.slice(0, bytes));
      staging.unmap();
      reusable = true;
      this.health.check();
      return out;
    } catch (e) {
      this.health.check(); // prefer the device's own explanation
      throw e instanceof Error ? new Error(`${ERR} read failed: ${e.message}`) : e;
    } finally {
      if (this.destroyed) { /* the device took its buffers */ }
      else if (reusable) this.staging.give(staging);
      else staging.destroy();
    }
  }

  free(s: GpuStorage): void {
    if (this.destroyed) return;
    this.pool.release(s);
  }

  flush(): void {
    this.check();
    this.batcher.flush();
  }

  async sync(): Promise<void> {
    this.check();
    this.batcher.flush();
    await gpuWait(() => this.unlessLost(this.device.queue.onSubmittedWorkDone()));
    this.health.check();
  }

  memory(): BackendMemory {
    return { bytesInUse: this.pool.bytesInUse, bytesAllocated: this.pool.bytesAllocated };
  }

  describe(): BackendDescription {
    const limits: Record<string, number> = {};
    for (const k of KEY_LIMITS) if (k in this.info.limits) limits[k] = this.info.limits[k]!;
    return {
      backend: 'webgpu',
      adapter: this.info.adapterName,
      features: [...this.info.features],
      limits,
      notes: [
        ...this.info.notes,
        `f16 storage: ${this.supportsF16 ? 'yes (shader-f16)' : 'no'}`,
        ...(this.maxBinding < (this.info.limits.maxStorageBufferBindingSize ?? Infinity) ? [`binding limit lowered to ${this.maxBinding} bytes (maxBindingBytes)`] : []),
        ...(this.bindingAlignment > (this.info.limits.minStorageBufferOffsetAlignment ?? 256) ? [`binding offsets aligned to ${this.bindingAlignment} bytes (bindingAlignment)`] : []),
      ],
    };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      this.batcher.flush();
    } catch {
      /* a lost device cannot submit; nothing to keep */
    }
    this.batcher.profiler?.destroy();
    this.batcher.profiler = null;
    this.pool.destroyAll();
    this.bindGroups.clear();
    this.uniforms.destroy();
    this.staging.destroy();
    this.device.destroy();
    // Dropping the Dawn instance lets the Node event loop exit.
    this.instance = null;
  }

  /** Whether this adapter can time kernels (the 'timestamp-query' feature). */
  get canProfile(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * Starts timing every dispatch with GPU timestamps (see profiler.ts); totals accumulate until
   * `stopProfiling`. Throws when the adapter lacks 'timestamp-query'.
   */
  startProfiling(): void {
    this.check();
    if (!this.canProfile) throw new Error(`${ERR} kernel profiling needs the 'timestamp-query' feature, which this adapter does not have`);
    if (this.batcher.profiler) return;
    this.batcher.flush();
    this.batcher.profiler = new KernelProfiler(this.device, this.batcher.maxPending);
  }

  /** Stops timing and returns the GPU time per kernel since `startProfiling`, slowest first. */
  async stopProfiling(): Promise<KernelTiming[]> {
    this.check();
    const prof = this.batcher.profiler;
    if (!prof) throw new Error(`${ERR} stopProfiling without startProfiling`);
    this.batcher.flush();
    this.batcher.profiler = null;
    try {
      return await this.unlessLost(prof.collect());
    } finally {
      prof.destroy();
    }
  }

  /** Whether destroy() was called. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** Acquires a WebGPU device (see device.ts) and returns a ready backend. */
export async function createWebGPUBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  bindingLimit(Infinity, opts.maxBindingBytes); // bad options throw before a device is made
  bindingAlignment(1, opts.bindingAlignment);
  return new WebGPUBackend(await acquireDevice(opts), opts);
}

/** The binding limit: the device's, or the option when it is lower. */
function bindingLimit(device: number, wanted: number | undefined): number {
  if (wanted === undefined) return device;
  if (!Number.isInteger(wanted) || wanted < 1024 || wanted % 4 !== 0) {
    throw new Error(`${ERR} maxBindingBytes must be an integer >= 1024 and a multiple of 4, got ${wanted}`);
  }
  return Math.min(device, wanted);
}

/** The binding offset alignment: the device's, or the option when it is stricter. */
function bindingAlignment(device: number, wanted: number | undefined): number {
  if (wanted === undefined) return device;
  if (!Number.isInteger(wanted) || wanted < 4 || wanted > 256 || (wanted & (wanted - 1)) !== 0) {
    throw new Error(`${ERR} bindingAlignment must be a power of two in [4, 256], got ${wanted}`);
  }
  return Math.max(device, wanted);
}
