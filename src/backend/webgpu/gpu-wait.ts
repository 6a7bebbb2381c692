/**
 * Waiting for the GPU without spinning a CPU core (Node only).
 *
 * Dawn's Node binding (dawn.node, the `webgpu` package) completes mapAsync and
 * onSubmittedWorkDone by calling the global `setImmediate` with a native tick function again and
 * again while anything is pending: a busy loop on the JavaScript thread for as long as the GPU
 * works. On a software adapter (llvmpipe) the GPU is the CPU, so that loop takes a core away from
 * the kernels: one demo training step (gpt2 d 64 x 4 layers, batch 8 x 128, llvmpipe on 2 cores)
 * took a median 960 ms of wall time and 515 ms of process CPU time with the busy loop against
 * 627 ms and 336 ms with 1 ms timer ticks (the same process, steps interleaved, load average 8).
 *
 * So while one of our waits is pending, the global setImmediate passes native anonymous callbacks
 * (Dawn's ticks: every JavaScript function, and every bound one, shows its source or name) to a
 * 1 ms timer after the first few immediate ticks of the wait, so a short wait still completes at
 * once. Every other caller gets the real setImmediate and a real Immediate handle. Outside Node
 * (browsers, Deno) nothing changes. `gpuWaitOptions.throttle = false` turns it off.
 */

/** Whether waits throttle Dawn's polling ticks (Node only). */
export const gpuWaitOptions: { throttle: boolean } = { throttle: true };

/** Immediate ticks granted per wait before the 1 ms timers. */
const IMMEDIATE_TICKS = 4;

type AnyFn = (...args: unknown[]) => void;
interface NodeTimers {
  setImmediate: (fn: AnyFn, ...args: unknown[]) => unknown;
  setTimeout: (fn: AnyFn, ms: number, ...args: unknown[]) => unknown;
}

const g = globalThis as unknown as Partial<NodeTimers> & { process?: { versions?: { node?: string } } };
// Deno also defines process.versions.node and setImmediate, but its WebGPU does not poll this way.
const isNode = typeof g.setImmediate === 'function' && typeof g.process?.versions?.node === 'string' && !('Deno' in globalThis);
const fnSource = Function.prototype.toString;

let pending = 0;
let ticks = 0;
let realImmediate: NodeTimers['setImmediate'] | null = null;

/** A native function without a name: how Dawn's tick callback looks from JavaScript. */
function isNativeTick(fn: unknown): boolean {
  return typeof fn === 'function' && fn.name === '' && fnSource.call(fn).includes('[native code]');
}

function throttledImmediate(fn: AnyFn, ...args: unknown[]): unknown {
  if (isNativeTick(fn) && ticks++ >= IMMEDIATE_TICKS) return g.setTimeout!(fn, 1, ...args);
  return realImmediate!(fn, ...args);
}

/**
 * Runs `start` (which begins a GPU wait: mapAsync, onSubmittedWorkDone) and awaits its promise
 * with Dawn's polling throttled as described in the file header.
 */
export async function gpuWait<T>(start: () => Promise<T>): Promise<T> {
  if (!isNode || !gpuWaitOptions.throttle) return start();
  if (pending++ === 0) {
    realImmediate = g.setImmediate!;
    ticks = 0;
    g.setImmediate = throttledImmediate;
  }
  try {
    return await start();
  } finally {
    if (--pending === 0 && realImmediate) {
      g.setImmediate = realImmediate;
      realImmediate = null;
    }
  }
}
