/**
 * Selecting hook points by name: an exact name, a list of names, a RegExp or a predicate.
 * Unknown exact names and filters that select nothing are errors (a typo must not silently
 * cache or patch nothing).
 */
import type { HookPoint, RemoveHook } from '../nn/hook-point.js';

/** Which hook points: `'blocks.0.attn.hook_pattern'`, a list of names, `/hook_resid_post$/`, or `(name) => boolean`. */
export type HookFilter = string | readonly string[] | RegExp | ((name: string) => boolean);

function describeFilter(filter: HookFilter): string {
  if (typeof filter === 'string') return `'${filter}'`;
  if (filter instanceof RegExp) return String(filter);
  if (typeof filter === 'function') return 'the filter function';
  return `[${filter.join(', ')}]`;
}

function unknownName(name: string, points: Map<string, HookPoint>): Error {
  const tail = name.split('.').pop() ?? name;
  const near = [...points.keys()].filter((n) => n.endsWith(tail)).slice(0, 6);
  const hint = near.length ? `; names ending in '${tail}': ${near.join(', ')}` : `; see model.hookNames()`;
  return new Error(`storygrad: no hook point named '${name}'${hint}`);
}

/** The hook points selected by `filter`, in forward order; throws when it selects none. */
export function selectHooks(points: Map<string, HookPoint>, filter: HookFilter): HookPoint[] {
  let out: HookPoint[];
  if (typeof filter === 'string' || Array.isArray(filter)) {
    const names = typeof filter === 'string' ? [filter] : (filter as readonly string[]);
    for (const n of names) if (!points.has(n)) throw unknownName(n, points);
    const wanted = new Set(names);
    out = [...points.values()].filter((hp) => wanted.has(hp.name));
  } else if (filter instanceof RegExp) {
    out = [...points.values()].filter((hp) => { filter.lastIndex = 0; return filter.test(hp.name); });
  } else if (typeof filter === 'function') {
    out = [...points.values()].filter((hp) => (filter as (name: string) => boolean)(hp.name));
  } else {
    throw new Error(`storygrad: a hook filter must be a name, a list of names, a RegExp or a function, got ${typeof filter}`);
  }
  if (out.length === 0) throw new Error(`storygrad: ${describeFilter(filter)} selects no hook point; see model.hookNames()`);
  return out;
}

/** Attaches with `attach` to every selected hook point; the returned function removes them all. */
export function addHooks(points: Map<string, HookPoint>, filter: HookFilter, attach: (hp: HookPoint) => RemoveHook): RemoveHook {
  const removers = selectHooks(points, filter).map(attach);
  return () => { for (const r of removers) r(); };
}
