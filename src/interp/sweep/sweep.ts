/**
 * Running a sweep: check the directory holds this sweep (or none), prepare the shared data,
 * expand the grid, write sweep.json, run the selected configurations one after another (each an
 * independent job: finished ones are skipped, stopped ones resumed, failures recorded and passed
 * over), then rebuild the report from whatever configuration directories exist.
 */
import { defaultEvaluators, type EvaluatorContext } from './default-evaluators.js';
import { prepareSweepData } from './data.js';
import type { SweepEvaluator } from './evaluators.js';
import { expandGrid, type SweepConfig } from './grid.js';
import { runConfig, type ConfigOutcome } from './job.js';
import { joinPath, readJson, SWEEP_FILES, writeJson, type SweepManifest } from './layout.js';
import { buildReport, type SweepReport } from './report.js';
import { specDifference, type SweepSpec } from './spec.js';

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  /** The sweep directory. */
  out: string;
  spec: SweepSpec;
  /** The evaluators, made from the prepared data (default: {@link defaultEvaluators}). */
  evaluators?: (ctx: EvaluatorContext) => SweepEvaluator[];
  /** Run only these configuration ids (others are left alone; the report covers all). */
  only?: readonly string[];
  log?: (line: string) => void;
  progress?: (line: string) => void;
  /** Stops after the current training step (checkpoint saved); the sweep then ends. */
  signal?: AbortSignal;
}

/** What {@link runSweep} returns. */
export interface SweepSummary {
  configs: SweepConfig[];
  /** The outcome of each configuration run by this call, in order. */
  outcomes: { id: string; outcome: ConfigOutcome }[];
  /** Whether the signal stopped the sweep. */
  interrupted: boolean;
  /** Configurations that failed in this call. */
  failed: string[];
  report: SweepReport;
}

/** Runs (or continues) the sweep `spec` in `opts.out`; see the file header. */
export async function runSweep(opts: RunSweepOptions): Promise<SweepSummary> {
  const { out, spec } = opts;
  const log = opts.log ?? (() => {});
  const manifestPath = joinPath(out, SWEEP_FILES.manifest);
  const prior = await readJson<SweepManifest>(manifestPath);
  if (prior) {
    if (prior.format !== 'storygrad-sweep') throw new Error(`storygrad: sweep: ${manifestPath} is not a sweep manifest`);
    const diff = specDifference(prior.spec, spec);
    if (diff) throw new Error(`storygrad: sweep: ${out} holds another sweep (${diff}); rerun with its flags, or choose another --out`);
  }
  const data = await prepareSweepData(out, spec, log);
  const configs = expandGrid(spec, data.tokenizer.vocabSize);
  const manifest: SweepManifest = {
    format: 'storygrad-sweep', version: 1, spec, vocabSize: data.tokenizer.vocabSize,
    tokenizerFile: data.tokenizerPath.slice(data.tokenizerPath.lastIndexOf('/') + 1), configs,
  };
  await writeJson(manifestPath, manifest);

  let selected = configs;
  if (opts.only?.length) {
    const unknown = opts.only.filter((id) => !configs.some((c) => c.id === id));
    if (unknown.length) throw new Error(`storygrad: sweep: no configuration ${unknown.join(', ')} in this sweep (its ids: ${configs.map((c) => c.id).join(', ')})`);
    selected = configs.filter((c) => opts.only!.includes(c.id));
  }
  const evaluators = (opts.evaluators ?? defaultEvaluators)({
    valTokens: data.valTokens, seqLen: spec.train.seqLen, batchSize: spec.train.batchSize, maxValTokens: spec.valTokens,
  });
  log(`sweep: ${selected.length} of ${configs.length} configurations; evaluators: ${evaluators.map((e) => e.name).join(', ') || '(none)'}`);
  for (const c of selected) {
    const what = c.invalid ? `invalid: ${c.invalid}` :
      `${c.params!.total.toLocaleString('en-US')} parameters (${c.params!.nonEmbedding.toLocaleString('en-US')} non-embedding), ` +
      `${c.amount!.steps} steps, ${c.amount!.tokens.toLocaleString('en-US')} tokens, ${c.amount!.flops.toExponential(2)} FLOPs`;
    log(`  ${c.id.padEnd(10)} ${c.model.nHead} heads, ${what}${c.paramTarget !== undefined ? ` (target ${c.paramTarget.toLocaleString('en-US')})` : ''}`);
  }

  const outcomes: SweepSummary['outcomes'] = [];
  const failed: string[] = [];
  let interrupted = false;
  for (const [i, config] of selected.entries()) {
    const tag = `[${i + 1}/${selected.length} ${config.id}]`;
    const outcome = await runConfig({
      out, spec, config, data, evaluators,
      log: (l) => log(`${tag} ${l}`),
      progress: opts.progress ? (l) => opts.progress!(`${tag} ${l}`) : undefined,
      signal: opts.signal,
    });
    outcomes.push({ id: config.id, outcome });
    if (outcome.status === 'skipped') log(`${tag} already finished: skipped`);
    else if (outcome.status === 'done') {
      const m = Object.entries(outcome.result.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      log(`${tag} done in ${outcome.result.train.seconds.toFixed(1)} s training + ${outcome.result.evalSeconds.toFixed(1)} s evaluation: ${m}`);
    } else if (outcome.status === 'failed') {
      failed.push(config.id);
      log(`${tag} FAILED (${outcome.error.phase}): ${outcome.error.message}`);
    } else {
      interrupted = true;
      log(`${tag} interrupted; rerun the same command to resume`);
      break;
    }
  }
  const report = await buildReport(out);
  return { configs, outcomes, interrupted, failed, report };
}
