/**
 * The flags of `storygrad sweep` and their translation into a sweep spec: comma lists of layer
 * counts, widths and parameter targets (`200k`, `1.5M`, `4e5`), the head rule, the budget and
 * its amount, the data, and the shared training options (the flags of `storygrad train`, less
 * --steps, with defaults for small models).
 */
import { UsageError, type FlagSpec, type Flags } from '../args.js';
import { OPTIM_FLAGS, trainFromFlags } from './train-flags.js';
import type { SweepSpec } from '../../interp/sweep/spec.js';

/** Default training tokens per configuration: a 6-shape sweep of small models in ~15 min on 2 CPU cores. */
export const DEFAULT_SWEEP_TOKENS = 200_000;
/** Default training FLOPs per configuration (about 200k tokens of a 2-layer, d 128 model). */
export const DEFAULT_SWEEP_FLOPS = 7e11;

const OPTIM_DEFAULTS: Record<string, number> = { batch: 8, lr: 4e-3, 'eval-batches': 10, 'sample-tokens': 32 };

/** The flags of `storygrad sweep`, less --backend. */
export const SWEEP_FLAGS: FlagSpec[] = [
  { name: 'out', type: 'string', value: 'DIR', help: 'sweep directory (required)' },
  { name: 'layers', type: 'string', default: '1,2,4', value: 'N,N,..', help: 'layer counts' },
  { name: 'd-model', type: 'string', value: 'N,N,..', help: 'widths (default 64,128; not with --match-params)' },
  { name: 'match-params', type: 'string', value: 'N,N,..', help: 'parameter targets: d_model is chosen per layer count to match each (e.g. 200k)' },
  { name: 'param-count', type: 'string', choices: ['non-embedding', 'total'], default: 'non-embedding', help: 'the count matched and plotted' },
  { name: 'd-multiple', type: 'integer', value: 'N', help: 'matched d_model is a multiple of N (default 2 x n-head, or head-dim)' },
  { name: 'n-head', type: 'integer', value: 'N', help: 'attention heads of every shape (default 4)' },
  { name: 'head-dim', type: 'integer', value: 'N', help: 'head size instead: n_head = d_model / N' },
  { name: 'arch', type: 'string', choices: ['gpt2', 'llama'], default: 'gpt2', help: 'architecture' },
  { name: 'budget', type: 'string', choices: ['tokens', 'flops', 'params'], default: 'tokens', help: 'same training tokens, same training FLOPs, or matched parameter counts (trained on --tokens)' },
  { name: 'tokens', type: 'number', value: 'N', help: `training tokens per configuration (default ${DEFAULT_SWEEP_TOKENS.toLocaleString('en-US')})` },
  { name: 'flops', type: 'number', value: 'X', help: `training FLOPs per configuration with --budget flops (default ${DEFAULT_SWEEP_FLOPS.toExponential(0)})` },
  { name: 'data', type: 'string', value: 'FILE', help: 'training text (default: the embedded story corpus, written into --out)' },
  { name: 'val', type: 'string', value: 'FILE', help: 'validation text (default: held-out tail of --data)' },
  { name: 'stories', type: 'integer', default: 6000, value: 'N', help: 'training stories of the embedded corpus (5% as many validation stories)' },
  { name: 'tokenizer', type: 'string', default: 'bpe:1024', value: 'bpe:N|FILE', help: 'the shared tokenizer: a BPE trained once on the training text, or a file' },
  { name: 'val-tokens', type: 'integer', default: 32768, value: 'N', help: 'validation tokens scored for val.loss' },
  ...OPTIM_FLAGS.filter((f) => f.name !== 'steps').map((f) => (f.name in OPTIM_DEFAULTS ? { ...f, default: OPTIM_DEFAULTS[f.name] } : f)),
  { name: 'only', type: 'string', value: 'ID,ID,..', help: 'run only these configurations (e.g. L4-d128), to split a sweep over machines' },
  { name: 'report-only', type: 'boolean', help: 'rebuild the report from the configuration directories in --out and exit' },
];

