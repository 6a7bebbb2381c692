/**
 * Tensor lifetime scopes. `tidy(fn)` disposes every tensor created inside fn except what fn
 * returns (and what was `keep`-ed); results move to the enclosing scope. Also counts live tensors.
 */

/** What scopes need of a tensor. */
export interface Scoped {
  readonly isDisposed: boolean;
  dispose(): void;
}

const scopes: Set<Scoped>[] = [];
let live = 0;

/** Registers a new tensor with the innermost scope. */
export function track(t: Scoped): void {
  live++;
  scopes[scopes.length - 1]?.add(t);
}

/** Called when a tensor is disposed. */
export function untrackDisposed(t: Scoped): void {
  live--;
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.delete(t)) break;
}

/** Removes a tensor from every scope so `tidy` will not dispose it. Returns it. */
export function keep<T extends Scoped>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Number of tensors not yet disposed. */
export function liveTensors(): number {
  return live;
}

function collect(value: unknown, out: Set<Scoped>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Scoped).dispose === 'function' && 'isDisposed' in (value as object)) {
    out.add(value as Scoped);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, seen);
}

/**
 * Runs fn and disposes every tensor it created, except those reachable from its result (arrays,
 * plain objects and Maps are searched) and those passed to `keep`. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Scoped>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error('storygrad: tidy(fn) needs a synchronous fn; await outside of tidy');
  }
  const keepSet = new Set<Scoped>();
  collect(result, keepSet, new Set());
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}
