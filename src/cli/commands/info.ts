/** `storygrad info`: runtime, backend, adapter, features and limits. */
import * as sg from '../../index.js';
import type { Command } from '../args.js';
import { formatRuntime, runtimeInfo } from '../runtime.js';
import { storygradVersion } from '../version.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';

/** Limits that matter for storygrad's kernels, printed in text mode (--json prints all). */
const KEY_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
];

/** Byte limits (their names end in `Size`) also in KiB/MiB. */
function formatLimit(name: string, v: number): string {
  if (!name.endsWith('Size')) return String(v);
  if (v >= 1 << 20 && v % (1 << 20) === 0) return `${v} (${v / (1 << 20)} MiB)`;
  if (v >= 1 << 10 && v % (1 << 10) === 0) return `${v} (${v / (1 << 10)} KiB)`;
  return String(v);
}

export const info: Command = {
  name: 'info',
  summary: 'show the runtime, backend, adapter, features and limits',
  description:
    'Initialises storygrad and prints the JavaScript runtime, the backend chosen, the GPU adapter,\n' +
    'its features and the limits that matter for the kernels.',
  flags: [
    BACKEND_FLAG,
    { name: 'json', type: 'boolean', help: 'print one JSON object (all limits) instead of text' },
  ],
  async run(flags, io) {
    const runtime = runtimeInfo();
    try {
      const d = await sg.init({ backend: flags.backend as BackendChoice });
      if (flags.json) {
        io.out(JSON.stringify({ runtime, storygrad: storygradVersion(), ...d }, null, 2));
        return 0;
      }
      const rows: [string, string][] = [
        ['runtime', formatRuntime(runtime)],
        ['storygrad', storygradVersion()],
        ['backend', d.backend],
        ['adapter', d.adapter || '(none)'],
        ['features', d.features.length ? [...d.features].sort().join(', ') : '(none)'],
      ];
      const limits = KEY_LIMITS.filter((k) => typeof d.limits[k] === 'number');
      rows.push(['limits', limits.length ? '' : '(none)']);
      const w = Math.max(...rows.map(([k]) => k.length));
      for (const [k, v] of rows) io.out(`${k.padEnd(w)}  ${v}`.trimEnd());
      const lw = Math.max(0, ...limits.map((k) => k.length));
      for (const k of limits) io.out(`  ${k.padEnd(lw)}  ${formatLimit(k, d.limits[k]!)}`);
      for (const n of d.notes) io.out(`${'note'.padEnd(w)}  ${n}`);
      return 0;
    } finally {
      await sg.shutdown();
    }
  },
};
