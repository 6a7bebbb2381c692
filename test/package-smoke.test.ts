// The smoke checks of the Deno and Chromium suites, run in Node on the BUILT package
// (dist/index.js, as `import 'storygrad'` loads it), on WebGPU (Dawn) and on the CPU backend.
// `npm test` builds first; alone, run `npm run build` before `npx vitest`.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module shared with the browser page, no types
import { smokeChecks } from './smoke/checks.js';

const DIST = new URL('../dist/index.js', import.meta.url);

describe.each(['webgpu', 'cpu'] as const)('built package smoke checks (%s)', (backend) => {
  it('dist/index.js exists (run npm run build)', () => {
    expect(existsSync(DIST), 'dist/index.js is missing: run npm run build').toBe(true);
  });
  // Loaded lazily so a missing build fails the test above instead of the whole file.
  const load = async () => import(/* @vite-ignore */ DIST.href);
  for (const check of smokeChecks(null, backend) as { name: string }[]) {
    it(check.name, async () => {
      const sg = await load();
      const c = (smokeChecks(sg, backend) as { name: string; run: () => Promise<void> }[]).find((x) => x.name === check.name)!;
      await c.run();
    });
  }
});
