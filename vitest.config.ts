import { defineConfig } from 'vitest/config';

// The Node suite: test/**/*.test.ts, WebGPU tests included (they run for real on whatever adapter
// Dawn finds, a software one on CI). test/deno and test/browser run under their own runtimes
// (scripts/test-all.mjs). Timeouts allow for a 2-core machine with a software GPU.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['test/deno/**', 'test/browser/**', '**/node_modules/**'],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Forked processes: Dawn's native instance is released cleanly when a fork exits.
    pool: 'forks',
  },
});
