/**
 * AdamW over parameter arenas (WebGPU: the parameters packed into one buffer per dtype, one
 * dispatch per step; src/optim/packed-params.ts, src/backend/webgpu/param-arena.ts) against the
 * per-parameter fused kernel on the same device (bitwise: the same arithmetic), the composed
 * reference and the CPU backend, over several steps of a mix of shapes (odd sizes, size 1, more
 * than one arena block, a parameter that is a reshape view of another tensor), f32 and f16, with
 * weight decay, bias correction and a clip factor; parameters without a gradient; one dispatch
 * per step; padding that stays zero; several binding windows; re-pointed and shared parameters;
 * state save / load; memory back to baseline; bitwise determinism. Skipped loudly without WebGPU.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend, DType } from '../src/backend/backend.js';
import type { Tensor } from '../src/tensor.js';
import { createWebGPUBackend, type GpuStorage, type WebGPUBackend } from '../src/backend/webgpu/index.js';
import { ARENA_BLOCK } from '../src/backend/webgpu/param-arena.js';
import { allClose, loadBackends, webgpuOf, type Tol } from './helpers/backends.js';
import * as R from './helpers/reference.js';

const backends = await loadBackends();
const gpuEntry = webgpuOf(backends);
const cpu = backends.find((b) => b.name === 'cpu')!.backend;
const gpu = (): WebGPUBackend => gpuEntry!.backend as unknown as WebGPUBackend;

/** Parameter shapes: odd sizes, size 1, more than one block (256 elements), an even size. */
const SHAPES = [[3, 5], [1], [7], [300], [2, 130], [64]];
const ALL = SHAPES.length + 1; // + the reshape view

interface RunOpts {
  dtype?: DType;
  fused?: boolean;
  packed?: boolean;
  weightDecay?: number;
  /** Whether parameter i is in AdamW's noDecay. */
  noDecay?: (i: number) => boolean;
  /** Clip norm (0: no clipping). */
  clip?: number;
  steps?: number;
  /** Whether parameter i has no gradient at step s. */
  skip?: (s: number, i: number) => boolean;
  /** Called before step s's gradients are set (edits parameters the same way on every path). */
  edit?: (s: number, params: Tensor[]) => void;
}

interface RunResult {
  params: number[][];
  m: (number[] | null)[];
  v: (number[] | null)[];
  norms: number[];
  /** The tensor the view parameter was reshaped from, after training. */
  base: number[];
}

/** Fresh parameters (the last a reshape view sharing another tensor's storage) on the current backend. */
function makeParams(dtype: DType): { params: Tensor[]; base: Tensor } {
  const params = SHAPES.map((shape, i) =>
    sg.tensor(Float32Array.from(R.randomData(R.sizeOf(shape), 10 + i, -1, 1)), { shape, dtype, requiresGrad: true }));
  const base = sg.tensor(Float32Array.from(R.randomData(24, 99, -1, 1)), { shape: [4, 6], dtype });
  const detached = base.detach();
  params.push(sg.reshape(detached, [6, 4]).requireGrad());
  detached.dispose();
  return { params, base };
}

/** Gradient of parameter i at step s: fixed host data, so every path sees the same gradients. */
function setGrads(params: Tensor[], s: number, dtype: DType, skip?: (s: number, i: number) => boolean): void {
  params.forEach((p, i) => {
    if (skip?.(s, i)) return;
    p.grad = sg.keep(sg.tensor(Float32Array.from(R.randomData(p.size, 1000 * (s + 1) + i, -0.5, 0.5)), { shape: p.shape.slice(), dtype }));
  });
}

/** Step s as the trainer runs it: gradients, the clip factor applied inside the update, cleared gradients. */
function clippedStep(opt: InstanceType<typeof sg.optim.AdamW>, params: Tensor[], s: number, dtype: DType, clip: number): void {
  setGrads(params, s, dtype);
  const c = sg.optim.clipScaleOnDevice(params, clip)!;
  opt.step({ gradScale: c.scale });
  opt.zeroGrad();
  c.norm.dispose();
  c.scale.dispose();
}

async function read(t: Tensor | undefined): Promise<number[] | null> {
  return t ? Array.from(await t.data()) : null;
}

