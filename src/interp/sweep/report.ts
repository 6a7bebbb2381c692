/**
 * The sweep report, rebuilt from whatever configuration directories exist (plus sweep.json, when
 * present, for the spec and the configurations not started yet): `report.md` (a table of every
 * configuration with its sizes, training amount and metrics, then failures and plots),
 * `metrics.jsonl` (one flat JSON object per configuration directory) and the two SVG plots. The
 * output depends only on those files, so rebuilding it gives the same bytes.
 */
import { writeFileAtomic } from '../../io/atomic-write.js';
import { describeBudget, type ParamCountKind, type SweepSpec } from './spec.js';
import { joinPath, readConfigStates, readJson, SWEEP_FILES, type ConfigState, type SweepManifest, type ConfigResult } from './layout.js';
import { accuracyVsLayersSvg, lossVsParamsSvg } from './plots.js';
import { parseConfigId } from './grid.js';

/** One line of the report: a configuration and its state. */
export type ReportRow = ConfigState | { id: string; status: 'pending' };

/** What {@link buildReport} returns. */
export interface SweepReport {
  rows: ReportRow[];
  /** Every metric name among the finished configurations, in table order. */
  metricNames: string[];
  /** The text of report.md. */
  markdown: string;
  /** The written files' paths (report.md first). */
  files: string[];
}

