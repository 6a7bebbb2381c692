/**
 * Tensor creation: from JS data, constants, ranges and the seeded random generators. Numbers
 * default to f32; Int32Array data defaults to i32.
 */
import type { DType } from '../backend/backend.js';
import { Tensor } from '../tensor.js';
import { checkShape, contiguousStrides, fmt, sizeOf } from '../shape.js';
import { defaultBackend, wrap } from './common.js';
import { mix32 } from '../backend/rng.js';

/** Options of tensor constructors. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Shape for flat data (typed arrays or flat number arrays). */
  shape?: readonly number[];
}

/** Anything `tensor()` accepts. */
export type TensorData = number | readonly TensorData[] | Float32Array | Int32Array | Float64Array;

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let cur: TensorData = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as TensorData;
  }
  if (ArrayBuffer.isView(cur)) shape.push((cur as Float32Array).length);
  return shape;
}

function flatten(data: TensorData, shape: readonly number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new Error(`storygrad: tensor: ragged or non-numeric data at depth ${depth}`);
    out.push(data);
    return;
  }
  const arr = data as ArrayLike<TensorData>;
  if (typeof data === 'number' || arr.length !== shape[depth]) {
    throw new Error(`storygrad: tensor: ragged nested array (expected length ${shape[depth]} at depth ${depth})`);
  }
  for (let i = 0; i < arr.length; i++) flatten(arr[i]!, shape, out, depth + 1);
}

/** Creates a tensor from a number, nested arrays or a typed array. */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? (data instanceof Int32Array ? 'i32' : 'f32');
  let flat: ArrayLike<number>;
  let shape: readonly number[];
  if (ArrayBuffer.isView(data)) {
    flat = data as Float32Array;
    shape = opts.shape ?? [flat.length];
  } else {
    shape = inferShape(data);
    const out: number[] = [];
    flatten(data, shape, out);
    flat = out;
    if (opts.shape) shape = opts.shape;
  }
  checkShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new Error(`storygrad: tensor: ${flat.length} values do not fill shape ${fmt(shape)}`);
  }
  const b = defaultBackend();
  if (dtype === 'f16' && !b.supportsF16) throw new Error(`storygrad: tensor: f16 is not supported on the ${b.name} backend (no shader-f16)`);
  const host = dtype === 'i32' ? Int32Array.from(flat, (v) => v | 0) : Float32Array.from(flat);
  const t = wrap(b, b.upload(host, dtype), shape, dtype);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = opts.dtype ?? 'f32';
  const b = defaultBackend();
  const t = wrap(b, b.kernels.fill(sizeOf(shape), value, dtype), shape, dtype);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Zeros. */
export const zeros = (shape: readonly number[], opts: TensorOptions = {}): Tensor => full(shape, 0, opts);
/** Ones. */
export const ones = (shape: readonly number[], opts: TensorOptions = {}): Tensor => full(shape, 1, opts);

/** Ones with x's shape, dtype and backend. */
export function onesLike(x: Tensor): Tensor {
  return wrap(x.backend, x.backend.kernels.fill(x.size, 1, x.dtype), x.shape, x.dtype);
}

/** Zeros with x's shape, dtype and backend. */
export function zerosLike(x: Tensor): Tensor {
  return wrap(x.backend, x.backend.kernels.fill(x.size, 0, x.dtype), x.shape, x.dtype);
}

/** start, start+step, ... < end (like Python's range; default dtype i32 for integer args). */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('storygrad: arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const isInt = Number.isInteger(start) && Number.isInteger(step);
  const dtype = opts.dtype ?? (isInt ? 'i32' : 'f32');
  const data = Array.from({ length: n }, (_, i) => start + i * step);
  return tensor(dtype === 'i32' ? Int32Array.from(data) : Float32Array.from(data), { ...opts, dtype, shape: [n] });
}

// ---- seeded randomness ----
let globalSeed = 0x5eed;
let globalCounter = 0;

/** Seeds the global generator used when no explicit seed is given. */
export function manualSeed(seed: number): void {
  globalSeed = seed >>> 0;
  globalCounter = 0;
}

/** Next seed from the global generator (deterministic after `manualSeed`). */
export function nextSeed(): number {
  return mix32((globalSeed + Math.imul(++globalCounter, 0x9e3779b9)) >>> 0);
}

/** The global generator's state (seed and counter), for checkpoints. */
export function getRngState(): { seed: number; counter: number } {
  return { seed: globalSeed, counter: globalCounter };
}

/** Restores a state from `getRngState`. */
export function setRngState(state: { seed: number; counter: number }): void {
  globalSeed = state.seed >>> 0;
  globalCounter = state.counter;
}

/** Options of the random constructors. */
export interface RandomOptions extends TensorOptions {
  /** Seed; the same seed gives the same numbers on every backend. */
  seed?: number;
  /** Scale (randn: standard deviation; rand: high end of the interval). */
  scale?: number;
}

function random(kind: 'uniform' | 'normal', shape: readonly number[], opts: RandomOptions): Tensor {
  checkShape(kind === 'uniform' ? 'rand' : 'randn', shape);
  const b = defaultBackend();
  const seed = (opts.seed ?? nextSeed()) >>> 0;
  let t = wrap(b, b.kernels.rand(kind, sizeOf(shape), seed, 0), shape, 'f32');
  if (opts.scale !== undefined && opts.scale !== 1) {
    const s = wrap(b, b.kernels.fill(1, opts.scale, 'f32'), [], 'f32');
    const scaled = wrap(b, b.kernels.binary({ op: 'mul', a: t.storage, b: s.storage, dtype: 'f32', outShape: shape.slice(), aStrides: contiguousStrides(shape), bStrides: shape.map(() => 0) }), shape, 'f32');
    t.dispose(); s.dispose();
    t = scaled;
  }
  if (opts.dtype && opts.dtype !== 'f32') {
    const c = wrap(b, b.kernels.cast(t.storage, t.size, 'f32', opts.dtype), shape, opts.dtype);
    t.dispose();
    t = c;
  }
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Standard normal samples (times `scale`). */
export const randn = (shape: readonly number[], opts: RandomOptions = {}): Tensor => random('normal', shape, opts);
/** Uniform samples in [0, scale). */
export const rand = (shape: readonly number[], opts: RandomOptions = {}): Tensor => random('uniform', shape, opts);

