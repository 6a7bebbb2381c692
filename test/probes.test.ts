// Probe suites (src/interp/probes/): determinism per seed, size, balance of kinds and of answer
// positions, answers true of the world-fact table and distinct from the distractors, separation
// from the training corpus, clean tokenization at the prompt/continuation boundary; scoring
// against a plain item-by-item reference (full forwards + logSoftmax) on every backend, known
// answers from a model whose logits are a hand-set bigram table, and the `storygrad probe` command.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ANIMAL_FACTS, THING_FACTS, WORLD_FACTS, generateStories } from '../src/data/corpus/index.js';
import {
  FACTUAL_KINDS, TRACKING_KINDS, chanceAccuracy, encodeProbeItem, factualSuite, probeEncoder, scoreProbeItems, scoreProbeSuite,
  trackingSuite, type ProbeItem, type ProbeSuite,
} from '../src/interp/index.js';
import { BpeTokenizer, Llama2cTokenizer } from '../src/tokenizers/index.js';
import type { Tokenizer } from '../src/tokenizers/tokenizer.js';
import { saveModel } from '../src/io/checkpoint.js';
import { main } from '../src/cli/main.js';
import { loadBackends } from './helpers/backends.js';

const backends = await loadBackends();

const SUITES = [factualSuite, trackingSuite] as const;
const KINDS = { factual: FACTUAL_KINDS, tracking: TRACKING_KINDS } as const;
const word = (c: string) => c.trim();
/** Index of the first whole-word occurrence of `w` in `text`, or -1. */
const find = (text: string, w: string, flags = '') => text.search(new RegExp(`\\b${w}\\b`, flags));

