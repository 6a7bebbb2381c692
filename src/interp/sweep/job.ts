/**
 * One configuration of a sweep as an independent job in its own directory: train it (resuming
 * from its checkpoint when an earlier attempt stopped), run the evaluators, and write
 * result.json atomically; on any failure (a shape that cannot be built, a non-finite loss, an
 * evaluator that throws) write error.json instead and return, so the sweep goes on. A directory
 * with result.json is skipped; one with error.json is retried.
 */
import { findCheckpoint } from '../../train/checkpoint.js';
import { MetricsLog, type MetricsRecord } from '../../train/metrics.js';
import { trainRun, type RunManifest } from '../../train/run.js';
import type { SweepData } from './data.js';
import { VAL_FRACTION } from './data.js';
import { runEvaluators, type SweepEvaluator } from './evaluators.js';
import type { SweepConfig } from './grid.js';
import { configDir, joinPath, readJson, SWEEP_FILES, writeJson, type ConfigError, type ConfigResult } from './layout.js';
import type { SweepSpec } from './spec.js';

/** Options of {@link runConfig}. */
export interface RunConfigOptions {
  /** The sweep directory. */
  out: string;
  spec: SweepSpec;
  config: SweepConfig;
  data: SweepData;
  evaluators: readonly SweepEvaluator[];
  log?: (line: string) => void;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

/** How a job ended. */
export type ConfigOutcome =
  | { status: 'done' | 'skipped'; result: ConfigResult }
  | { status: 'failed'; error: ConfigError }
  | { status: 'interrupted' };

/**
 * Training time of a run over all its sessions: `elapsedMs` restarts at each resumption, so the
 * log is cut where it falls and the last value of each session is summed.
 */
export function trainingSeconds(records: readonly MetricsRecord[]): number {
  let total = 0, prev = 0;
  for (const r of records) {
    if (r.elapsedMs === undefined) continue;
    if (r.elapsedMs < prev) total += prev;
    prev = r.elapsedMs;
  }
  return (total + prev) / 1000;
}

/** Runs (or skips, or resumes) one configuration; never throws for the configuration's own failures. */
export async function runConfig(o: RunConfigOptions): Promise<ConfigOutcome> {
  const fs = await import('node:fs/promises');
  const { config, spec, data } = o;
  const log = o.log ?? (() => {});
  const dir = configDir(o.out, config.id);
  const done = await readJson<ConfigResult>(joinPath(dir, SWEEP_FILES.result));
  if (done) return { status: 'skipped', result: done };
  await fs.mkdir(dir, { recursive: true });
  await fs.rm(joinPath(dir, SWEEP_FILES.error), { force: true });
  let phase: ConfigError['phase'] = 'setup';
  try {
    if (config.invalid || !config.amount || !config.params) throw new Error(config.invalid ?? `storygrad: sweep: ${config.id} has no training amount`);
    const amount = config.amount;
    const { arch, dModel, nLayer, nHead } = config.model;
    let resume = false;
    const prior = await readJson<RunManifest>(joinPath(dir, 'run.json'));
    if (prior) {
      const m = prior.model;
      if (m.vocabSize !== config.model.vocabSize || m.dModel !== dModel || m.nLayer !== nLayer || m.nHead !== nHead || m.arch !== arch) {
        throw new Error(`storygrad: sweep: ${dir} holds a run of another shape (d ${m.dModel}, ${m.nLayer} layers, ${m.nHead} heads, vocab ${m.vocabSize}); remove it to rerun ${config.id}`);
      }
      if (await findCheckpoint(dir)) resume = true;
      else {
        // An attempt that stopped before its first checkpoint: start it again from scratch.
        log(`${config.id}: no checkpoint from the earlier attempt; starting over`);
        await fs.rm(dir, { recursive: true, force: true });
        await fs.mkdir(dir, { recursive: true });
      }
    }
    if (resume) log(`${config.id}: resuming from its checkpoint`);
    phase = 'train';
    const run = await trainRun({
      out: dir, data: data.train, val: data.val ?? undefined, tokenizer: data.tokenizerPath,
      model: { arch, dModel, nLayer, nHead, nCtx: config.model.nCtx },
      train: { ...spec.train, steps: amount.steps },
      resume, valFraction: VAL_FRACTION, shardDir: data.shardDir,
      log, progress: o.progress, signal: o.signal,
    });
    try {
      if (run.interrupted) return { status: 'interrupted' };
      phase = 'evaluate';
      const t0 = performance.now();
      const metrics = await runEvaluators(run.model, data.tokenizer, o.evaluators);
      const evalSeconds = (performance.now() - t0) / 1000;
      const records = await new MetricsLog(joinPath(dir, 'metrics.jsonl')).read();
      const last = records.filter((r) => Number.isFinite(r.loss)).at(-1);
      const result: ConfigResult = {
        format: 'storygrad-sweep-result',
        version: 1,
        id: config.id,
        model: config.model,
        params: config.params,
        ...(config.paramTarget !== undefined ? { paramTarget: config.paramTarget } : {}),
        train: {
          steps: run.steps, tokens: amount.tokens, flops: amount.flops, flopsPerToken: amount.flopsPerToken,
          seconds: Number(trainingSeconds(records).toFixed(3)), finalLoss: last?.loss ?? run.finalLoss,
        },
        metrics,
        evalSeconds: Number(evalSeconds.toFixed(3)),
      };
      await writeJson(joinPath(dir, SWEEP_FILES.result), result);
      return { status: 'done', result };
    } finally {
      run.model.dispose();
    }
  } catch (e) {
    const error: ConfigError = {
      format: 'storygrad-sweep-error',
      version: 1,
      id: config.id,
      model: config.model,
      phase,
      message: e instanceof Error ? e.message : String(e),
      at: new Date().toISOString(),
    };
    await writeJson(joinPath(dir, SWEEP_FILES.error), error);
    return { status: 'failed', error };
  }
}
