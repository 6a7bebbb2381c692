/**
 * Device acquisition. Uses `navigator.gpu` when the runtime has it (Deno, browsers); otherwise in
 * Node loads Dawn through a DYNAMIC `import('webgpu')` (so browser bundles never pull it in),
 * installs its globals (GPUBufferUsage, ...) and creates an instance. When Dawn's default
 * (Vulkan) backend gives no adapter, retries with its OpenGL ES backend in compatibility mode
 * (EGL_PLATFORM=surfaceless). The device is created with the adapter's real limits and the
 * features shader-f16 / subgroups / timestamp-query when present. The Dawn instance is returned
 * so the backend can drop it on destroy() and let the Node process exit.
 */
import { ERR } from './errors.js';

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** The Dawn GPU instance in Node (null when navigator.gpu was used). */
  instance: GPU | null;
  adapterName: string;
  /**
   * Whether the adapter runs on the CPU (llvmpipe / lavapipe, SwiftShader, or the browser's
   * fallback adapter). Kernel choices differ there: SIMD lanes make workgroup barriers costly.
   */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
  notes: string[];
}

import { isSoftwareAdapter } from './matmul.js';

const WANTED_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups' as GPUFeatureName, 'timestamp-query'];

/** Finds an adapter and creates a device, or throws an Error explaining every attempt. */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<AcquiredDevice> {
  const notes: string[] = [];
  const tries: string[] = [];
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  let instance: GPU | null = null;
  let adapter: GPUAdapter | null = null;
  const req: GPURequestAdapterOptions = opts.powerPreference ? { powerPreference: opts.powerPreference } : {};

  if (nav?.gpu) {
    adapter = await nav.gpu.requestAdapter(req);
    tries.push(`navigator.gpu.requestAdapter() -> ${adapter ? 'adapter' : 'null'}`);
    if (adapter) notes.push('WebGPU from navigator.gpu');
  } else if (isNode()) {
    let mod: { create: (flags: string[]) => GPU; globals: object };
    try {
      const name = 'webgpu';
      mod = (await import(/* @vite-ignore */ name)) as typeof mod;
    } catch (e) {
      throw new Error(`${ERR} no navigator.gpu and the 'webgpu' package (Dawn for Node) could not be loaded: ${msg(e)}`);
    }
    Object.assign(globalThis, mod.globals);
    instance = mod.create([]);
    adapter = await instance.requestAdapter(req);
    tries.push(`Dawn default backend -> ${adapter ? 'adapter' : 'null'}`);
    if (adapter) notes.push('Dawn (node webgpu package), default backend (Vulkan on Linux)');
    else {
      const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
      if (env && !env.EGL_PLATFORM) env.EGL_PLATFORM = 'surfaceless';
      instance = mod.create(['backend=opengles']);
      adapter = await instance.requestAdapter({ ...req, featureLevel: 'compatibility' } as GPURequestAdapterOptions);
      tries.push(`Dawn backend=opengles, featureLevel compatibility -> ${adapter ? 'adapter' : 'null'}`);
      if (adapter) notes.push('Dawn OpenGL ES backend (compatibility mode): the Vulkan backend found no adapter');
    }
  } else {
    tries.push('no navigator.gpu and not Node');
  }
  if (!adapter) {
    throw new Error(
      `${ERR} no WebGPU adapter found (${tries.join('; ')}). On Linux without a GPU, Dawn needs ` +
        `Mesa >= 24 Vulkan drivers (llvmpipe) or EGL/GLES (libegl1 libegl-mesa0 libgles2); set XDG_RUNTIME_DIR.`,
    );
  }

  const limits: Record<string, number> = {};
  // Adapter limits are getters on the prototype: enumerate with for..in.
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const features = WANTED_FEATURES.filter((f) => adapter!.features.has(f));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits: limits });
  } catch (e) {
    // Some implementations reject limits they list but do not accept: fall back to the core ones.
    notes.push(`requestDevice with all adapter limits failed (${msg(e)}); retried with core limits`);
    const core: Record<string, number> = {};
    for (const k of CORE_LIMITS) if (k in limits) core[k] = limits[k]!;
    device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits: core });
  }
  const deviceLimits: Record<string, number> = {};
  for (const k in device.limits) {
    const v = (device.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') deviceLimits[k] = v;
  }
  return {
    device,
    adapter,
    instance,
    adapterName: describeAdapter(adapter),
    software: isSoftwareDevice(adapter),
    features: [...device.features].map(String).sort(),
    limits: deviceLimits,
    notes,
  };
}

const CORE_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxUniformBufferBindingSize', 'maxBindGroups',
];

/** "vendor architecture device (description)" from adapter.info (Dawn's fields are getters). */
function describeAdapter(adapter: GPUAdapter): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown adapter';
  const vendor = String(info.vendor ?? '');
  const architecture = String(info.architecture ?? '');
  const device = String(info.device ?? '');
  const description = String(info.description ?? '');
  const head = [vendor, architecture, device].filter((s) => s.length > 0).join(' ');
  return description ? (head ? `${head} (${description})` : description) : head || 'unknown adapter';
}

/** A CPU-emulated adapter: the fallback flag, or a known software rasterizer's name. */
function isSoftwareDevice(adapter: GPUAdapter): boolean {
  if ((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  const info = (adapter as { info?: GPUAdapterInfo }).info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  if (info?.isFallbackAdapter) return true;
  return isSoftwareAdapter(describeAdapter(adapter));
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