describe('probe suites', () => {
  it.each(SUITES)('%o: the same seed gives the same suite, another seed another one', (make) => {
    const a = make({ seed: 5 }), b = make({ seed: 5 }), c = make({ seed: 6 });
    expect(b).toEqual(a);
    expect(a.seed).toBe(5);
    const prompts = new Set(a.items.map((i) => i.prompt));
    expect(c.items.filter((i) => prompts.has(i.prompt)).length).toBeLessThan(a.items.length / 4);
    expect(make().items).toEqual(make({ seed: 0 }).items);
  });
  it.each(SUITES)('%o: at least 100 items by default, n when given; bad options are errors', (make) => {
    expect(make().items.length).toBeGreaterThanOrEqual(100);
    expect(make({ n: 7 }).items).toHaveLength(7);
    expect(make({ n: 300 }).items).toHaveLength(300);
    expect(make({ n: 7 }).items).toEqual(make().items.slice(0, 7));
    expect(() => make({ n: 0 })).toThrow(/positive integer/);
    expect(() => make({ seed: 1.5 })).toThrow(/safe integer/);
  });
  it.each(SUITES)('%o: items are well formed, distinct, and every kind has its share', (make) => {
    for (const seed of [0, 1, 2]) {
      const s = make({ seed, n: 150 });
      expect(new Set(s.items.map((i) => i.prompt)).size).toBe(s.items.length);
      for (const it of s.items) {
        expect(it.distractors, it.prompt).not.toContain(it.answer);
        expect(new Set(it.distractors).size).toBe(it.distractors.length);
        expect(it.distractors.length).toBeGreaterThanOrEqual(2);
        for (const c of [it.answer, ...it.distractors]) expect(c, it.prompt).toMatch(/^ [A-Za-z]/);
        expect(it.prompt).toMatch(/\S$/);
      }
      const counts = new Map<string, number>();
      for (const it of s.items) counts.set(it.kind, (counts.get(it.kind) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...KINDS[s.name]].sort());
      expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    }
  });

  it('factual: every answer is the table\'s value for the subject the prompt names, and the distractors are false of it', () => {
    const s = factualSuite({ n: 300 });
    const covered = new Set<string>();
    for (const it of s.items) {
      // The subject is the table subject named in the prompt (a noun or its plural).
      const named = WORLD_FACTS.filter((f) => f.kind === it.kind).filter((f) => {
        const a = ANIMAL_FACTS.find((x) => x.noun === f.subject);
        return find(it.prompt, f.subject, 'i') >= 0 || (a !== undefined && find(it.prompt, a.plural, 'i') >= 0);
      });
      expect(named.length, it.prompt).toBe(1);
      const f = named[0]!;
      expect(it.answer).toBe(` ${f.value}`);
      for (const d of it.distractors) expect(f.wrong, `${it.prompt} / ${d}`).toContain(word(d));
      expect(it.distractors).toHaveLength(3);
      expect(find(it.prompt, f.value, 'i'), it.prompt).toBe(-1); // the prompt does not give the answer away
      covered.add(`${f.kind} ${f.subject}`);
    }
    expect(covered.size).toBe(WORLD_FACTS.length); // 300 items visit every fact
    expect(THING_FACTS.length + ANIMAL_FACTS.length).toBeGreaterThan(30);
  });

  it('tracking: the answer is bound in the prompt, one distractor is the other binding, one is absent; positions are balanced', () => {
    for (const seed of [0, 1]) {
      const s = trackingSuite({ seed, n: 240 });
      const firsts = new Map<string, [number, number]>();
      for (const it of s.items) {
        const a = find(it.prompt, word(it.answer));
        const present = it.distractors.filter((d) => find(it.prompt, word(d)) >= 0);
        expect(a, it.prompt).toBeGreaterThanOrEqual(0);
        expect(present, it.prompt).toHaveLength(1);
        expect(it.distractors).toHaveLength(2);
        const o = find(it.prompt, word(present[0]!));
        const tally = firsts.get(it.kind) ?? [0, 0];
        tally[a < o ? 0 : 1]++;
        firsts.set(it.kind, tally);
        if (it.kind === 'pronoun') expect(it.prompt).toMatch(/ (she|he) [a-z ]+ (her|his)$/);
        else if (it.kind === 'object' || it.kind === 'color' || it.kind === 'place') {
          // The query names the child whose binding is asked for.
          const names = it.prompt.match(/\b[A-Z][a-z]+\b/g)!.filter((n) => !['Then', 'Later', 'After', 'For', 'In', 'That', 'The', 'My', 'It'].includes(n));
          expect(new Set(names).size, it.prompt).toBe(2);
        }
      }
      for (const [kind, [first, second]] of firsts) expect(Math.abs(first - second), kind).toBeLessThanOrEqual(1);
      expect(chanceAccuracy(s.items)).toBeCloseTo(1 / 3, 12);
    }
  });
});

describe('probes are separate from the training corpus', () => {
  // The demo's corpus is the stream of seed 0 (`storygrad demo`); 2000 of its stories.
  const text = generateStories({ seed: 0, count: 2000 }).join('\n');
  /** The last sentence of a text (after . ! ? and an optional quote). */
  const lastSentence = (s: string) => s.split(/(?<=[.!?]"?) +"?/).pop()!;
  it.each(SUITES)('%o: no prompt, and no completed final sentence, occurs in 2000 generated stories', (make) => {
    for (const seed of [0, 1]) {
      for (const it of make({ seed, n: 200 }).items) {
        expect(text.includes(it.prompt), it.prompt).toBe(false);
        expect(text.includes(lastSentence(it.prompt + it.answer)), it.prompt + it.answer).toBe(false);
      }
    }
  });
  it('the check bites: corpus sentences are found', () => {
    expect(text.includes(lastSentence('Lily ran. The sky was blue'))).toBe(true);
  });
});

// A BPE vocabulary trained on corpus stories, like the demo's (smaller).
const corpusBpe = BpeTokenizer.train(generateStories({ seed: 0, count: 150 }).join('\n'), { vocabSize: 400 });
const LLAMA_TOK = fileURLToPath(new URL('../../shared/data/llama2c/tok512.bin', import.meta.url));
const haveLlama = existsSync(LLAMA_TOK);
if (!haveLlama) console.warn('\n!!! llama2.c tokenizer probe tests SKIPPED: ../shared/data/llama2c is absent\n');
const llamaTok = haveLlama ? Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(LLAMA_TOK))) : null;