/** Trains the parameters of makeParams with fixed gradients; returns everything, frees everything. */
async function train(be: Backend<any>, o: RunOpts = {}): Promise<RunResult> {
  const dtype = o.dtype ?? 'f32';
  return sg.withBackend(be, async () => {
    const { params, base } = makeParams(dtype);
    const opt = new sg.optim.AdamW(params, { lr: 0.02, betas: [0.9, 0.99], eps: 1e-8, weightDecay: o.weightDecay ?? 0.1, fused: o.fused ?? true, packed: o.packed ?? true, noDecay: params.filter((_, i) => o.noDecay?.(i)) });
    const norms: number[] = [];
    for (let s = 0; s < (o.steps ?? 4); s++) {
      o.edit?.(s, params);
      setGrads(params, s, dtype, o.skip);
      let scale: Tensor | null = null;
      if (o.clip) {
        const c = sg.optim.clipScaleOnDevice(params, o.clip)!;
        scale = c.scale;
        norms.push(await c.norm.item());
        c.norm.dispose();
      }
      opt.step({ gradScale: scale });
      scale?.dispose();
      opt.zeroGrad();
    }
    const st = opt.state();
    const res: RunResult = {
      params: await Promise.all(params.map(async (p) => Array.from(await p.data()))),
      m: await Promise.all(st.m.map(read)),
      v: await Promise.all(st.v.map(read)),
      norms,
      base: Array.from(await base.data()),
    };
    opt.dispose();
    for (const t of [...params, base]) t.dispose();
    return res;
  });
}

function expectBitwise(a: RunResult, b: RunResult): void {
  a.params.forEach((p, i) => expect(p, `param ${i}`).toEqual(b.params[i]));
  a.m.forEach((m, i) => expect(m, `m ${i}`).toEqual(b.m[i]));
  a.v.forEach((v, i) => expect(v, `v ${i}`).toEqual(b.v[i]));
}

function expectClose(a: RunResult, b: RunResult, tol: Tol, what: string): void {
  for (const k of ['params', 'm', 'v'] as const) {
    a[k].forEach((x, i) => {
      expect(x === null, `${what} ${k} ${i} exists`).toBe(b[k][i] === null);
      if (x) allClose(x, b[k][i]!, tol, `${what} ${k} ${i}`);
    });
  }
  if (a.norms.length) allClose(a.norms, b.norms, { atol: 1e-6, rtol: 1e-5 }, `${what} norms`);
}

const initial = (dtype: DType): Promise<number[][]> => sg.withBackend(cpu, async () => {
  const { params, base } = makeParams(dtype);
  const out = await Promise.all(params.map(async (p) => Array.from(await p.data())));
  for (const t of [...params, base]) t.dispose();
  return out;
});

const F16: Tol = { atol: 4e-3, rtol: 4e-3 };

/** The parameters of rank below 2 in makeParams (what `decayExempt` picks): [1], [7], [300], [64]. */
const VECTORS = (i: number): boolean => i < SHAPES.length && SHAPES[i]!.length < 2;

/**
 * noDecay on one backend: the exempt parameters (and their moments) equal a run without weight
 * decay, the others a run with it, bitwise (the same kernels, only the decay differs); `fused`
 * as given.
 */
async function expectNoDecaySplit(be: Backend<any>, o: RunOpts): Promise<RunResult> {
  const mixed = await train(be, { ...o, noDecay: VECTORS, weightDecay: 0.1 });
  const decayed = await train(be, { ...o, weightDecay: 0.1 });
  const plain = await train(be, { ...o, weightDecay: 0 });
  for (let i = 0; i < ALL; i++) {
    const want = VECTORS(i) ? plain : decayed;
    expect(mixed.params[i], `param ${i}`).toEqual(want.params[i]);
    expect(mixed.m[i], `m ${i}`).toEqual(want.m[i]);
  }
  expect(decayed.params[1], 'the decay changes the vector parameters').not.toEqual(plain.params[1]);
  return mixed;
}