/** Parses `200k`, `1.5M`, `2e5` or `300000` as a positive number. */
export function parseCount(text: string, flag: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kKmMgG]?)\s*$/.exec(text);
  const n = m ? Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6, g: 1e9 } as Record<string, number>)[m[2]!.toLowerCase()]! : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag}: '${text}' is not a positive count (examples: 200000, 200k, 1.5M, 2e5)`, 'sweep');
  return n;
}

/** Parses a comma list of counts; `integer` requires whole numbers. */
export function parseList(text: string, flag: string, integer = true): number[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`--${flag} lists nothing`, 'sweep');
  const values = items.map((s) => parseCount(s, flag));
  for (const v of values) if (integer && !Number.isInteger(v)) throw new UsageError(`--${flag} needs whole numbers, got ${v}`, 'sweep');
  if (new Set(values).size !== values.length) throw new UsageError(`--${flag} lists a value twice: ${text}`, 'sweep');
  return values;
}

/** The sweep spec of the command line. */
export function sweepSpecFromFlags(flags: Flags): SweepSpec {
  const layers = parseList(flags['layers'] as string, 'layers');
  const match = flags['match-params'] as string | undefined;
  const budgetKind = flags['budget'] as 'tokens' | 'flops' | 'params';
  if (match !== undefined && flags['d-model'] !== undefined) throw new UsageError('--match-params chooses d_model itself; drop --d-model', 'sweep');
  if (budgetKind === 'params' && match === undefined) throw new UsageError('--budget params needs --match-params N (the parameter count each shape is matched to)', 'sweep');
  if (flags['d-multiple'] !== undefined && match === undefined) throw new UsageError('--d-multiple applies to --match-params only', 'sweep');
  if (flags['n-head'] !== undefined && flags['head-dim'] !== undefined) throw new UsageError('give --n-head or --head-dim, not both', 'sweep');
  for (const n of ['n-head', 'head-dim', 'd-multiple', 'stories', 'val-tokens']) {
    if (flags[n] !== undefined && !((flags[n] as number) > 0)) throw new UsageError(`--${n} must be positive, got ${flags[n]}`, 'sweep');
  }
  if (budgetKind === 'flops' && flags['tokens'] !== undefined) throw new UsageError('--tokens sets a tokens budget; with --budget flops give --flops', 'sweep');
  if (budgetKind !== 'flops' && flags['flops'] !== undefined) throw new UsageError('--flops needs --budget flops', 'sweep');
  const tokens = (flags['tokens'] as number | undefined) ?? DEFAULT_SWEEP_TOKENS;
  const flops = (flags['flops'] as number | undefined) ?? DEFAULT_SWEEP_FLOPS;
  if (!(tokens > 0) || !(flops > 0)) throw new UsageError('--tokens and --flops must be positive', 'sweep');
  const data = flags['data'] as string | undefined, val = flags['val'] as string | undefined;
  if (val !== undefined && data === undefined) throw new UsageError('--val needs --data (the embedded corpus has its own validation stories)', 'sweep');
  const stories = flags['stories'] as number;
  const { steps: _steps, ...train } = trainFromFlags(flags, 'sweep');
  return {
    arch: flags['arch'] as 'gpt2' | 'llama',
    layers,
    ...(match !== undefined
      ? { matchParams: parseList(match, 'match-params').map(Math.round) }
      : { dModels: parseList((flags['d-model'] as string | undefined) ?? '64,128', 'd-model') }),
    paramCount: flags['param-count'] === 'total' ? 'total' : 'nonEmbedding',
    ...(flags['d-multiple'] !== undefined ? { dMultiple: flags['d-multiple'] as number } : {}),
    heads: flags['head-dim'] !== undefined ? { headDim: flags['head-dim'] as number } : { nHead: (flags['n-head'] as number | undefined) ?? 4 },
    budget: budgetKind === 'flops' ? { kind: 'flops', flops } : { kind: budgetKind, tokens: Math.round(tokens) },
    train: Object.fromEntries(Object.entries(train).filter(([, v]) => v !== undefined)) as SweepSpec['train'],
    valTokens: flags['val-tokens'] as number,
    data: data !== undefined
      ? { kind: 'files', train: data, val: val ?? null }
      : { kind: 'corpus', stories, valStories: Math.max(20, Math.round(stories / 20)), seed: train.seed },
    tokenizer: flags['tokenizer'] as string,
  };
}
