// Layer/width sweeps (src/interp/sweep, `storygrad sweep`): grid expansion and ids, parameter
// matching against the parameters of constructed models, budget arithmetic against a hand-written
// FLOP formula, the validation-loss evaluator against a plain log-softmax, SVG well-formedness,
// and end-to-end tiny sweeps on the CPU backend: files, interruption + resume (same losses as an
// uninterrupted run), skipping finished configurations, failures recorded without stopping the
// rest, and --report-only rebuilding the same report.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { main } from '../src/cli/main.js';
import { parseCount, sweepSpecFromFlags, SWEEP_FLAGS } from '../src/cli/commands/sweep-flags.js';
import { parseFlags } from '../src/cli/args.js';
import { countParams } from '../src/models/count.js';
import type { GPT } from '../src/models/gpt.js';
import { lineChartSvg, logTicks } from '../src/train/svg-chart.js';
import {
  accuracyVsLayersSvg, buildReport, configId, expandGrid, lossVsParamsSvg, matchDModel, parseConfigId, runEvaluators, runSweep,
  specDifference, trainingAmount, trainingSeconds, validationLossEvaluator,
  type ConfigResult, type SweepEvaluator, type SweepSpec,
} from '../src/interp/sweep/index.js';

/** A spec for tiny CPU sweeps. */
function tinySpec(over: Partial<SweepSpec> = {}): SweepSpec {
  return {
    arch: 'gpt2', layers: [1, 2], dModels: [8, 16], paramCount: 'nonEmbedding', heads: { nHead: 2 },
    budget: { kind: 'tokens', tokens: 640 },
    train: { batchSize: 4, seqLen: 16, lr: 1e-2, weightDecay: 0.1, gradClip: 1, gradAccum: 1, evalEvery: 4, evalBatches: 2, seed: 3, sampleTokens: 2 },
    valTokens: 256, data: { kind: 'corpus', stories: 40, valStories: 20, seed: 3 }, tokenizer: 'bpe:270',
    ...over,
  };
}

/** Non-embedding parameters of a built model: everything but the embedding, positions and unembedding. */
function nonEmbeddingOf(m: GPT): number {
  return m.namedParameters().filter(([k]) => !/^(embed|pos_embed|unembed)\./.test(k)).reduce((s, [, p]) => s + p.size, 0);
}

/**
 * A strict enough XML check for our SVGs: every tag is well formed with quoted attributes, tags
 * nest and close, text holds no raw '<' or unescaped '&', and the root is one <svg> with xmlns.
 */
function expectWellFormedSvg(svg: string): void {
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/y;
  const stack: string[] = [];
  let i = 0, roots = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    expect(text, `text before offset ${lt}`).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)|>/);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    expect(m, `malformed tag at offset ${lt}: ${svg.slice(lt, lt + 60)}`).not.toBeNull();
    const [, close, name, , self] = m!;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
    i = tag.lastIndex;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