describe('probe tokenization', () => {
  it('BPE: the prompt\'s ids are a prefix of every candidate\'s, after <|endoftext|> as a BOS', () => {
    const enc = probeEncoder(corpusBpe);
    expect(enc.separatorId).toBe(corpusBpe.bosId);
    for (const make of SUITES) {
      for (const it of make({ n: 240 }).items) {
        const e = encodeProbeItem(it, enc);
        const prompt = corpusBpe.encode(it.prompt, { allowSpecial: false });
        expect(e.boundaryMerged, it.prompt).toBe(false);
        expect(e.start).toBe(prompt.length + 1);
        for (const s of e.sequences) expect(s.slice(0, e.start)).toEqual([corpusBpe.bosId, ...prompt]);
      }
    }
  });
  it.skipIf(!haveLlama)('llama2.c: BOS then the dummy-prefixed text, as llama2.c encodes a prompt', () => {
    const enc = probeEncoder(llamaTok!);
    let merged = 0, n = 0;
    for (const make of SUITES) {
      for (const it of make({ n: 240 }).items) {
        const e = encodeProbeItem(it, enc);
        e.sequences.forEach((s, c) => expect(s).toEqual(llamaTok!.encode(it.prompt + [it.answer, ...it.distractors][c]!)));
        if (e.boundaryMerged) merged++;
        n++;
      }
    }
    expect(merged).toBeLessThan(n / 20); // SentencePiece pieces start at spaces: merges are rare
  });
  it('a merge across the boundary starts the scored span where the candidates leave the prompt', () => {
    const it_: ProbeItem = { prompt: 'Tom had a ba', answer: 'll', distractors: ['t'], kind: 'x' };
    const e = encodeProbeItem(it_, probeEncoder(corpusBpe));
    expect(e.boundaryMerged).toBe(true);
    const prompt = [corpusBpe.bosId!, ...corpusBpe.encode('Tom had a ba')];
    expect(e.start).toBeLessThan(prompt.length);
    for (const s of e.sequences) expect(s.slice(0, e.start)).toEqual(prompt.slice(0, e.start));
    expect(e.sequences[0]![e.start]).not.toBe(e.sequences[1]![e.start]);
  });
});

/** log P(ids[start..] | ids[..start]) by one full forward of `ids` and a logSoftmax read on the host. */
async function referenceLogProb(model: sg.models.GPT, ids: number[], start: number): Promise<number> {
  const V = model.config.vocabSize, T = ids.length - 1;
  const lp = sg.noGrad(() => sg.tidy(() => sg.logSoftmax(model.forward(sg.tensor(Int32Array.from(ids.slice(0, T)), { shape: [1, T] })), -1)));
  const data = await lp.data();
  lp.dispose();
  let s = 0;
  for (let j = start - 1; j < T; j++) s += data[j * V + ids[j + 1]!]!;
  return s;
}

/** Per item: the candidates' reference log-probs, with the scored span found by the test itself. */
async function reference(model: sg.models.GPT, tok: Tokenizer, items: readonly ProbeItem[]): Promise<number[][]> {
  const withBos = (text: string) => (tok instanceof Llama2cTokenizer ? tok.encode(text) : [tok.bosId!, ...(tok as BpeTokenizer).encode(text, { allowSpecial: false })]);
  const out: number[][] = [];
  for (const it of items) {
    const p = withBos(it.prompt);
    const seqs = [it.answer, ...it.distractors].map((c) => withBos(it.prompt + c));
    let start = p.length;
    for (const s of seqs) { let k = 0; while (k < s.length && s[k] === p[k]) k++; start = Math.min(start, k); }
    out.push(await Promise.all(seqs.map((s) => referenceLogProb(model, s, start))));
  }
  return out;
}

