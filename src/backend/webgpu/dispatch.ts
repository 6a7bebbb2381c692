/**
 * What every kernel-table file (kernels.ts, matmul.ts, fused-kernels.ts, attention.ts) needs to
 * turn a storage into a checked binding, allocate an output and record a dispatch: one copy of
 * the checks, so every kernel reports a freed, foreign or too-small storage the same way.
 */
import type { DType } from '../backend.js';
import { dtypeBytes } from '../backend.js';
import { ERR } from './errors.js';
import type { KernelContext } from './kernels.js';
import type { KernelSpec } from './pipelines.js';
import { storageBinding, type GpuStorage } from './pool.js';

/** The whole storage as a binding; throws when it is not a live WebGPU storage. */
export function liveBinding(s: GpuStorage, what: string): GPUBufferBinding {
  if (!s || !s.buffer) throw new Error(`${ERR} ${what}: not a WebGPU storage`);
  if (!s.live) throw new Error(`${ERR} ${what}: storage used after it was freed`);
  return storageBinding(s);
}

/** As liveBinding, and the storage must hold at least `elems` elements of dtype `d`. */
export function needBinding(s: GpuStorage, elems: number, d: DType, what: string): GPUBufferBinding {
  const b = liveBinding(s, what);
  if (elems * dtypeBytes(d) > s.bytes) {
    throw new Error(`${ERR} ${what}: storage of ${s.bytes} bytes is too small for ${elems} ${d} elements`);
  }
  return b;
}

/** Whether two storages share bytes (same buffer, intersecting byte ranges). */
export function overlaps(a: GpuStorage, b: GpuStorage): boolean {
  return a.buffer === b.buffer && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
}

/**
 * Why the storages of one dispatch cannot be bound together, or null when they can. WebGPU lets
 * one buffer be bound several times writable at disjoint bytes (disjoint windows of an arena),
 * but not writable at overlapping bytes, and never read-only and writable in the same dispatch:
 * Dawn rejects that whatever the ranges, so a read storage must lie in another buffer.
 */
export function aliasingProblem(writes: readonly GpuStorage[], reads: readonly GpuStorage[]): string | null {
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    if (writes.some((o, j) => j < i && overlaps(w, o))) return 'two written storages overlap';
    if (reads.some((r) => r.buffer === w.buffer)) return 'a read storage lies in a buffer that is also written';
  }
  return null;
}

/** A fresh pooled output storage of n elements of dtype d. */
export function outputStorage(ctx: KernelContext, n: number, d: DType): GpuStorage {
  return ctx.pool.acquire(n * dtypeBytes(d), 'kernel');
}

/** Throws unless d is a float dtype this device can use (f16 needs 'shader-f16'). */
export function checkFloatDtype(ctx: KernelContext, d: DType, op: string): void {
  if (d !== 'f32' && d !== 'f16') throw new Error(`${ERR} ${op} is defined for f32 and f16 only, got '${String(d)}'`);
  if (d === 'f16' && !ctx.supportsF16) {
    throw new Error(`${ERR} f16 needs the 'shader-f16' feature, which this adapter does not have; use f32`);
  }
}

/**
 * Records one dispatch of `spec`: uniform words in binding 0, then `buffers` in order. A binding
 * above the binding limit or at a misaligned offset is refused here, naming the kernel, so a
 * large storage bound whole is a clear error, never a device validation error (windows.ts binds
 * large storages in windows).
 */
export function runKernel(ctx: KernelContext, spec: KernelSpec, uniform: number[], buffers: GPUBufferBinding[], groups: readonly [number, number, number]): void {
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    if (b.size! > ctx.maxBinding || (b.offset ?? 0) % ctx.align !== 0) badBinding(ctx, spec, i, b);
  }
  const p = ctx.pipes.get(spec);
  const slot = ctx.uniforms.alloc(uniform);
  ctx.batch.dispatch(p, [{ buffer: slot.buffer, offset: slot.offset, size: slot.size }, ...buffers], groups);
}

function badBinding(ctx: KernelContext, spec: KernelSpec, i: number, b: GPUBufferBinding): never {
  const kernel = `${spec.file}:${spec.entry ?? 'main'}`;
  const binding = spec.bindings[i + 1]?.[0] ?? i + 1;
  if (b.size! > ctx.maxBinding) {
    throw new Error(
      `${ERR} kernel ${kernel} would bind ${b.size} bytes at binding ${binding}, above the storage binding limit ` +
        `of ${ctx.maxBinding} bytes (maxStorageBufferBindingSize or the backend's maxBindingBytes); ` +
        `the op did not split this storage into windows`,
    );
  }
  throw new Error(`${ERR} kernel ${kernel}: binding ${binding} at byte offset ${b.offset}, not a multiple of ${ctx.align}`);
}
