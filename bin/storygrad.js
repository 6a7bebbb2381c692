#!/usr/bin/env node
// The `storygrad` command: a shim that loads the built CLI (dist/cli.js).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('storygrad: dist/cli.js is missing; run `npm run build` first (after `npm ci`).');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