describe('grid expansion', () => {
  it('gives one configuration per (layers, d_model) with ids, counts and steps', () => {
    const spec = tinySpec({ layers: [1, 4], dModels: [32, 64] });
    const cs = expandGrid(spec, 100);
    expect(cs.map((c) => c.id)).toEqual(['L1-d32', 'L1-d64', 'L4-d32', 'L4-d64']);
    for (const c of cs) {
      expect(c.invalid).toBeUndefined();
      expect(c.model).toEqual({ arch: 'gpt2', vocabSize: 100, nCtx: 16, dModel: c.model.dModel, nLayer: c.model.nLayer, nHead: 2 });
      const m = new sg.models.GPT(c.model);
      expect(c.params).toEqual({ total: m.numParameters(), nonEmbedding: nonEmbeddingOf(m) });
      m.dispose();
      expect(c.amount!.steps).toBe(10); // 640 tokens / (4 x 16)
    }
  });
  it('keeps shapes that cannot be built, marked invalid with the reason', () => {
    const cs = expandGrid(tinySpec({ dModels: [16, 18], heads: { nHead: 4 } }), 50);
    expect(cs.map((c) => [c.id, !!c.invalid])).toEqual([['L1-d16', false], ['L1-d18', true], ['L2-d16', false], ['L2-d18', true]]);
    expect(cs[1]!.invalid).toMatch(/dModel \(18\) must be divisible by nHead \(4\)/);
    const hd = expandGrid(tinySpec({ layers: [1], dModels: [48, 40], heads: { headDim: 16 } }), 50);
    expect(hd[0]!.model.nHead).toBe(3);
    expect(hd[1]!.invalid).toMatch(/d_model 40 is not a multiple of the head size 16/);
  });
  it('rejects empty or non-integer lists and both widths and targets', () => {
    expect(() => expandGrid(tinySpec({ layers: [] }), 50)).toThrow(/lists no layer count/);
    expect(() => expandGrid(tinySpec({ layers: [1.5] }), 50)).toThrow(/positive integers/);
    expect(() => expandGrid(tinySpec({ dModels: [] }), 50)).toThrow(/lists no width/);
    expect(() => expandGrid(tinySpec({ matchParams: [1000] }), 50)).toThrow(/not both/);
  });
  it('ids round-trip through parseConfigId', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 1 << 16 }), (l, d) => {
      expect(parseConfigId(configId(l, d))).toEqual({ nLayer: l, dModel: d });
    }));
    expect(parseConfigId('L4-d')).toBeNull();
    expect(parseConfigId('x')).toBeNull();
  });
  it('specDifference names the first differing field', () => {
    expect(specDifference(tinySpec(), tinySpec())).toBeNull();
    expect(specDifference(tinySpec(), tinySpec({ layers: [1, 3] }))).toBe('layers: [1,2] vs [1,3]');
    expect(specDifference(tinySpec(), { ...tinySpec(), train: { ...tinySpec().train, lr: 0.5 } })).toBe('train.lr: 0.01 vs 0.5');
  });
});

describe('parameter matching', () => {
  it.each([
    ['nonEmbedding', 60_000, { nHead: 4 }],
    ['total', 150_000, { nHead: 4 }],
    ['nonEmbedding', 200_000, { headDim: 8 }],
  ] as const)('matches %s %d with heads %j: the nearest multiple, counts as built', (count, target, heads) => {
    for (const nLayer of [1, 2, 4, 8]) {
      const o = { arch: 'gpt2' as const, nLayer, vocabSize: 256, nCtx: 32, heads, count };
      const m = matchDModel(target, o);
      const step = 'nHead' in heads ? 2 * heads.nHead : heads.headDim;
      expect(m.dModel % step).toBe(0);
      const built = new sg.models.GPT({ arch: 'gpt2', vocabSize: 256, nCtx: 32, dModel: m.dModel, nLayer, nHead: m.nHead });
      const achieved = count === 'total' ? built.numParameters() : nonEmbeddingOf(built);
      built.dispose();
      expect(m.achieved).toBe(achieved);
      expect(m.relError).toBeCloseTo((achieved - target) / target, 12);
      // No other multiple of the step is nearer: compare with the neighbours, counted independently.
      for (const d of [m.dModel - step, m.dModel + step].filter((d) => d > 0)) {
        const c = countParams({ arch: 'gpt2', vocabSize: 256, nCtx: 32, dModel: d, nLayer, nHead: 'nHead' in heads ? heads.nHead : d / heads.headDim });
        const other = count === 'total' ? c.total : c.nonEmbedding;
        expect(Math.abs(achieved - target)).toBeLessThanOrEqual(Math.abs(other - target));
      }
      expect(Math.abs(m.relError)).toBeLessThan(0.2);
    }
  });
  it('expands a matched grid with targets, and refuses bad targets and multiples', () => {
    const cs = expandGrid(tinySpec({ dModels: undefined, matchParams: [20_000, 80_000], layers: [1, 4] }), 100);
    expect(cs.map((c) => c.paramTarget)).toEqual([20_000, 20_000, 80_000, 80_000]);
    for (const c of cs) expect(Math.abs(c.params!.nonEmbedding - c.paramTarget!) / c.paramTarget!).toBeLessThan(0.25);
    expect(() => matchDModel(-1, { arch: 'gpt2', nLayer: 1, vocabSize: 10, nCtx: 8, heads: { nHead: 2 } })).toThrow(/positive number/);
    expect(() => matchDModel(1000, { arch: 'gpt2', nLayer: 1, vocabSize: 10, nCtx: 8, heads: { nHead: 4 }, multiple: 6 })).toThrow(/multiple of --n-head 4/);
    expect(() => matchDModel(1e15, { arch: 'gpt2', nLayer: 1, vocabSize: 10, nCtx: 8, heads: { nHead: 2 }, maxDModel: 64 })).toThrow(/below the target/);
  });
});