/** A model whose logits are row `token` of a table: next-token scores depend on the current token only. */
class BigramModel extends sg.nn.Module {
  readonly config: { nCtx: number; vocabSize: number };
  constructor(readonly table: sg.Tensor /* [V, V] */, nCtx: number) {
    super();
    this.config = { nCtx, vocabSize: table.shape[0]! };
  }
  forward(tokens: sg.Tensor): sg.Tensor {
    return sg.embedding(this.table, tokens); // [B, T, V]
  }
}

const tinyGpt = (vocabSize: number, nCtx = 96) => new sg.models.GPT({ arch: 'gpt2', vocabSize, nCtx, dModel: 16, nLayer: 2, nHead: 2, seed: 3 });

describe.each(backends)('probe scoring on $name', (entry) => {
  entry.describe('against an item-by-item reference', () => {
    const items = [...factualSuite({ n: 10, seed: 4 }).items, ...trackingSuite({ n: 12, seed: 4 }).items,
      { prompt: 'Tom had a ba', answer: 'll', distractors: ['t', 'g'], kind: 'merge' }];

    it('BPE: batched, padded log-probs equal full forwards one by one (merged boundary included)', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = tinyGpt(corpusBpe.vocabSize);
        const before = sg.memory().liveTensors;
        const got = await scoreProbeItems(model, corpusBpe, items, { batchSize: 5 });
        expect(sg.memory().liveTensors).toBe(before);
        expect(model.training).toBe(true); // restored
        const ref = await reference(model, corpusBpe, items);
        got.forEach((g, i) => {
          expect(g.logProbs).toHaveLength(ref[i]!.length);
          g.logProbs.forEach((v, c) => expect(Math.abs(v - ref[i]![c]!), `${items[i]!.prompt} / ${c}`).toBeLessThan(2e-4));
          const best = Math.max(...ref[i]!.slice(1));
          expect(g.margin).toBeCloseTo(ref[i]![0]! - best, 3);
          if (Math.abs(ref[i]![0]! - best) > 1e-3) expect(g.correct).toBe(ref[i]![0]! > best);
        });
        expect(got[got.length - 1]!.boundaryMerged).toBe(true);
        // The suite score aggregates the same numbers per kind.
        const suite: ProbeSuite = { name: 'tracking', seed: 4, items: items.slice(10, 22) };
        const score = await scoreProbeSuite(model, corpusBpe, suite, { batchSize: 7 });
        const sub = got.slice(10, 22);
        expect(score.n).toBe(12);
        expect(score.accuracy).toBeCloseTo(sub.filter((s) => s.correct).length / 12, 12);
        expect(score.meanMargin).toBeCloseTo(sub.reduce((s, x) => s + x.margin, 0) / 12, 5);
        expect(Object.keys(score.perKind).sort()).toEqual([...TRACKING_KINDS].sort());
        for (const k of TRACKING_KINDS) expect(score.perKind[k]!.n).toBe(2);
        model.dispose();
      });
    }, 120_000);

    it.skipIf(!haveLlama)('llama2.c tokenizer: the same, with BOS first', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = tinyGpt(llamaTok!.vocabSize);
        const some = items.slice(0, 8);
        const got = await scoreProbeItems(model, llamaTok!, some, { batchSize: 16 });
        const ref = await reference(model, llamaTok!, some);
        got.forEach((g, i) => g.logProbs.forEach((v, c) => expect(Math.abs(v - ref[i]![c]!)).toBeLessThan(2e-4)));
        model.dispose();
      });
    }, 120_000);

    it('an item longer than the context, or a tokenizer bigger than the model, is a clear error', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = tinyGpt(corpusBpe.vocabSize, 8);
        await expect(scoreProbeItems(model, corpusBpe, items.slice(0, 2))).rejects.toThrow(/probe item 0 \(color.*positions.*context of 8/);
        model.dispose();
        const small = tinyGpt(50);
        await expect(scoreProbeItems(small, corpusBpe, items.slice(0, 2))).rejects.toThrow(/outside the model's vocabulary of 50/);
        small.dispose();
      });
    });
  });

  entry.describe('known answers from a hand-set bigram model', () => {
    // A vocabulary where the prompt's last word and each candidate are single tokens.
    const tok = BpeTokenizer.train('Tom had a ball. Tom had a kite. Tom had a doll. '.repeat(40), { vocabSize: 300 });
    const one = (s: string) => { const ids = tok.encode(s); expect(ids, s).toHaveLength(1); return ids[0]!; };
    const right: ProbeItem = { prompt: 'Tom had a', answer: ' ball', distractors: [' kite', ' doll'], kind: 'right' };
    const wrong: ProbeItem = { prompt: 'Tom had a', answer: ' kite', distractors: [' ball', ' doll'], kind: 'wrong' };
    const suite: ProbeSuite = { name: 'factual', seed: 0, items: [right, wrong, right, wrong] };

    it('a boost of s on "a" -> " ball": accuracy 1 where ball is the answer, 0 elsewhere, margins exactly +s and -s', async () => {
      await sg.withBackend(entry.backend, async () => {
        const V = tok.vocabSize, s = 3;
        const table = new Float32Array(V * V);
        table[one(' a') * V + one(' ball')] = s;
        const model = new BigramModel(sg.tensor(table, { shape: [V, V] }), 16);
        const score = await scoreProbeSuite(model, tok, suite, { batchSize: 3 });
        expect(score.perKind['right']).toEqual({ n: 2, accuracy: 1, meanMargin: expect.closeTo(s, 4) });
        expect(score.perKind['wrong']).toEqual({ n: 2, accuracy: 0, meanMargin: expect.closeTo(-s, 4) });
        expect(score.accuracy).toBe(0.5);
        expect(score.meanMargin).toBeCloseTo(0, 4);
        // The answer's log-prob is the softmax of the boosted row: s - log(V - 1 + e^s).
        const [r] = await scoreProbeItems(model, tok, [right]);
        expect(r!.logProbs[0]).toBeCloseTo(s - Math.log(V - 1 + Math.exp(s)), 4);
        expect(r!.logProbs[1]).toBeCloseTo(-Math.log(V - 1 + Math.exp(s)), 4);
        model.table.dispose();
      });
    });
    it('uniform logits: every candidate ties, so no item is right and every margin is 0', async () => {
      await sg.withBackend(entry.backend, async () => {
        const V = tok.vocabSize;
        const model = new BigramModel(sg.zeros([V, V]), 16);
        const score = await scoreProbeSuite(model, tok, suite);
        expect(score.accuracy).toBe(0);
        expect(score.meanMargin).toBeCloseTo(0, 5);
        const [r] = await scoreProbeItems(model, tok, [right]);
        for (const lp of r!.logProbs) expect(lp).toBeCloseTo(-Math.log(V), 4);
        model.table.dispose();
      });
    });
  });
});

