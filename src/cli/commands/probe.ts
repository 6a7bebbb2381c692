/**
 * `storygrad probe`: the factual and context-tracking probe scores (src/interp/probes/) of a
 * trained run or checkpoint: accuracy and mean log-probability margin, overall and per kind,
 * beside the accuracy of guessing.
 */
import * as sg from '../../index.js';
import { DTYPE_FLAG, loadModelAndTokenizer } from './load-model.js';
import type { ModelDType } from '../../models/config.js';
import { pathKind } from '../../io/files.js';
import { chanceAccuracy, factualSuite, scoreProbeSuite, trackingSuite, type ProbeScore, type ProbeSuite } from '../../interp/probes/index.js';
import { UsageError, type Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';

export const probe: Command = {
  name: 'probe',
  summary: 'factual and context-tracking probe scores of a trained run',
  description:
    'Scores a run directory (or .safetensors / llama2.c .bin checkpoint) on the probe suites:\n' +
    'factual completions of the corpus world\'s facts and context tracking (who had what, which\n' +
    'colour, who went where). An item is right when its answer is more likely than every\n' +
    'distractor; the margin is log P(answer) - max log P(distractor) in nats.',
  flags: [
    { name: 'run', type: 'string', value: 'DIR', help: 'run directory or checkpoint file (required)' },
    { name: 'suite', type: 'string', choices: ['factual', 'tracking', 'both'], default: 'both', help: 'which suite(s) to score' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the suites' },
    { name: 'n', type: 'integer', value: 'N', help: 'items per suite (default: the suite\'s default, 120)' },
    { name: 'tokenizer', type: 'string', value: 'PATH', help: 'tokenizer file (default: the one saved with the checkpoint)' },
    { name: 'batch', type: 'integer', default: 32, value: 'N', help: 'sequences per forward pass' },
    { name: 'json', type: 'boolean', help: 'print the scores as JSON' },
    DTYPE_FLAG,
    BACKEND_FLAG,
  ],
  async run(flags, io) {
    const run = flags['run'] as string | undefined;
    if (!run) throw new UsageError('--run DIR is required', 'probe');
    if ((await pathKind(run)) === 'missing') throw new UsageError(`--run ${run}: no such file or directory`, 'probe');
    const tokPath = flags['tokenizer'] as string | undefined;
    if (tokPath && (await pathKind(tokPath)) === 'missing') throw new UsageError(`--tokenizer ${tokPath}: no such file`, 'probe');
    const n = flags['n'] as number | undefined, batch = flags['batch'] as number, seed = flags['seed'] as number;
    if (n !== undefined && n < 1) throw new UsageError(`--n must be positive, got ${n}`, 'probe');
    if (batch < 1) throw new UsageError(`--batch must be positive, got ${batch}`, 'probe');
    const which = flags['suite'] as 'factual' | 'tracking' | 'both';
    const opts = { seed, ...(n !== undefined ? { n } : {}) };
    const suites: ProbeSuite[] = [
      ...(which !== 'tracking' ? [factualSuite(opts)] : []),
      ...(which !== 'factual' ? [trackingSuite(opts)] : []),
    ];
    try {
      await sg.init({ backend: flags['backend'] as BackendChoice });
      const { model, tokenizer: tok } = await loadModelAndTokenizer(run, tokPath, flags['dtype'] as ModelDType);
      try {
        const results: (ProbeScore & { seed: number; chance: number })[] = [];
        for (const s of suites) {
          const score = await scoreProbeSuite(model, tok, s, { batchSize: batch });
          results.push({ ...score, seed: s.seed, chance: chanceAccuracy(s.items) });
        }
        if (flags['json']) io.out(JSON.stringify({ run, results }));
        else {
          for (const r of results) {
            io.out(`${r.suite} (seed ${r.seed}, ${r.n} items): accuracy ${r.accuracy.toFixed(3)} (chance ${r.chance.toFixed(3)}), mean margin ${r.meanMargin.toFixed(3)} nats`);
            for (const [k, v] of Object.entries(r.perKind)) {
              io.out(`  ${k.padEnd(9)} ${String(v.n).padStart(4)} items  accuracy ${v.accuracy.toFixed(3)}  margin ${v.meanMargin.toFixed(3)}`);
            }
          }
        }
        return 0;
      } finally {
        model.dispose();
      }
    } finally {
      await sg.shutdown();
    }
  },
};