describe('budgets', () => {
  // Training FLOPs per token of a tied gpt2, written out: 6 N + 12 L T d with
  // N = L (12 d^2 + 13 d) + 2 d (final norm) + V d (unembedding matmul).
  const fpt = (L: number, d: number, V: number, T: number) => 6 * (L * (12 * d * d + 13 * d) + 2 * d + V * d) + 12 * L * T * d;
  const model = { arch: 'gpt2' as const, vocabSize: 1024, nCtx: 128, dModel: 64, nLayer: 2, nHead: 4 };
  it('tokens: steps = round(tokens / (batch x seq x accum)), at least one', () => {
    expect(trainingAmount(model, { kind: 'tokens', tokens: 200_000 }, { batchSize: 8, seqLen: 128 }))
      .toEqual({ steps: 195, tokens: 199_680, flops: 199_680 * fpt(2, 64, 1024, 128), tokensPerStep: 1024, flopsPerToken: fpt(2, 64, 1024, 128) });
    expect(trainingAmount(model, { kind: 'params', tokens: 3000 }, { batchSize: 8, seqLen: 128, gradAccum: 2 }).steps).toBe(1);
    expect(trainingAmount(model, { kind: 'tokens', tokens: 10 }, { batchSize: 8, seqLen: 128 }).steps).toBe(1);
  });
  it('flops: the same training FLOPs whatever the shape (to within a step)', () => {
    const budget = { kind: 'flops' as const, flops: 7e11 };
    for (const [L, d] of [[1, 64], [4, 128], [8, 32]]) {
      const a = trainingAmount({ ...model, nLayer: L, dModel: d }, budget, { batchSize: 8, seqLen: 128 });
      expect(a.flopsPerToken).toBe(fpt(L, d, 1024, 128));
      expect(a.steps).toBe(Math.round(7e11 / (fpt(L, d, 1024, 128) * 1024)));
      expect(Math.abs(a.flops - 7e11)).toBeLessThanOrEqual(0.5 * 1024 * a.flopsPerToken);
    }
  });
  it('rejects empty budgets and geometries', () => {
    expect(() => trainingAmount(model, { kind: 'tokens', tokens: 0 }, { batchSize: 8, seqLen: 128 })).toThrow(/positive number/);
    expect(() => trainingAmount(model, { kind: 'tokens', tokens: 10 }, { batchSize: 0, seqLen: 128 })).toThrow(/positive integers/);
  });
  it('sums training time over resumed sessions', () => {
    expect(trainingSeconds([{ step: 1, elapsedMs: 100 }, { step: 2, elapsedMs: 200 }, { step: 3, elapsedMs: 50 }, { step: 4, elapsedMs: 120 }])).toBeCloseTo(0.32, 12);
    expect(trainingSeconds([])).toBe(0);
  });
});

describe('command-line spec', () => {
  const spec = (argv: string[]) => sweepSpecFromFlags(parseFlags(argv, SWEEP_FLAGS, 'sweep'));
  it('reads lists, counts, heads and budgets', () => {
    expect(parseCount('200k', 'x')).toBe(200_000);
    expect(parseCount('1.5M', 'x')).toBe(1_500_000);
    expect(parseCount('2e5', 'x')).toBe(200_000);
    const s = spec(['--out', 'o', '--layers', '1,2,8', '--match-params', '100k,4e5', '--budget', 'params', '--tokens', '5000', '--head-dim', '16']);
    expect(s).toMatchObject({ layers: [1, 2, 8], matchParams: [100_000, 400_000], heads: { headDim: 16 }, budget: { kind: 'params', tokens: 5000 } });
    expect(s.dModels).toBeUndefined();
    expect(spec(['--out', 'o'])).toMatchObject({ dModels: [64, 128], heads: { nHead: 4 }, budget: { kind: 'tokens', tokens: 200_000 }, data: { kind: 'corpus', stories: 6000, valStories: 300 } });
    expect(spec(['--out', 'o', '--budget', 'flops', '--flops', '1e12']).budget).toEqual({ kind: 'flops', flops: 1e12 });
  });
  it.each([
    [['--budget', 'params'], /--budget params needs --match-params/],
    [['--match-params', '1000', '--d-model', '64'], /drop --d-model/],
    [['--n-head', '2', '--head-dim', '8'], /not both/],
    [['--budget', 'flops', '--tokens', '100'], /with --budget flops give --flops/],
    [['--flops', '1e9'], /--flops needs --budget flops/],
    [['--layers', '1,x'], /not a positive count/],
    [['--layers', '2,2'], /lists a value twice/],
    [['--val', 'v.txt'], /--val needs --data/],
  ])('rejects %j', (argv, msg) => {
    expect(() => spec(['--out', 'o', ...argv])).toThrow(msg);
  });
});

