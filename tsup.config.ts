// Builds:
//  1. dist/index.js + dist/index.d.ts — the package for Node and Deno (ESM). `webgpu` (Dawn for
//     Node) stays external: the library imports it dynamically, and only where navigator.gpu is
//     missing (Node). The CLI, dist/cli.js, is built in the same pass with code splitting, so it
//     shares the library's chunks instead of carrying a second copy.
//  2. dist/browser/storygrad.js — one self-contained ESM file for browsers. `webgpu` is replaced by
//     a small module whose functions throw: a browser has navigator.gpu, so the Dawn path is never
//     taken, and the bundle holds no bare import that a page could not resolve.
import { readFileSync, rmSync } from 'node:fs';
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

export default defineConfig((options) => {
  // One clean for all configs (they build concurrently, so per-config `clean` would race).
  if (!options.watch) rmSync('dist', { recursive: true, force: true });
  return [
    {
      entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
      outDir: 'dist',
      format: ['esm'],
      platform: 'node',
      target: 'es2022',
      splitting: true,
      sourcemap: true,
      dts: { entry: { index: 'src/index.ts' } },
      external: ['webgpu'],
      define,
      clean: false,
    },
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