/** Metric names in table order: `val.*` first, then the rest alphabetically. */
/** A metric in the table: integers (counts) as such, other values to 4 decimals. */
function metricCell(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

export function orderMetricNames(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  const rank = (n: string) => (n.startsWith('val.') ? 0 : 1);
  return all.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const sci = (n: number) => n.toExponential(2);
const pct = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`;
/** Shape sort key: parameter target, layers, d_model, id. */
function shapeKey(row: ReportRow, manifest: SweepManifest | null): [number, number, number] {
  const r = row.status === 'done' ? row.result : null;
  const shape = r ? r.model : parseConfigId(row.id);
  const target = r?.paramTarget ?? manifest?.configs.find((c) => c.id === row.id)?.paramTarget ?? 0;
  return [target, shape?.nLayer ?? Infinity, shape?.dModel ?? Infinity];
}

/** One paragraph describing the spec. */
export function describeSpec(spec: SweepSpec, vocabSize?: number): string {
  const shapes = spec.matchParams?.length
    ? `layers ${spec.layers.join(', ')}, d_model matched to ${spec.matchParams.map(int).join(' / ')} ${spec.paramCount === 'total' ? 'total' : 'non-embedding'} parameters`
    : `layers ${spec.layers.join(', ')} x d_model ${spec.dModels?.join(', ')}`;
  const heads = 'nHead' in spec.heads ? `${spec.heads.nHead} heads` : `heads of size ${spec.heads.headDim}`;
  const t = spec.train;
  const data = spec.data.kind === 'corpus'
    ? `embedded story corpus (${int(spec.data.stories)} training, ${int(spec.data.valStories)} validation stories, seed ${spec.data.seed})`
    : `${spec.data.train}${spec.data.val ? `, validation ${spec.data.val}` : ' (held-out tail for validation)'}`;
  return [
    `- shapes: ${spec.arch}, ${shapes}, ${heads}`,
    `- budget (${spec.budget.kind}): ${describeBudget(spec.budget)}`,
    `- training: batch ${t.batchSize} x ${t.seqLen} tokens${t.gradAccum && t.gradAccum > 1 ? ` x ${t.gradAccum} accumulated` : ''}, lr ${t.lr}, weight decay ${t.weightDecay ?? 0.1}, seed ${t.seed} (the same for every configuration)`,
    `- data: ${data}; tokenizer ${spec.tokenizer}${vocabSize ? ` (${int(vocabSize)} tokens)` : ''}, shared by every configuration`,
    `- validation loss on the first ${int(spec.valTokens)} validation tokens`,
  ].join('\n');
}

/** The rows of the report: every configuration directory, plus pending ones from sweep.json. */
export async function collectRows(out: string, manifest: SweepManifest | null): Promise<ReportRow[]> {
  const states: ReportRow[] = await readConfigStates(out);
  const seen = new Set(states.map((s) => s.id));
  for (const c of manifest?.configs ?? []) if (!seen.has(c.id)) states.push({ id: c.id, status: 'pending' });
  return states
    .map((row) => ({ row, key: shapeKey(row, manifest) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || (a.row.id < b.row.id ? -1 : 1))
    .map((x) => x.row);
}

/** The markdown report. */
export function reportMarkdown(rows: readonly ReportRow[], manifest: SweepManifest | null, metricNames: readonly string[]): string {
  const done = rows.filter((r): r is Extract<ReportRow, { status: 'done' }> => r.status === 'done');
  const matched = done.some((r) => r.result.paramTarget !== undefined);
  const count: ParamCountKind = manifest?.spec.paramCount ?? 'nonEmbedding';
  const lines: string[] = ['# Sweep report', ''];
  if (manifest) lines.push(describeSpec(manifest.spec, manifest.vocabSize), '');
  const by = (s: string) => rows.filter((r) => r.status === s).length;
  lines.push(`${rows.length} configurations: ${by('done')} done, ${by('failed')} failed, ${by('incomplete')} incomplete, ${by('pending')} not started.`, '');
  const head = ['config', 'layers', 'd_model', 'heads', 'params', 'non-emb. params', ...(matched ? ['target', 'off by'] : []),
    'steps', 'tokens', 'train FLOPs', 'train s', 'train loss', ...metricNames, 'status'];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 || h === 'status' ? '---' : '---:')).join('|')}|`);
  for (const row of rows) {
    const dash = '—';
    if (row.status === 'done') {
      const r = row.result;
      const target = r.paramTarget;
      const achieved = count === 'total' ? r.params.total : r.params.nonEmbedding;
      lines.push(`| ${[
        r.id, r.model.nLayer, r.model.dModel, r.model.nHead, int(r.params.total), int(r.params.nonEmbedding),
        ...(matched ? [target !== undefined ? int(target) : dash, target !== undefined ? pct((achieved - target) / target) : dash] : []),
        int(r.train.steps), int(r.train.tokens), sci(r.train.flops), r.train.seconds.toFixed(1), r.train.finalLoss.toFixed(4),
        ...metricNames.map((m) => (r.metrics[m] !== undefined ? metricCell(r.metrics[m]!) : dash)),
        'done',
      ].join(' | ')} |`);
    } else {
      const s = parseConfigId(row.id);
      const cells = [row.id, s?.nLayer ?? dash, s?.dModel ?? dash, ...Array(head.length - 3).fill(dash)];
      cells[cells.length - 1] = row.status === 'failed' ? 'failed' : row.status === 'incomplete' ? 'incomplete' : 'not started';
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  const failed = rows.filter((r): r is Extract<ReportRow, { status: 'failed' }> => r.status === 'failed');
  if (failed.length) {
    lines.push('', '## Failures', '');
    for (const f of failed) lines.push(`- \`${f.id}\` (${f.error.phase}): ${f.error.message.replace(/\s+/g, ' ')}`);
  }
  lines.push('', '## Plots', '', `![validation loss vs parameters](${SWEEP_FILES.lossPlot})`, '', `![accuracy vs layers](${SWEEP_FILES.accuracyPlot})`, '');
  return lines.join('\n');
}

/** One flat JSON object per configuration with a directory (metrics under their own names). */
export function metricsJsonl(rows: readonly ReportRow[]): string {
  const out: string[] = [];
  for (const row of rows) {
    if (row.status === 'pending') continue;
    if (row.status === 'done') {
      const r: ConfigResult = row.result;
      out.push(JSON.stringify({
        id: r.id, status: 'done', arch: r.model.arch, nLayer: r.model.nLayer, dModel: r.model.dModel, nHead: r.model.nHead,
        vocabSize: r.model.vocabSize, nCtx: r.model.nCtx, params: r.params.total, nonEmbeddingParams: r.params.nonEmbedding,
        ...(r.paramTarget !== undefined ? { paramTarget: r.paramTarget } : {}),
        steps: r.train.steps, tokens: r.train.tokens, flops: r.train.flops, trainSeconds: r.train.seconds, trainLoss: r.train.finalLoss,
        ...r.metrics,
      }));
    } else if (row.status === 'failed') {
      out.push(JSON.stringify({ id: row.id, status: 'failed', phase: row.error.phase, error: row.error.message }));
    } else {
      out.push(JSON.stringify({ id: row.id, status: 'incomplete' }));
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Rebuilds report.md, metrics.jsonl and the plots of the sweep in `out`. */
export async function buildReport(out: string): Promise<SweepReport> {
  const manifest = await readJson<SweepManifest>(joinPath(out, SWEEP_FILES.manifest));
  const rows = await collectRows(out, manifest);
  if (!manifest && rows.length === 0) throw new Error(`storygrad: sweep: ${out} holds no sweep (no ${SWEEP_FILES.manifest}, no ${SWEEP_FILES.configs}/ directories)`);
  const results = rows.flatMap((r) => (r.status === 'done' ? [r.result] : []));
  const metricNames = orderMetricNames(results.flatMap((r) => Object.keys(r.metrics)));
  const enc = new TextEncoder();
  const files: [string, string][] = [
    [SWEEP_FILES.report, reportMarkdown(rows, manifest, metricNames)],
    [SWEEP_FILES.metrics, metricsJsonl(rows)],
    [SWEEP_FILES.lossPlot, lossVsParamsSvg(results, { count: manifest?.spec.paramCount })],
    [SWEEP_FILES.accuracyPlot, accuracyVsLayersSvg(results)],
  ];
  for (const [name, text] of files) await writeFileAtomic(joinPath(out, name), enc.encode(text));
  return { rows, metricNames, markdown: files[0]![1], files: files.map(([n]) => joinPath(out, n)) };
}
