/** Which JavaScript runtime we are in, for `storygrad info` and logs. */

export interface RuntimeInfo {
  name: 'node' | 'deno' | 'bun' | 'browser' | 'unknown';
  version: string;
  /** OS and CPU architecture where known, e.g. `linux x64`; the user agent in a browser. */
  platform: string;
}

interface MaybeGlobals {
  Deno?: { version: { deno: string }; build: { os: string; arch: string } };
  Bun?: { version: string };
  process?: { versions?: Record<string, string | undefined>; platform?: string; arch?: string };
  navigator?: { userAgent?: string };
  window?: unknown;
}

/** Detects the runtime. Deno and Bun are checked first: both also provide `process`. */
export function runtimeInfo(): RuntimeInfo {
  const g = globalThis as unknown as MaybeGlobals;
  if (g.Deno?.version?.deno) {
    return { name: 'deno', version: g.Deno.version.deno, platform: `${g.Deno.build.os} ${g.Deno.build.arch}` };
  }
  if (g.Bun?.version) {
    return { name: 'bun', version: g.Bun.version, platform: `${g.process?.platform ?? '?'} ${g.process?.arch ?? '?'}` };
  }
  if (g.process?.versions?.node) {
    return { name: 'node', version: g.process.versions.node, platform: `${g.process.platform} ${g.process.arch}` };
  }
  if (g.window !== undefined && g.navigator?.userAgent) {
    return { name: 'browser', version: '', platform: g.navigator.userAgent };
  }
  return { name: 'unknown', version: '', platform: '' };
}

/** `Node 20.20.2 (linux x64)` */
export function formatRuntime(r: RuntimeInfo): string {
  const label = { node: 'Node', deno: 'Deno', bun: 'Bun', browser: 'browser', unknown: 'unknown runtime' }[r.name];
  return `${label}${r.version ? ' ' + r.version : ''}${r.platform ? ` (${r.platform})` : ''}`;
}
