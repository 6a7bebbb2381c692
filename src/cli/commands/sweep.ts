/**
 * `storygrad sweep`: trains a grid of GPT shapes (layers x d_model, or layers x matched parameter
 * counts) under one budget into a sweep directory, one resumable job per configuration, evaluates
 * each (src/interp/sweep/default-evaluators.ts) and writes report.md, metrics.jsonl and SVG plots.
 */
import * as sg from '../../index.js';
import { UsageError, type Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';
import { startTrainingSession } from './train-flags.js';
import { SWEEP_FLAGS, sweepSpecFromFlags } from './sweep-flags.js';
import { runSweep } from '../../interp/sweep/sweep.js';
import { buildReport, type SweepReport } from '../../interp/sweep/report.js';

/** Prints the report's table and where its files are. */
function printReport(report: SweepReport, print: (line: string) => void): void {
  for (const line of report.markdown.split('\n')) if (line.startsWith('|')) print(line);
  print(`report: ${report.files.join(', ')}`);
}

export const sweep: Command = {
  name: 'sweep',
  summary: 'train a grid of layer counts x widths under one budget and report loss and metrics',
  description:
    'Trains every configuration of --layers x --d-model (or --layers x --match-params, with d_model\n' +
    'chosen per depth to match a parameter count) for the same --budget: tokens, training FLOPs,\n' +
    'or matched parameters trained on --tokens. Each configuration is a resumable run in\n' +
    '--out/configs/<id> (ids like L4-d128); one that fails is recorded in its error.json and the\n' +
    'rest go on. The data (default: the embedded story corpus) is tokenized once with one shared\n' +
    'tokenizer. Then each model is evaluated (validation loss, ...) and --out gets report.md,\n' +
    'metrics.jsonl, loss-vs-params.svg and accuracy-vs-layers.svg. Rerunning the command skips\n' +
    'finished configurations and resumes the others; --only splits the grid over machines, and\n' +
    '--report-only rebuilds the report from the configuration directories present.\n' +
    'Exit code: 0 when every configuration run succeeded, 1 when one failed, 130 on Ctrl-C.',
  flags: [...SWEEP_FLAGS, BACKEND_FLAG],
  async run(flags, io) {
    const out = flags['out'] as string | undefined;
    if (!out) throw new UsageError('--out DIR is required', 'sweep');
    if (flags['report-only']) {
      printReport(await buildReport(out), (l) => io.out(l));
      return 0;
    }
    const spec = sweepSpecFromFlags(flags);
    const only = (flags['only'] as string | undefined)?.split(',').map((s) => s.trim()).filter(Boolean);
    const { log, progress, signal, release } = await startTrainingSession(flags['backend'] as BackendChoice, io);
    const t0 = performance.now();
    try {
      const s = await runSweep({ out, spec, only, log, progress, signal });
      const ran = s.outcomes.filter((o) => o.outcome.status === 'done').length;
      const skipped = s.outcomes.filter((o) => o.outcome.status === 'skipped').length;
      log(`sweep: ${ran} trained, ${skipped} already finished, ${s.failed.length} failed${s.failed.length ? ` (${s.failed.join(', ')})` : ''} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      printReport(s.report, log);
      if (s.interrupted) return 130;
      return s.failed.length ? 1 : 0;
    } finally {
      release();
      await sg.shutdown();
    }
  },
};