describe('SVG plots', () => {
  const result = (id: string, L: number, d: number, metrics: Record<string, number>, paramTarget?: number): ConfigResult => ({
    format: 'storygrad-sweep-result', version: 1, id, model: { arch: 'gpt2', vocabSize: 64, nCtx: 16, dModel: d, nLayer: L, nHead: 2 },
    params: { total: 1000 * L * d, nonEmbedding: 100 * L * d }, ...(paramTarget ? { paramTarget } : {}),
    train: { steps: 1, tokens: 1, flops: 1, flopsPerToken: 1, seconds: 1, finalLoss: 1 }, metrics, evalSeconds: 0,
  });
  const rs = [
    result('L1-d8', 1, 8, { 'val.loss': 3, 'probe.factual.accuracy': 0.5, 'probe.factual.meanMargin': 0.1, 'x<&y.accuracy': 0.2 }),
    result('L2-d8', 2, 8, { 'val.loss': 2.5, 'probe.factual.accuracy': 0.6, 'probe.tracking.accuracy': 0.3 }),
    result('L1-d16', 1, 16, { 'val.loss': 2.2, 'probe.factual.accuracy': 0.7 }),
  ];
  it('loss vs params: one line per layer count, a labelled marker per configuration', () => {
    const svg = lossVsParamsSvg(rs);
    expectWellFormedSvg(svg);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<path /g)).toHaveLength(2);
    for (const id of ['L1-d8', 'L2-d8', 'L1-d16']) expect(svg).toContain(`>${id}</text>`);
    expect(svg).toContain('>1 layer</text>');
    expect(svg).toContain('>2 layers</text>');
  });
  it('accuracy vs layers: every *.accuracy metric (escaped), one line per d_model, no other metrics', () => {
    const svg = accuracyVsLayersSvg(rs);
    expectWellFormedSvg(svg);
    expect(svg).toContain('>probe.factual.accuracy, d 8</text>');
    expect(svg).toContain('>probe.factual.accuracy, d 16</text>');
    expect(svg).toContain('>probe.tracking.accuracy, d 8</text>');
    expect(svg).toContain('>x&lt;&amp;y.accuracy, d 8</text>');
    expect(svg).not.toContain('meanMargin');
    expect(svg).toContain('one line per d_model');
    const matched = accuracyVsLayersSvg([result('L1-d8', 1, 8, { 'a.accuracy': 0.5 }, 5000), result('L2-d6', 2, 6, { 'a.accuracy': 0.4 }, 5000)]);
    expectWellFormedSvg(matched);
    expect(matched).toContain('>a.accuracy, 5,000 params</text>');
    expect(matched).toContain('at fixed parameter count');
    const empty = accuracyVsLayersSvg([result('L1-d8', 1, 8, { 'val.loss': 1 })]);
    expectWellFormedSvg(empty);
    expect(empty).toContain('no *.accuracy metrics yet');
  });
  it('line charts stay well formed for any finite data; log ticks are increasing and inside the range', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 8 }),
      fc.boolean(), fc.string({ maxLength: 8 }),
      (pts, log, label) => {
        expectWellFormedSvg(lineChartSvg({ title: label, x: { label, log }, y: { label: 'y' }, series: [{ label, points: pts, color: '#000', markers: true, pointLabels: pts.map(() => label) }] }));
      },
    ), { numRuns: 40 });
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), fc.double({ min: 1.0001, max: 1e6, noNaN: true }), (lo, ratio) => {
      const t = logTicks(lo, lo * ratio);
      expect(t.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
      expect(t[0]!).toBeGreaterThanOrEqual(lo * (1 - 1e-9));
      expect(t.at(-1)!).toBeLessThanOrEqual(lo * ratio * (1 + 1e-9));
    }));
  });
});

