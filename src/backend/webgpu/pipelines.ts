/**
 * Pipeline cache. A kernel is (WGSL file, entry point, placeholder substitutions, override
 * constants, included files); its source is `enable f16;` / `enable subgroups;` (when needed) +
 * kernels/common.wgsl + the included files + the file, with the placeholders (ELEM, CT, OP, ...)
 * replaced as whole words in the included files and the file. Compute pipelines are cached by that
 * key, bind group layouts by their binding signature, so each distinct kernel compiles once.
 * Compilation errors are caught with a validation error scope and reported naming the kernel.
 */
import { ERR, type DeviceHealth } from './errors.js';
import { KERNEL_SOURCES } from './kernels.generated.js';

/** How a binding is used: uniform block, read-only storage or read-write storage. */
export type BindingKind = 'uniform' | 'read' | 'write';

export interface KernelSpec {
  /** Kernel file name (kernels/<file>.wgsl). */
  file: string;
  /** Entry point (default 'main'). */
  entry?: string;
  /** Placeholder -> replacement text. */
  subs?: Record<string, string>;
  /** Whether any buffer is f16 (adds `enable f16;`). */
  f16?: boolean;
  /** Whether the kernel uses subgroup builtins (adds `enable subgroups;`; needs the 'subgroups' feature). */
  subgroups?: boolean;
  /** Override constants. */
  overrides?: Record<string, number>;
  /** Kernel files (not kernels themselves, e.g. matmul_epilogue) placed before `file`. */
  include?: readonly string[];
  /**
   * A kernel file placed `count` times after the includes, copy i with every `SEG` in its text
   * replaced by i (before the substitutions): per-segment functions that read other bindings.
   */
  repeat?: { readonly file: string; readonly count: number };
  /** [binding number, kind] for every binding the entry point uses. */
  bindings: ReadonlyArray<readonly [number, BindingKind]>;
}

export interface CachedPipeline {
  /** Cache key: what the kernel is (file, entry, substitutions, overrides). */
  key: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  bindings: ReadonlyArray<readonly [number, BindingKind]>;
}

export class PipelineCache {
  private pipelines = new Map<string, CachedPipeline>();
  private layouts = new Map<string, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private modules = new Map<string, GPUShaderModule>();

  constructor(private readonly device: GPUDevice, private readonly health: DeviceHealth) {}

  get size(): number {
    return this.pipelines.size;
  }

  /** Storage buffers bound by each compiled pipeline, by key (tests audit them against WebGPU's default limit of 8). */
  storageBindingCounts(): Map<string, number> {
    return new Map([...this.pipelines].map(([k, p]) => [k, storageBindings(p.bindings)]));
  }

  get(spec: KernelSpec): CachedPipeline {
    const entry = spec.entry ?? 'main';
    const subs = spec.subs ?? {};
    const subKey = Object.keys(subs).sort().map((k) => `${k}=${subs[k]}`).join(',');
    const ovKey = Object.keys(spec.overrides ?? {}).sort().map((k) => `${k}=${spec.overrides![k]}`).join(',');
    const enables = `${spec.f16 ? 'f16' : ''}${spec.subgroups ? '+sg' : ''}`;
    const inc = (spec.include?.length ? `|+${spec.include.join('+')}` : '') + (spec.repeat ? `|*${spec.repeat.file}x${spec.repeat.count}` : '');
    const key = `${spec.file}:${entry}|${subKey}|${ovKey}|${enables}${inc}`;
    const hit = this.pipelines.get(key);
    if (hit) return hit;
    const storage = storageBindings(spec.bindings);
    const limit = this.device.limits.maxStorageBuffersPerShaderStage;
    if (storage > limit) {
      throw new Error(`${ERR} kernel ${key} binds ${storage} storage buffers, more than this device's maxStorageBuffersPerShaderStage (${limit})`);
    }

    const srcKey = `${spec.file}|${subKey}|${enables}${inc}`;
    let module = this.modules.get(srcKey);
    const device = this.device;
    device.pushErrorScope('validation');
    if (!module) {
      module = device.createShaderModule({ code: kernelSource(spec.file, subs, !!spec.f16, !!spec.subgroups, spec.include, spec.repeat), label: srcKey });
      this.modules.set(srcKey, module);
    }
    const { bgl, pl } = this.layoutFor(spec.bindings);
    const pipeline = device.createComputePipeline({
      label: key,
      layout: pl,
      compute: { module, entryPoint: entry, constants: spec.overrides ?? {} },
    });
    device.popErrorScope().then(
      (err) => {
        if (err) this.health.record(new Error(`${ERR} kernel ${key} failed to compile: ${err.message}`), true);
      },
      () => {},
    );
    const cached = { key, pipeline, layout: bgl, bindings: spec.bindings };
    this.pipelines.set(key, cached);
    return cached;
  }

  private layoutFor(bindings: KernelSpec['bindings']): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout } {
    const key = bindings.map(([b, k]) => `${b}${k[0]}`).join(',');
    let l = this.layouts.get(key);
    if (!l) {
      const bgl = this.device.createBindGroupLayout({
        entries: bindings.map(([binding, kind]) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          // Uniform blocks take a dynamic offset (their slot in a chunk, batcher.ts), so a bind group serves every slot.
          buffer: kind === 'uniform' ? { type: 'uniform', hasDynamicOffset: true } : { type: kind === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      const pl = this.device.createPipelineLayout({ bindGroupLayouts: [bgl] });
      l = { bgl, pl };
      this.layouts.set(key, l);
    }
    return l;
  }
}

/** Number of storage (non-uniform) bindings of a kernel. */
function storageBindings(bindings: KernelSpec['bindings']): number {
  let n = 0;
  for (const [, kind] of bindings) if (kind !== 'uniform') n++;
  return n;
}

/** Full WGSL text of a kernel file after substitution (exported for tests and debugging). */
export function kernelSource(
  file: string, subs: Record<string, string>, f16: boolean, subgroups = false, include: readonly string[] = [], repeat?: KernelSpec['repeat'],
): string {
  const common = KERNEL_SOURCES['common'];
  const source = (f: string) => {
    const text = KERNEL_SOURCES[f];
    if (text === undefined || common === undefined) throw new Error(`${ERR} unknown kernel file '${f}'`);
    return text;
  };
  const texts = [
    ...include.map(source),
    ...Array.from({ length: repeat?.count ?? 0 }, (_, i) => source(repeat!.file).replace(/SEG/g, String(i))),
    source(file),
  ];
  const parts = texts.map((text) => {
    let body = text;
    for (const [k, v] of Object.entries(subs)) body = body.replace(new RegExp(`\\b${k}\\b`, 'g'), v);
    return body;
  });
  return (f16 ? 'enable f16;\n' : '') + (subgroups ? 'enable subgroups;\n' : '') + common + '\n' + parts.join('\n');
}
