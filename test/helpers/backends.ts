/**
 * The backends every suite runs on: always the CPU reference, plus WebGPU when the backend module
 * exists and an adapter can be created. When WebGPU cannot be created the suites for it are
 * registered with `describe.skip` (and a loud warning is printed) so they show up as skipped
 * instead of silently disappearing.
 *
 * Usage at the top of a test file (top-level await: the decision between describe and
 * describe.skip has to be made while the file is collected):
 *
 *   const backends = await loadBackends();
 *   describe.each(backends)('$name', (entry) => { ... entry.backend ... });
 *
 * One WebGPU backend is made per test file and destroyed in afterAll.
 */
import { afterAll, describe } from 'vitest';
import * as sg from '../../src/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.js';
import type { Tensor } from '../../src/tensor.js';

/** One backend under test. */
export interface BackendEntry {
  name: 'cpu' | 'webgpu';
  /** The backend (throws when the entry is skipped). */
  readonly backend: Backend<any>;
  /** Whether the suites for this backend run. */
  available: boolean;
  /** Why it is skipped. */
  reason?: string;
  /** `describe` or `describe.skip`, depending on availability. */
  describe: typeof describe | typeof describe.skip;
}

let cached: Promise<BackendEntry[]> | null = null;

/** Tries to create the WebGPU backend; returns it or the reason it could not be made. */
async function tryWebGPU(): Promise<{ backend?: Backend<any>; reason?: string }> {
  if (process.env.STORYGRAD_NO_WEBGPU) return { reason: 'STORYGRAD_NO_WEBGPU is set' };
  try {
    // A computed specifier so the file works before src/backend/webgpu/index.ts exists.
    const spec = '../../src/backend/webgpu/index.js';
    const mod = await import(/* @vite-ignore */ spec);
    if (typeof mod.createWebGPUBackend !== 'function') return { reason: 'createWebGPUBackend is not exported' };
    const backend = (await mod.createWebGPUBackend()) as Backend<any>;
    return { backend };
  } catch (e) {
    return { reason: (e as Error)?.message ?? String(e) };
  }
}

/** The backends of this test file (CPU always, WebGPU when it can be created). */
export function loadBackends(): Promise<BackendEntry[]> {
  if (cached) return cached;
  cached = (async () => {
    const cpu = new CpuBackend();
    const entries: BackendEntry[] = [
      { name: 'cpu', backend: cpu, available: true, describe },
    ];
    const { backend, reason } = await tryWebGPU();
    if (backend) {
      entries.push({ name: 'webgpu', backend, available: true, describe });
      afterAll(() => backend.destroy());
    } else {
      console.warn(
        `\n***************************************************************\n` +
        `*** WebGPU tests SKIPPED: ${reason}\n` +
        `***************************************************************\n`,
      );
      entries.push({
        name: 'webgpu',
        get backend(): Backend<any> { throw new Error(`WebGPU backend unavailable: ${reason}`); },
        available: false,
        reason,
        describe: describe.skip,
      });
    }
    return entries;
  })();
  return cached;
}

/** The WebGPU entry when it is available. */
export function webgpuOf(entries: BackendEntry[]): BackendEntry | undefined {
  return entries.find((e) => e.name === 'webgpu' && e.available);
}

// ---------------------------------------------------------------------------------------------
// Reading tensors and comparing numbers.

/** Flat contents of a tensor as plain numbers, with its shape. */
export interface Read {
  shape: number[];
  dtype: string;
  data: number[];
}

/** Reads a tensor (any backend) into plain numbers. */
export async function readTensor(t: Tensor): Promise<Read> {
  const d = await t.data();
  return { shape: t.shape.slice(), dtype: t.dtype, data: Array.from(d) };
}

/** Reads and disposes. */
export async function take(t: Tensor): Promise<Read> {
  try {
    return await readTensor(t);
  } finally {
    t.dispose();
  }
}

/** Tolerances of allClose: |a - e| <= atol + rtol * |e|. */
export interface Tol {
  atol?: number;
  rtol?: number;
}

/** Result of a closeness check. */
export interface CloseResult {
  ok: boolean;
  message: string;
}

/**
 * Compares two flat arrays elementwise. NaN matches NaN, infinities must match exactly. On
 * failure the message names the first mismatching index with both values and the worst error.
 */
export function closeReport(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}, what = ''): CloseResult {
  const atol = tol.atol ?? 1e-5, rtol = tol.rtol ?? 1e-4;
  const pre = what ? `${what}: ` : '';
  if (actual.length !== expected.length) {
    return { ok: false, message: `${pre}length ${actual.length} != expected length ${expected.length}` };
  }
  let first = -1;
  let worst = 0, worstAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    let bad: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) bad = !(Number.isNaN(e) && Number.isNaN(a));
    else if (!Number.isFinite(e) || !Number.isFinite(a)) bad = a !== e;
    else {
      const err = Math.abs(a - e);
      bad = err > atol + rtol * Math.abs(e);
      if (err > worst) { worst = err; worstAt = i; }
    }
    if (bad && first < 0) first = i;
  }
  if (first < 0) return { ok: true, message: '' };
  return {
    ok: false,
    message: `${pre}mismatch at index ${first}: actual ${actual[first]} vs expected ${expected[first]} ` +
      `(atol ${atol}, rtol ${rtol}; worst |err| ${worst} at index ${worstAt}; ${actual.length} elements)`,
  };
}

/** Throws with the first mismatching index and both values unless actual ≈ expected. */
export function allClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}, what = ''): void {
  const r = closeReport(actual, expected, tol, what);
  if (!r.ok) throw new Error(r.message);
}

/** Throws unless two shapes are equal. */
export function sameShapeOrThrow(actual: readonly number[], expected: readonly number[], what = ''): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${what ? `${what}: ` : ''}shape [${actual.join(', ')}] != expected [${expected.join(', ')}]`);
  }
}

/** Runs fn with `backend` as default backend (sugar). */
export function on<T>(backend: Backend<any>, fn: () => T): T {
  return sg.withBackend(backend, fn);
}