describe('sweeps on the CPU backend', () => {
  beforeAll(async () => {
    await sg.init({ backend: 'cpu' });
  });
  afterAll(async () => {
    await sg.shutdown();
  });

  it('the validation loss is the mean cross-entropy over the first non-overlapping windows', async () => {
    const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 11, nCtx: 5, dModel: 8, nLayer: 1, nHead: 2, seed: 4 });
    model.eval();
    const tokens = Int32Array.from({ length: 40 }, (_, i) => (i * 7 + 3) % 11);
    const got = (await validationLossEvaluator({ tokens, seqLen: 5, batchSize: 3, maxTokens: 20 }).evaluate(model, null as never)).loss!;
    // Reference: maxTokens 20 allows one batch of 3 windows of 5 (ids [0, 5], [5, 10], [10, 15]); plain log-softmax.
    let sum = 0, n = 0;
    for (let w = 0; w < 3; w++) {
      const x = sg.tensor(tokens.slice(w * 5, w * 5 + 5), { shape: [1, 5], dtype: 'i32' });
      const logits = (await model.forward(x).toArray()) as number[][][];
      for (let t = 0; t < 5; t++) {
        const row = logits[0]![t]!;
        const mx = Math.max(...row);
        const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
        sum += lse - row[tokens[w * 5 + t + 1]!]!;
        n++;
      }
    }
    expect(got).toBeCloseTo(sum / n, 5);
    model.dispose();
  });

  it('runEvaluators prefixes names and names a failing or non-finite evaluator', async () => {
    const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 11, nCtx: 5, dModel: 8, nLayer: 1, nHead: 2 });
    const ok: SweepEvaluator = { name: 'probe.a', evaluate: async (m) => ({ accuracy: m.config.nLayer / 4 }) };
    expect(await runEvaluators(model, null as never, [ok])).toEqual({ 'probe.a.accuracy': 0.25 });
    await expect(runEvaluators(model, null as never, [{ name: 'bad', evaluate: async () => { throw new Error('boom'); } }])).rejects.toThrow(/evaluator 'bad' failed: boom/);
    await expect(runEvaluators(model, null as never, [{ name: 'nan', evaluate: async () => ({ x: NaN }) }])).rejects.toThrow(/non-finite nan\.x/);
    await expect(runEvaluators(model, null as never, [ok, ok])).rejects.toThrow(/two evaluators produce the metric probe\.a\.accuracy/);
    model.dispose();
  });

  it('runs, is interrupted, resumes exactly, skips finished configurations, records failures and rebuilds the same report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sg-sweep-'));
    const spec = tinySpec();
    // A stand-in probe: the fraction of validation windows whose first target is the model's argmax
    // would be a real probe; here any finite number will do, and L2-d8 fails on purpose.
    const evaluators = (ctx: { valTokens: ArrayLike<number>; seqLen: number; batchSize: number; maxValTokens: number }): SweepEvaluator[] => [
      validationLossEvaluator({ tokens: ctx.valTokens, seqLen: ctx.seqLen, batchSize: ctx.batchSize, maxTokens: ctx.maxValTokens }),
      {
        name: 'probe.fake',
        evaluate: async (m) => {
          if (m.config.nLayer === 2 && m.config.dModel === 8) throw new Error('injected evaluator failure');
          return { accuracy: m.config.nLayer / 10, meanMargin: m.config.dModel / 100 };
        },
      },
    ];
    // 1. Interrupted during the first configuration's third step (a checkpoint is saved).
    const ctrl = new AbortController();
    let steps = 0;
    const first = await runSweep({ out, spec, evaluators, signal: ctrl.signal, progress: () => { if (++steps === 3) ctrl.abort(); } });
    expect(first.interrupted).toBe(true);
    expect(first.outcomes.map((o) => [o.id, o.outcome.status])).toEqual([['L1-d8', 'interrupted']]);
    expect(readdirSync(join(out, 'configs'))).toEqual(['L1-d8']);
    expect(first.report.markdown).toContain('0 done, 0 failed, 1 incomplete, 3 not started');

    // 2. Rerun: L1-d8 resumes from its checkpoint, the others run, L2-d8's evaluator throws.
    const lines: string[] = [];
    const second = await runSweep({ out, spec, evaluators, log: (l) => lines.push(l) });
    expect(second.outcomes.map((o) => [o.id, o.outcome.status])).toEqual([['L1-d8', 'done'], ['L1-d16', 'done'], ['L2-d8', 'failed'], ['L2-d16', 'done']]);
    expect(lines.some((l) => l.includes('[1/4 L1-d8] L1-d8: resuming from its checkpoint'))).toBe(true);
    expect(second.failed).toEqual(['L2-d8']);
    const err = JSON.parse(readFileSync(join(out, 'configs/L2-d8/error.json'), 'utf8'));
    expect(err).toMatchObject({ id: 'L2-d8', phase: 'evaluate' });
    expect(err.message).toMatch(/evaluator 'probe\.fake' failed: injected evaluator failure/);
    const metricsLog = readFileSync(join(out, 'configs/L1-d8/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(metricsLog).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // The resumed run equals an uninterrupted one (same losses, same validation loss).
    const fresh = mkdtempSync(join(tmpdir(), 'sg-sweep-fresh-'));
    const alone = await runSweep({ out: fresh, spec, evaluators, only: ['L1-d8'] });
    const resumed = JSON.parse(readFileSync(join(out, 'configs/L1-d8/result.json'), 'utf8')) as ConfigResult;
    const straight = (alone.outcomes[0]!.outcome as { result: ConfigResult }).result;
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(resumed.train.finalLoss).toBe(straight.train.finalLoss);
    expect(alone.report.markdown).toContain('1 done, 0 failed, 0 incomplete, 3 not started');

    // Files: shared tokenizer copied into each run, results, report, metrics, plots.
    const tok = readFileSync(join(out, 'tokenizer.json'));
    for (const id of ['L1-d8', 'L1-d16', 'L2-d16']) {
      expect(readFileSync(join(out, 'configs', id, 'tokenizer.json')).equals(tok)).toBe(true);
      const r = JSON.parse(readFileSync(join(out, 'configs', id, 'result.json'), 'utf8')) as ConfigResult;
      expect(r.train.steps).toBe(10);
      expect(r.train.tokens).toBe(640);
      expect(Object.keys(r.metrics).sort()).toEqual(['probe.fake.accuracy', 'probe.fake.meanMargin', 'val.loss']);
      expect(r.metrics['val.loss']).toBeLessThan(Math.log(270));
    }
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(manifest.spec).toEqual(spec);
    expect(manifest.configs.map((c: { id: string }) => c.id)).toEqual(['L1-d8', 'L1-d16', 'L2-d8', 'L2-d16']);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('| config | layers | d_model | heads | params | non-emb. params | steps | tokens | train FLOPs | train s | train loss | val.loss | probe.fake.accuracy | probe.fake.meanMargin | status |');
    expect(report).toMatch(/\| L2-d16 \| 2 \| 16 \| 2 \| [\d,]+ \| [\d,]+ \| 10 \| 640 \| .* \| 0\.2000 \| 0\.1600 \| done \|/);
    expect(report).toContain("- `L2-d8` (evaluate): storygrad: sweep: evaluator 'probe.fake' failed: injected evaluator failure");
    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((j) => [j.id, j.status])).toEqual([['L1-d8', 'done'], ['L1-d16', 'done'], ['L2-d8', 'failed'], ['L2-d16', 'done']]);
    expect(jsonl[3]).toMatchObject({ nLayer: 2, dModel: 16, 'probe.fake.accuracy': 0.2, steps: 10, tokens: 640 });
    expectWellFormedSvg(readFileSync(join(out, 'loss-vs-params.svg'), 'utf8'));
    const acc = readFileSync(join(out, 'accuracy-vs-layers.svg'), 'utf8');
    expectWellFormedSvg(acc);
    expect(acc).toContain('>probe.fake.accuracy, d 16</text>');

    // 3. Rerun: finished configurations are skipped untouched; the failed one is retried (and fails again).
    const stamp = (id: string) => statSync(join(out, 'configs', id, 'result.json')).mtimeMs;
    const before = { a: stamp('L1-d16'), log: readFileSync(join(out, 'configs/L1-d16/metrics.jsonl'), 'utf8') };
    const third = await runSweep({ out, spec, evaluators });
    expect(third.outcomes.map((o) => [o.id, o.outcome.status])).toEqual([['L1-d8', 'skipped'], ['L1-d16', 'skipped'], ['L2-d8', 'failed'], ['L2-d16', 'skipped']]);
    expect(stamp('L1-d16')).toBe(before.a);
    expect(readFileSync(join(out, 'configs/L1-d16/metrics.jsonl'), 'utf8')).toBe(before.log);

    // 4. The report rebuilt from the directories alone has the same bytes.
    const files = ['report.md', 'metrics.jsonl', 'loss-vs-params.svg', 'accuracy-vs-layers.svg'];
    const snapshot = files.map((f) => readFileSync(join(out, f), 'utf8'));
    await buildReport(out);
    expect(files.map((f) => readFileSync(join(out, f), 'utf8'))).toEqual(snapshot);

    // A different spec in the same directory is refused.
    await expect(runSweep({ out, spec: tinySpec({ layers: [1, 3] }), evaluators })).rejects.toThrow(/holds another sweep \(layers: \[1,2\] vs \[1,3\]\)/);
    await expect(runSweep({ out, spec, evaluators, only: ['L9-d9'] })).rejects.toThrow(/no configuration L9-d9 in this sweep \(its ids: L1-d8, L1-d16, L2-d8, L2-d16\)/);
  });
});

