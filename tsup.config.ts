// Builds:
//  1. dist/index.js + dist/index.d.ts — the package for Node and Deno (ESM). `webgpu` (Dawn for
//     Node) stays external: the library imports it dynamically, and only where navigator.gpu is
//     missing (Node). The CLI, dist/cli.js, is built in the same pass with code splitting, so it
//     shares the library's chunks instead of carrying a second copy.
//  2. dist/browser/storygrad.js — one self-contained ESM file for browsers. `webgpu` is replaced by
//     a small module whose functions throw: a browser has navigator.gpu, so the Dawn path is never
//     taken, and the bundle holds no bare import that a page could not resolve.
// `tsup --env.STORYGRAD_BUILD node` (what `npm run demo` runs) builds only (1)'s JavaScript, in
// about a second instead of twelve: the type declarations take most of a full build. It keeps
// dist/index.d.ts and dist/browser/ when no source is newer than them, and removes them otherwise,
// so that dist never holds stale output.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/** Resolves `webgpu` to a module that explains itself instead of loading Dawn. */
const webgpuBrowserStub: Plugin = {
  name: 'storygrad-webgpu-browser-stub',
  setup(build) {
    build.onResolve({ filter: /^webgpu$/ }, () => ({ path: 'webgpu', namespace: 'storygrad-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'storygrad-stub' }, () => ({
      loader: 'js',
      contents: [
        "const msg = \"storygrad: the 'webgpu' package (Dawn) is for Node; in a browser storygrad uses navigator.gpu, which is missing here\";",
        'export function create() { throw new Error(msg); }',
        'export const globals = {};',
        'export default { create, globals };',
      ].join('\n'),
    }));
  },
};

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __STORYGRAD_VERSION__: JSON.stringify(pkg.version) };

/** The newest modification time (ms) of any file under `dir`. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Node-only build: removes the previous JavaScript, and the declarations and browser bundle if a source is newer. */
function cleanForNodeOnly(): void {
  if (!existsSync('dist')) return;
  const sources = Math.max(newestUnder('src'), newestUnder('kernels'), statSync('package.json').mtimeMs, statSync('tsup.config.ts').mtimeMs);
  for (const entry of readdirSync('dist', { withFileTypes: true })) {
    const path = join('dist', entry.name);
    const built = entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs;
    const isDeclaration = entry.name.endsWith('.d.ts');
    if ((!isDeclaration && !entry.isDirectory()) || built < sources) rmSync(path, { recursive: true, force: true });
  }
}

export default defineConfig((options) => {
  const nodeOnly = options.env?.['STORYGRAD_BUILD'] === 'node';
  // One clean for all configs (they build concurrently, so per-config `clean` would race).
  if (nodeOnly) cleanForNodeOnly();
  else if (!options.watch) rmSync('dist', { recursive: true, force: true });
  const node = {
    entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
    outDir: 'dist',
    format: ['esm' as const],
    platform: 'node' as const,
    target: 'es2022',
    splitting: true,
    sourcemap: true,
    dts: nodeOnly ? false : { entry: { index: 'src/index.ts' } },
    external: ['webgpu'],
    define,
    clean: false,
  };
  if (nodeOnly) return [node];
  return [
    node,
    {
      entry: { storygrad: 'src/index.ts' },
      outDir: 'dist/browser',
      format: ['esm'],
      platform: 'browser',
      target: 'es2022',
      splitting: false, // dynamic imports of our own modules are inlined: one file
      sourcemap: true,
      dts: false,
      // Node built-ins may only appear behind dynamic imports on Node-only paths.
      external: [/^node:/],
      noExternal: ['webgpu'], // tsup would externalise it as a dependency; the plugin stubs it
      esbuildPlugins: [webgpuBrowserStub],
      define,
      clean: false,
    },
  ];
});
