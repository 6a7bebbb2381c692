/** Helpers shared by op definitions: backend checks, scalar operands, output wrapping. */
import type { Backend, DType, Kernels } from '../backend/backend.js';
import { isFloat } from '../backend/backend.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { getBackend } from '../runtime.js';
import type { Shape } from '../shape.js';
import { constantScalar } from './constants.js';

/** The kernel table of the backend all inputs live on; throws if they are on different backends. */
export function kernelsOf(op: string, ...ts: Tensor[]): Kernels<any> {
  return backendOf(op, ...ts).kernels;
}

/** The common backend of the inputs. */
export function backendOf(op: string, ...ts: Tensor[]): Backend<any> {
  const b = ts[0]!.backend;
  for (const t of ts) {
    if (t.backend !== b) throw new Error(`storygrad: ${op}: inputs live on different backends (${b.name} and ${t.backend.name})`);
  }
  return b;
}

/** Wraps a fresh storage as a tensor on backend b. */
export function wrap(b: Backend<any>, storage: unknown, shape: Shape, dtype: DType): Tensor {
  return Tensor.fromStorage(b, storage, shape, dtype);
}

/** A scalar (shape []) tensor on backend b (a shared cached constant, see constants.ts). */
export function scalar(b: Backend<any>, value: number, dtype: DType): Tensor {
  return constantScalar(b, value, dtype);
}

/** Turns a number into a scalar tensor matching `like` (backend and dtype). */
export function lift(x: TensorLike, like: Tensor): Tensor {
  return typeof x === 'number' ? scalar(like.backend, x, like.dtype) : x;
}

/** Throws unless the tensor has a float dtype. */
export function requireFloat(op: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw new Error(`storygrad: ${op} needs a float tensor, got ${t.describe()}`);
}

/** Throws unless the tensor has the given dtype. */
export function requireDtype(op: string, t: Tensor, dtype: DType, what = 'input'): void {
  if (t.dtype !== dtype) throw new Error(`storygrad: ${op}: ${what} must be ${dtype}, got ${t.describe()}`);
}

/** Throws unless both tensors share a dtype. */
export function requireSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`storygrad: ${op}: dtype mismatch, ${a.describe()} vs ${b.describe()} (cast one with .cast())`);
  }
}

/** The default backend (for creation ops). */
export function defaultBackend(): Backend<any> {
  return getBackend();
}