describe('storygrad probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storygrad-probe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const capture = () => {
    const out: string[] = [], err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };

  it('--run DIR prints both suites\' scores; --json matches the library; bad flags exit 2', async () => {
    const model = sg.withBackend(backends[0]!.backend, () => tinyGpt(corpusBpe.vocabSize));
    await saveModel(join(dir, 'run'), model, { tokenizer: corpusBpe });
    const text = capture();
    expect(await main(['probe', '--run', join(dir, 'run'), '--backend', 'cpu', '--n', '12'], text.io), text.err.join('\n')).toBe(0);
    expect(text.out[0]).toMatch(/^factual \(seed 0, 12 items\): accuracy [\d.]+ \(chance 0\.250\), mean margin -?[\d.]+ nats$/);
    expect(text.out.find((l) => l.startsWith('tracking'))).toMatch(/^tracking \(seed 0, 12 items\): accuracy [\d.]+ \(chance 0\.333\)/);
    expect(text.out.filter((l) => /^ {2}\w+ +\d+ items/.test(l))).toHaveLength(FACTUAL_KINDS.length + TRACKING_KINDS.length);

    const json = capture();
    expect(await main(['probe', '--run', join(dir, 'run'), '--backend', 'cpu', '--n', '12', '--suite', 'tracking', '--seed', '3', '--json'], json.io)).toBe(0);
    const r = JSON.parse(json.out[0]!).results;
    expect(r).toHaveLength(1);
    const lib = await sg.withBackend(backends[0]!.backend, () => scoreProbeSuite(model, corpusBpe, trackingSuite({ seed: 3, n: 12 })));
    expect(r[0].accuracy).toBe(lib.accuracy);
    expect(r[0].meanMargin).toBeCloseTo(lib.meanMargin, 5);
    // --dtype f16 loads the weights in half precision: margins move by rounding only.
    const half = capture();
    expect(await main(['probe', '--run', join(dir, 'run'), '--backend', 'cpu', '--n', '12', '--suite', 'tracking', '--seed', '3', '--json', '--dtype', 'f16'], half.io), half.err.join('\n')).toBe(0);
    expect(Math.abs(JSON.parse(half.out[0]!).results[0].meanMargin - lib.meanMargin)).toBeLessThan(0.05);
    model.dispose();

    for (const argv of [['probe'], ['probe', '--run', join(dir, 'missing')], ['probe', '--run', join(dir, 'run'), '--suite', 'all'], ['probe', '--run', join(dir, 'run'), '--n', '0'], ['probe', '--run', join(dir, 'run'), '--dtype', 'f8']]) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err, argv.join(' ')).toHaveLength(1);
    }
  }, 60_000);
});