describe('storygrad sweep', () => {
  const capture = () => {
    const out: string[] = [], err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };
  it('trains the grid, records an impossible shape and exits 1; --report-only rebuilds the same report', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sg-sweep-cli-')), 'sw');
    const argv = ['sweep', '--backend', 'cpu', '--out', dir, '--layers', '1', '--d-model', '8,10', '--n-head', '4', '--tokens', '256',
      '--batch', '4', '--seq', '16', '--stories', '30', '--tokenizer', 'bpe:260', '--eval-every', '2', '--sample-tokens', '2', '--val-tokens', '128'];
    const c = capture();
    expect(await main(argv, c.io), c.err.join('\n')).toBe(1);
    expect(c.out.some((l) => /\[2\/2 L1-d10\] FAILED \(setup\): .*dModel \(10\) must be divisible by nHead \(4\)/.test(l))).toBe(true);
    expect(c.out.some((l) => /^sweep: 1 trained, 0 already finished, 1 failed \(L1-d10\) in \d+ s$/.test(l))).toBe(true);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toMatch(/\| L1-d8 \| 1 \| 8 \| 4 \| .* \| done \|/);
    const r = capture();
    expect(await main(['sweep', '--report-only', '--out', dir], r.io), r.err.join('\n')).toBe(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(report);
    expect(r.out.filter((l) => l.startsWith('|'))).toEqual(report.split('\n').filter((l) => l.startsWith('|')));
    // A configuration directory holding a run of another shape is reported, not trained over.
    rmSync(join(dir, 'configs/L1-d8/result.json'));
    const runJson = JSON.parse(readFileSync(join(dir, 'configs/L1-d8/run.json'), 'utf8'));
    writeFileSync(join(dir, 'configs/L1-d8/run.json'), JSON.stringify({ ...runJson, model: { ...runJson.model, nLayer: 3 } }));
    const other = capture();
    expect(await main([...argv, '--only', 'L1-d8'], other.io)).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'configs/L1-d8/error.json'), 'utf8')).message).toMatch(/holds a run of another shape \(d 8, 3 layers, 4 heads/);
    const missing = capture();
    expect(await main(['sweep', '--report-only', '--out', join(dir, 'nothing')], missing.io)).toBe(1);
    expect(missing.err.join('\n')).toMatch(/holds no sweep/);
    const usage = capture();
    expect(await main(['sweep', '--out', dir, '--budget', 'params'], usage.io)).toBe(2);
    expect(usage.err.join('\n')).toMatch(/--budget params needs --match-params/);
  });
});