describe('AdamW noDecay (cpu)', () => {
  it('exempt parameters update as without weight decay, the others with it (fused and composed agree)', async () => {
    expect(sg.optim.decayExempt(sg.withBackend(cpu, () => makeParams('f32')).params).length).toBe(4);
    const fused = await expectNoDecaySplit(cpu, { clip: 0.5 });
    expectClose(fused, await expectNoDecaySplit(cpu, { clip: 0.5, fused: false }), { atol: 1e-7, rtol: 1e-5 }, 'composed');
  });

  it('rejects a noDecay tensor that is not one of its parameters', () => {
    sg.withBackend(cpu, () => {
      const p = sg.zeros([2], { requiresGrad: true }), q = sg.zeros([3]);
      expect(() => new sg.optim.AdamW([p], { lr: 1e-3, noDecay: [q] })).toThrow(/noDecay holds .*not one of the optimizer's parameters/);
      p.dispose(); q.dispose();
    });
  });
});
const dtypes = (): DType[] => (gpuEntry && gpu().supportsF16 ? ['f32', 'f16'] : ['f32']);

(gpuEntry ? describe : describe.skip)('AdamW over a parameter arena (webgpu)', () => {
  for (const dtype of ['f32', 'f16'] as const) {
    it(`${dtype}: equals the per-parameter kernel bitwise, and matches the composed reference and the CPU backend (weight decay 0.1 and 0)`, async () => {
      if (!dtypes().includes(dtype)) return void console.warn('no shader-f16: f16 arena test skipped');
      for (const weightDecay of [0.1, 0]) {
        const arena = await train(gpu(), { dtype, weightDecay });
        expectBitwise(arena, await train(gpu(), { dtype, weightDecay, packed: false }));
        const tol = dtype === 'f16' ? F16 : { atol: 1e-7, rtol: 1e-5 };
        if (dtype === 'f32') expectClose(arena, await train(gpu(), { dtype, weightDecay, fused: false }), tol, 'composed');
        expectClose(arena, await train(cpu, { dtype, weightDecay }), tol, 'cpu');
        expect(arena.base, 'the tensor the view parameter shared its storage with').toEqual((await initial(dtype)).at(-1));
      }
    });

    it(`${dtype}: a clip factor as gradScale (norm from one sum over the gradient arena) matches the per-parameter path and the CPU`, async () => {
      if (!dtypes().includes(dtype)) return;
      const tol = dtype === 'f16' ? F16 : { atol: 1e-6, rtol: 1e-5 };
      const arena = await train(gpu(), { dtype, clip: 0.5 });
      expect(arena.norms.every((n) => n > 0.5)).toBe(true); // the clip is active
      expectClose(arena, await train(gpu(), { dtype, clip: 0.5, packed: false }), tol, 'per-parameter');
      expectClose(arena, await train(cpu, { dtype, clip: 0.5 }), tol, 'cpu');
      // A loose clip gives a factor of exactly 1: bitwise the unclipped step.
      expectBitwise(await train(gpu(), { dtype, clip: 1e6 }), await train(gpu(), { dtype }));
    });
  }

  it('noDecay: the exempt parameters go to their own arena, updated without decay; the split matches the CPU', async () => {
    const arena = await expectNoDecaySplit(gpu(), { clip: 0.5 });
    expectClose(arena, await train(gpu(), { clip: 0.5, noDecay: VECTORS, packed: false }), { atol: 1e-6, rtol: 1e-5 }, 'per-parameter');
    expectClose(arena, await train(cpu, { clip: 0.5, noDecay: VECTORS }), { atol: 1e-6, rtol: 1e-5 }, 'cpu');
  });

  it('parameters without a gradient are left untouched (values and moments), in any pattern', async () => {
    const skip = (s: number, i: number): boolean => i === 1 || (i + s) % 3 === 0;
    for (const clip of [0, 0.5]) {
      const arena = await train(gpu(), { skip, clip, steps: 5 });
      const perParam = await train(gpu(), { skip, clip, steps: 5, packed: false });
      if (clip) expectClose(arena, perParam, { atol: 1e-6, rtol: 1e-5 }, 'per-parameter');
      else expectBitwise(arena, perParam);
      expectClose(arena, await train(cpu, { skip, clip, steps: 5 }), { atol: 1e-6, rtol: 1e-5 }, 'cpu');
      expect(arena.params[1]).toEqual((await initial('f32'))[1]); // never had a gradient
      expect(arena.m[1]).toBeNull();
    }
  });

  it('one AdamW step is ONE dispatch (gradients copied, not dispatched); a clip before it copies them once', async () => {
    await sg.withBackend(gpu(), async () => {
      const { params, base } = makeParams('f32');
      const opt = new sg.optim.AdamW(params, { lr: 0.01 });
      const b = gpu().batcher;
      const count = (fn: () => void): [number, number] => {
        const d0 = b.dispatches, c0 = b.copies;
        fn();
        return [b.dispatches - d0, b.copies - c0];
      };
      setGrads(params, 0, 'f32');
      opt.step(); // packs, allocates the moments
      opt.zeroGrad();
      setGrads(params, 1, 'f32');
      expect(count(() => opt.step())).toEqual([1, ALL]);
      // Clipping: one sumSquares dispatch over the arena, then one clipScale dispatch (norm and factor).
      const warm = sg.optim.clipScaleOnDevice(params, 0.1)!; // creates the cached scalar constants
      warm.norm.dispose(); warm.scale.dispose();
      opt.zeroGrad();
      setGrads(params, 2, 'f32');
      let c: { norm: Tensor; scale: Tensor } | null = null;
      const [clipDispatches, clipCopies] = count(() => { c = sg.optim.clipScaleOnDevice(params, 0.1); });
      expect(clipDispatches).toBe(2);
      expect(clipCopies).toBe(ALL);
      expect(count(() => opt.step({ gradScale: c!.scale }))).toEqual([1, 0]);
      // Unpacked: one dispatch per parameter.
      const unpacked = new sg.optim.AdamW(params, { lr: 0.01, packed: false });
      unpacked.step();
      expect(count(() => unpacked.step())[0]).toBe(ALL);
      opt.zeroGrad();
      for (const t of [c!.norm, c!.scale, ...params, base]) t.dispose();
      opt.dispose();
      unpacked.dispose();
    });
  });

  it('a gradient that does not match its parameter is refused before anything runs', () => {
    sg.withBackend(gpu(), () => {
      const p = sg.tensor([1, 2, 3], { requiresGrad: true });
      const opt = new sg.optim.AdamW([p], { lr: 0.1 });
      p.grad = sg.keep(sg.tensor([1, 2]));
      expect(() => opt.step()).toThrow(/gradient \[2\] f32 does not match parameter \[3\] f32/);
      p.grad.dispose();
      p.grad = sg.withBackend(cpu, () => sg.keep(sg.tensor([1, 2, 3])));
      expect(() => opt.step()).toThrow(/lives on another backend \(cpu\)/);
      p.grad.dispose();
      p.grad = null;
      opt.dispose();
      p.dispose();
    });
  });

  it('padding between the windows of the param, m and v buffers stays exactly 0 (f32 and f16, odd sizes)', async () => {
    for (const dtype of dtypes()) {
      await sg.withBackend(gpu(), async () => {
        const { params, base } = makeParams(dtype);
        // eps 0: an update of a padding element would be 0 / 0 (NaN), so untouched padding shows.
        const opt = new sg.optim.AdamW(params, { lr: 0.05, eps: 0 });
        for (let s = 0; s < 3; s++) clippedStep(opt, params, s, dtype, 0.3);
        const eb = dtype === 'f16' ? 2 : 4;
        const st = opt.state();
        for (const [what, ts] of [['param', params], ['m', st.m], ['v', st.v]] as const) {
          const ss = ts.map((t) => t!.storage as GpuStorage);
          const buffer = ss[0]!.buffer;
          expect(ss.every((s) => s.buffer === buffer), `${what}: one buffer`).toBe(true);
          expect(ss.every((s) => s.offset % 256 === 0 && s.offset % (ARENA_BLOCK * eb) === 0), `${what}: aligned windows`).toBe(true);
          const n = buffer.size / eb;
          const all = await gpu().read({ buffer, offset: 0, bytes: buffer.size, live: true }, n, dtype);
          const inSlot = new Uint8Array(n);
          ts.forEach((t, i) => inSlot.fill(1, ss[i]!.offset / eb, ss[i]!.offset / eb + t!.size));
          const bad = Array.from(all).findIndex((x, i) => !inSlot[i] && !Object.is(x, 0));
          expect(bad, `${what} ${dtype}: padding element ${bad}`).toBe(-1);
        }
        opt.dispose();
        for (const t of [...params, base]) t.dispose();
      });
    }
  });

  it('several binding windows (an arena above maxStorageBufferBindingSize) give the same result, one dispatch per window', async () => {
    const one = await train(gpu(), { clip: 0.5 }), oneUnclipped = await train(gpu(), {});
    const lowered = await createWebGPUBackend({ maxBindingBytes: 2 * ARENA_BLOCK * 4 }); // two f32 blocks per window
    try {
      expectClose(await train(lowered, { clip: 0.5 }), one, { atol: 1e-6, rtol: 1e-5 }, 'windows'); // the norm's partial sums group differently
      expectBitwise(await train(lowered, {}), oneUnclipped);
      await sg.withBackend(lowered, async () => {
        const { params, base } = makeParams('f32');
        const opt = new sg.optim.AdamW(params, { lr: 0.01 });
        setGrads(params, 0, 'f32');
        opt.step();
        const d0 = lowered.batcher.dispatches;
        opt.step();
        const blocks = params.reduce((s, p) => s + Math.max(1, Math.ceil(p.size / ARENA_BLOCK)), 0);
        expect(lowered.batcher.dispatches - d0).toBe(Math.ceil(blocks / 2));
        opt.zeroGrad();
        opt.dispose();
        for (const t of [...params, base]) t.dispose();
      });
    } finally {
      lowered.destroy();
    }
  });

  it('re-pointed and shared parameters: assign() is picked up, a detach() keeps its values, updates never show through', async () => {
    const run = (packed: boolean): Promise<{ r: RunResult; detached: number[]; before: number[]; moment: number[]; momentBefore: number[] }> => sg.withBackend(gpu(), async () => {
      const { params, base } = makeParams('f32');
      const opt = new sg.optim.AdamW(params, { lr: 0.02, packed });
      let detached: Tensor | null = null, momentView: Tensor | null = null;
      let before: number[] = [], momentBefore: number[] = [];
      for (let s = 0; s < 5; s++) {
        if (s === 2) {
          const fresh = sg.tensor(Float32Array.from(R.randomData(15, 5, -2, 2)), { shape: [3, 5] });
          params[0]!.assign(fresh); // like a checkpoint load
          fresh.dispose();
          sg.noGrad(() => sg.tidy(() => { params[2]!.assign(params[6]!.reshape([24]).slice(0, 0, 7)); })); // computed from another parameter
        }
        if (s === 3) {
          detached = params[3]!.detach(); // shares the window
          before = Array.from(await detached.data());
          momentView = opt.state().m[3]!.reshape([300]); // shares the moment's window
          momentBefore = Array.from(await momentView.data());
        }
        setGrads(params, s, 'f32');
        opt.step();
        opt.zeroGrad();
      }
      const st = opt.state();
      const r: RunResult = {
        params: await Promise.all(params.map(async (p) => Array.from(await p.data()))),
        m: await Promise.all(st.m.map(read)), v: await Promise.all(st.v.map(read)), norms: [], base: [],
      };
      const out = { r, detached: Array.from(await detached!.data()), before, moment: Array.from(await momentView!.data()), momentBefore };
      opt.dispose();
      for (const t of [...params, base, detached!, momentView!]) t.dispose();
      return out;
    });
    const a = await run(true), b = await run(false);
    expectBitwise(a.r, b.r);
    expect(a.detached).toEqual(a.before);
    expect(a.r.params[3]).not.toEqual(a.before);
    expect(a.moment).toEqual(a.momentBefore);
    expect(a.r.m[3]).not.toEqual(a.momentBefore);
  });

  it('state() / loadState: resuming from saved moments and weights continues bitwise like the uninterrupted run', async () => {
    await sg.withBackend(gpu(), async () => {
      const { params, base } = makeParams('f32');
      const opt = new sg.optim.AdamW(params, { lr: 0.02, weightDecay: 0.1 });
      const stepAt = (s: number): void => clippedStep(opt, params, s, 'f32', 0.5);
      for (let s = 0; s < 3; s++) stepAt(s);
      // Save (host copies, as a checkpoint does).
      const st = opt.state();
      const saved = {
        t: st.t,
        p: await Promise.all(params.map(async (p) => Float32Array.from(await p.data()))),
        m: await Promise.all(st.m.map(async (t) => Float32Array.from(await t!.data()))),
        v: await Promise.all(st.v.map(async (t) => Float32Array.from(await t!.data()))),
      };
      for (let s = 3; s < 5; s++) stepAt(s);
      const straight = await Promise.all(params.map(async (p) => Array.from(await p.data())));
      // Load into the same parameters and optimizer (every window is replaced: the arena buffers
      // are freed and made again), then redo steps 3 and 4.
      params.forEach((p, i) => {
        const t = sg.tensor(saved.p[i]!, { shape: p.shape.slice() });
        p.assign(t);
        t.dispose();
      });
      opt.loadState({ t: saved.t, m: saved.m.map((d) => sg.tensor(d)), v: saved.v.map((d) => sg.tensor(d)) }); // flat: reshaped by loadState
      for (let s = 3; s < 5; s++) stepAt(s);
      const resumed = await Promise.all(params.map(async (p) => Array.from(await p.data())));
      resumed.forEach((p, i) => expect(p, `param ${i}`).toEqual(straight[i]));
      opt.dispose();
      for (const t of [...params, base]) t.dispose();
    });
  });

  it('memory and live tensors return to baseline: optimizer.dispose(), or disposing the parameters and state() tensors', async () => {
    const mark = (): [number, number] => [gpu().memory().bytesInUse, sg.liveTensors()];
    await train(gpu(), { clip: 0.5 }); // warm the constant caches
    for (const how of ['dispose', 'state', 'params-first'] as const) {
      const before = mark();
      await sg.withBackend(gpu(), async () => {
        const { params, base } = makeParams('f32');
        const opt = new sg.optim.AdamW(params, { lr: 0.02 });
        for (let s = 0; s < 3; s++) clippedStep(opt, params, s, 'f32', 0.5);
        const st = opt.state();
        if (how === 'dispose') {
          opt.dispose();
          for (const t of [...params, base]) t.dispose();
        } else if (how === 'state') {
          for (const t of [...params, base, ...st.m, ...st.v]) t!.dispose(); // what the train command does
        } else {
          for (const t of [...params, base]) t.dispose();
          expect(gpu().memory().bytesInUse).toBeGreaterThan(before[0]); // the moments still live
          opt.dispose();
        }
      });
      expect(mark(), how).toEqual(before);
    }
  });

  it('is deterministic: two runs give bitwise equal weights, moments and norms', async () => {
    const a = await train(gpu(), { clip: 0.5, steps: 3 }), b = await train(gpu(), { clip: 0.5, steps: 3 });
    expectBitwise(a, b);
    expect(a.norms).toEqual(b.norms);
  });

  it('in-place kernels take disjoint writable windows of one buffer; overlaps and a read window in a written buffer are refused', async () => {
    const be = gpu();
    const n = 37; // odd: windows of 148 bytes at 256-byte offsets
    const whole = be.pool.acquireExact(4 * 256);
    const at = (k: number): GpuStorage => ({ buffer: whole.buffer, offset: 256 * k, bytes: 4 * n, live: true });
    const data = [0, 1, 2, 3].map((k) => Float32Array.from(R.randomData(n, 70 + k, k === 3 ? 0 : -1, 1)));
    const cpuS = data.map((d) => cpu.upload(d, 'f32'));
    const grad = be.upload(data[1]!, 'f32');
    const tmp = data.map((d) => be.upload(d, 'f32'));
    tmp.forEach((s, k) => be.kernels.copy({ src: s, dst: at(k), dtype: 'f32', shape: [n], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] }));
    const hyper = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, c1: 0.1, c2: 0.01 };
    // param, m and v: three windows of one buffer (all written); the gradient in another buffer.
    be.kernels.adamwStep({ param: at(0), grad, m: at(2), v: at(3), n, dtype: 'f32', hyper });
    cpu.kernels.adamwStep({ param: cpuS[0], grad: cpuS[1], m: cpuS[2], v: cpuS[3], n, dtype: 'f32', hyper });
    for (const k of [0, 2, 3]) allClose(await be.read(at(k), n, 'f32'), await cpu.read(cpuS[k], n, 'f32'), { atol: 1e-7, rtol: 1e-6 }, `window ${k}`);
    const overlap: GpuStorage = { buffer: whole.buffer, offset: 256, bytes: 512, live: true };
    expect(() => be.kernels.adamwStep({ param: at(0), grad, m: overlap, v: at(2), n, dtype: 'f32', hyper })).toThrow(/different storages \(two written storages overlap\)/);
    // WebGPU (Dawn) rejects a read-only and a writable binding of one buffer in a dispatch, whatever the ranges.
    expect(() => be.kernels.adamwStep({ param: at(0), grad: at(1), m: at(2), v: at(3), n, dtype: 'f32', hyper })).toThrow(/read storage lies in a buffer that is also written/);
    expect(() => be.kernels.copy({ src: at(0), dst: at(1), dtype: 'f32', shape: [n], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] })).toThrow(/different storages/);
    await be.sync(); // the device accepted everything that was recorded
    for (const s of [...tmp, grad]) be.free(s);
    be.pool.release(whole);
  });
});
