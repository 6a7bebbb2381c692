#!/usr/bin/env node
// fix-lockfile.mjs — adds the platform-specific optional dependencies that `npm install` left out
// of package-lock.json (a registry mirror that only serves some platforms' binaries answers 404 for
// the others, npm skips them silently, and then `npm ci` refuses the lock: "Missing: … from lock
// file"). Each missing package gets an entry with its version and its os/cpu/libc, read from its
// name, so npm skips it on every other platform without fetching it. Run after `npm install`:
//   node scripts/fix-lockfile.mjs            (rewrites package-lock.json when something is missing)
//   node scripts/fix-lockfile.mjs --check    (exit 1 when something is missing)
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pkgs = lock.packages;

const OS = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony', 'sunos', 'win32'];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x'];

/** Platform constraints from a name such as `@deno/linux-arm64-glibc` or `@rollup/rollup-linux-x64-musl`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const osIdx = parts.findIndex((p) => OS.includes(p));
  if (osIdx < 0 || !CPU.includes(parts[osIdx + 1])) return null;
  const os = parts[osIdx], cpu = parts[osIdx + 1], abi = parts.slice(osIdx + 2).join('-');
  const entry = { os: [os], cpu: [cpu] };
  if (os === 'linux') {
    if (/musl/.test(abi)) entry.libc = ['musl'];
    else if (/gnu|glibc/.test(abi)) entry.libc = ['glibc'];
  }
  return entry;
}

/** Where node would resolve `name` from the package at `from` (nested node_modules, then upward). */
function resolves(from, name) {
  let dir = from;
  for (;;) {
    if (pkgs[`${dir ? dir + '/' : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('node_modules/');
    dir = i <= 0 ? '' : dir.slice(0, i - 1);
  }
}

const added = [];
for (const [key, pkg] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (resolves(key, name)) continue;
    const plat = platformOf(name);
    if (!plat) {
      console.error(`fix-lockfile: ${name} (optional dep of ${key || 'root'}) is missing and its platform is not in its name; run npm install against a full registry`);
      process.exitCode = 1;
      continue;
    }
    const entry = { version: version.replace(/^[~^=]/, ''), ...plat, optional: true };
    if (pkg.dev) entry.dev = true;
    pkgs[`node_modules/${name}`] = entry;
    added.push(`${name}@${entry.version}`);
  }
}

if (process.argv.includes('--check')) {
  if (added.length) {
    console.error(`fix-lockfile: ${added.length} optional platform packages missing from package-lock.json; run node scripts/fix-lockfile.mjs`);
    process.exit(1);
  }
  console.log('fix-lockfile: package-lock.json complete');
} else if (added.length) {
  // Keep npm's ordering: "" first, then keys sorted.
  const sorted = Object.fromEntries(Object.keys(pkgs).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))).map((k) => [k, pkgs[k]]));
  lock.packages = sorted;
  writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
  console.log(`fix-lockfile: added ${added.length}: ${added.join(' ')}`);
} else {
  console.log('fix-lockfile: nothing missing');
}