describe('sweep probe evaluators', () => {
  it('score the items that fit the context, the same as scoreProbeSuite on them', async () => {
    const be = backends[0]!.backend;
    const suite = trackingSuite({ seed: 4, n: 12 });
    const enc = probeEncoder(corpusBpe);
    const lengths = suite.items.map((it) => Math.max(...encodeProbeItem(it, enc).sequences.map((s) => s.length)) - 1);
    const nCtx = [...lengths].sort((a, b) => a - b)[6]!; // about half the items fit
    const fits = suite.items.filter((_, i) => lengths[i]! <= nCtx);
    expect(fits.length).toBeGreaterThan(0);
    expect(fits.length).toBeLessThan(suite.items.length);
    const model = sg.withBackend(be, () => new sg.models.GPT({ arch: 'gpt2', vocabSize: corpusBpe.vocabSize, nCtx, dModel: 16, nLayer: 1, nHead: 2, seed: 2 }));
    const got = await sg.interp.sweep.probeSuiteEvaluator(suite).evaluate(model, corpusBpe);
    const ref = await scoreProbeSuite(model, corpusBpe, { ...suite, items: fits });
    expect(got).toEqual({ accuracy: ref.accuracy, meanMargin: ref.meanMargin, items: fits.length });
    const tiny = sg.withBackend(be, () => new sg.models.GPT({ arch: 'gpt2', vocabSize: corpusBpe.vocabSize, nCtx: 4, dModel: 8, nLayer: 1, nHead: 2 }));
    expect(await sg.interp.sweep.probeSuiteEvaluator(suite).evaluate(tiny, corpusBpe)).toEqual({ items: 0 });
    expect(sg.interp.sweep.probeEvaluators().map((e) => e.name)).toEqual(['probe.factual', 'probe.tracking']);
  });
});
