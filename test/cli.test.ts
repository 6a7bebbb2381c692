// The `storygrad` command: flag parsing, help, errors (exit 2), and `info` / `demo` on the CPU
// backend through `main` (from source), plus `bin/storygrad.js` on the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError, type FlagSpec } from '../src/cli/args.js';
import { COMMANDS, main } from '../src/cli/main.js';

function capture() {
  const out: string[] = [], err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const SPECS: FlagSpec[] = [
  { name: 'json', type: 'boolean', help: '' },
  { name: 'backend', type: 'string', choices: ['auto', 'cpu'], default: 'auto', help: '' },
  { name: 'steps', type: 'integer', default: 3, help: '' },
  { name: 'lr', type: 'number', help: '' },
];

describe('parseFlags', () => {
  it('fills defaults and reads both --flag value and --flag=value', () => {
    expect(parseFlags([], SPECS)).toEqual({ backend: 'auto', steps: 3 });
    expect(parseFlags(['--json', '--backend', 'cpu', '--steps=10', '--lr', '-0.5'], SPECS))
      .toEqual({ json: true, backend: 'cpu', steps: 10, lr: -0.5 });
  });
  it.each([
    [['--nope'], /unknown flag '--nope'/],
    [['extra'], /unexpected argument 'extra'/],
    [['--backend', 'gpu'], /must be one of auto\|cpu/],
    [['--steps', '1.5'], /needs an integer/],
    [['--lr', 'abc'], /needs a number/],
    [['--lr'], /needs a value/],
    [['--json=yes'], /takes no value/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseFlags(argv, SPECS)).toThrow(UsageError);
    expect(() => parseFlags(argv, SPECS)).toThrow(msg);
  });
});

describe('storygrad main', () => {
  it('--help lists every command; <cmd> --help lists every flag', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const cmd of COMMANDS) expect(c.out.join('\n')).toContain(cmd.name);
    for (const cmd of COMMANDS) {
      const h = capture();
      expect(await main([cmd.name, '--help'], h.io)).toBe(0);
      for (const f of cmd.flags) expect(h.out.join('\n')).toContain(`--${f.name}`);
      expect(h.out.join('\n')).toContain('--help');
    }
  });
  it('unknown command or flag: one line on stderr, exit 2', async () => {
    for (const argv of [['frobnicate'], ['info', '--frob'], ['info', '--backend', 'tpu'], []]) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(2);
      if (argv.length) expect(c.err).toHaveLength(1);
      expect(c.err.join('\n')).toMatch(/storygrad/);
    }
  });
  it('info --json --backend cpu describes the CPU backend and the runtime', async () => {
    const c = capture();
    expect(await main(['info', '--json', '--backend', 'cpu'], c.io)).toBe(0);
    const j = JSON.parse(c.out.join('\n'));
    expect(j.backend).toBe('cpu');
    expect(j.runtime.name).toBe('node');
    expect(j.runtime.version).toBe(process.versions.node);
  });
  it('info (text) prints runtime, backend, adapter, features and limits rows', async () => {
    const c = capture();
    expect(await main(['info', '--backend', 'cpu'], c.io)).toBe(0);
    const text = c.out.join('\n');
    for (const row of ['runtime', 'backend', 'adapter', 'features', 'limits']) expect(text).toMatch(new RegExp(`^${row}\\b`, 'm'));
    expect(text).toContain(`Node ${process.versions.node}`);
  });
  it('demo --backend cpu lowers the loss', async () => {
    const c = capture();
    expect(await main(['demo', '--backend', 'cpu', '--steps', '150', '--every', '50'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/^backend: cpu/m);
    expect(text).toMatch(/^final loss \d/m);
  });
});

describe('bin/storygrad.js (built CLI)', () => {
  const bin = fileURLToPath(new URL('../bin/storygrad.js', import.meta.url));
  const built = existsSync(new URL('../dist/cli.js', import.meta.url));
  it('dist/cli.js exists (run npm run build)', () => {
    expect(built, 'dist/cli.js is missing: run npm run build').toBe(true);
  });
  it('info --json --backend webgpu finds an adapter and exits', () => {
    const r = spawnSync(process.execPath, [bin, 'info', '--json', '--backend', 'webgpu'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backend).toBe('webgpu');
    expect(j.adapter).not.toBe('');
    expect(j.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });
  it('an unknown command exits 2 with one line', () => {
    const r = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
