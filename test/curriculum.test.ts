// The two-stage data curriculum: CurriculumBatches picks its source by optimizer step (gradient
// accumulation included), and a run with `first` data records it in run.json, tokenizes both
// files, trains its first steps on the first file, and resumes to the same losses as a run that
// was never interrupted.
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../src/index.js';
import { trainRun, type TrainRunOptions } from '../src/train/run.js';
import type { Batch } from '../src/data/loader.js';

/** A source whose every batch is filled with its tag and the micro-step index. */
const tagged = (tag: number) => ({
  batch: (i: number): Batch => ({ inputs: Int32Array.of(tag, i), targets: Int32Array.of(tag, i), batchSize: 1, seqLen: 2 }),
});

describe('CurriculumBatches', () => {
  it('serves the first source for the first steps, then the rest, counting micro-batches', () => {
    const c = new sg.train.CurriculumBatches(tagged(1), tagged(2), 3, 2);
    expect(Array.from({ length: 10 }, (_, i) => c.batch(i).inputs[0])).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(c.batch(7).inputs[1]).toBe(7); // the index is passed through unchanged
    expect(new sg.train.CurriculumBatches(tagged(1), tagged(2), 0).batch(0).inputs[0]).toBe(2);
    expect(() => new sg.train.CurriculumBatches(tagged(1), tagged(2), -1)).toThrow(/firstSteps must be a non-negative integer, got -1/);
    expect(() => new sg.train.CurriculumBatches(tagged(1), tagged(2), 2, 0)).toThrow(/gradAccum must be a positive integer, got 0/);
  });
});

describe('trainRun with a first-stage file (CPU)', () => {
  beforeAll(async () => { await sg.init({ backend: 'cpu' }); });
  afterAll(async () => { await sg.shutdown(); });
  it('records the curriculum, trains on it first, and resumes to identical losses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-curriculum-'));
    try {
      const data = join(dir, 'stories.txt'), games = join(dir, 'games.txt');
      writeFileSync(data, Array.from({ length: 40 }, (_, i) => `Story ${i}. Tom had a red ball. Tom gave the ball to Sue.`).join('\n<|endoftext|>\n') + '\n');
      writeFileSync(games, sg.data.generateStories({ seed: 1, count: 40, catchGames: 1 }).join('\n<|endoftext|>\n') + '\n');
      const base = (out: string, first?: TrainRunOptions['first']): TrainRunOptions => ({
        out, data, tokenizer: 'bpe:300', ...(first ? { first } : {}),
        model: { arch: 'llama', dModel: 16, nLayer: 1, nHead: 2, tieEmbeddings: true, embedInitStd: 0.3, valueOutputInit: 'identity' },
        train: { steps: 8, batchSize: 2, seqLen: 16, lr: 3e-3, warmupSteps: 2, stableSteps: 2, evalEvery: 4, evalBatches: 2, seed: 3 },
      });
      const logs: string[] = [];
      const straight = await trainRun({ ...base(join(dir, 'a'), { data: games, steps: 3 }), log: (l) => logs.push(l) });
      expect(logs.join('\n')).toMatch(/games\.txt: [\d,]+ tokens for the first 3 steps \(tokenized\)/);
      const manifest = JSON.parse(readFileSync(join(dir, 'a', 'run.json'), 'utf8'));
      expect(manifest.data.first).toEqual({ data: games, steps: 3 });
      expect(manifest.train.stableSteps).toBe(2);
      expect(manifest.train.decayAll).toBe(false); // written out, so a resume can tell older runs apart
      expect(manifest.model).toMatchObject({ embedInitStd: 0.3, valueOutputInit: 'identity', tieEmbeddings: true });
      expect(readdirSync(join(dir, 'a', 'data')).length).toBeGreaterThanOrEqual(2); // both files' shards are cached

      // Without the first stage the first 3 steps see other text, so their losses differ; after them the data is the same.
      const plain = await trainRun(base(join(dir, 'b')));
      for (let s = 0; s < 3; s++) expect(plain.losses[s]).not.toBe(straight.losses[s]);

      // Interrupted after step 2 (inside the first stage), then resumed: the same losses bit for bit.
      const ctrl = new AbortController();
      const part = await trainRun({
        ...base(join(dir, 'c'), { data: games, steps: 3 }), signal: ctrl.signal,
        progress: (l) => { if (/step +2\/8/.test(l)) ctrl.abort(); },
      });
      expect(part.interrupted).toBe(true);
      const rest = await trainRun({ out: join(dir, 'c'), resume: true });
      expect([...part.losses, ...rest.losses]).toEqual(straight.losses);
      expect(rest.valLoss).toBe(straight.valLoss);
      expect(rest.manifest.train.decayAll).toBe(false);
      // A run.json from before `decayAll` (no such field) resumes as those runs trained: decaying every parameter.
      const runJson = join(dir, 'a', 'run.json');
      const { decayAll: _, ...older } = manifest.train;
      writeFileSync(runJson, JSON.stringify({ ...manifest, train: { ...older, steps: 10 } }));
      const olderRest = await trainRun({ out: join(dir, 'a'), resume: true });
      expect(olderRest.manifest.train.decayAll).toBe(true);
      olderRest.model.dispose();
      for (const r of [straight, plain, part, rest]) r.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects a missing first-stage file and more first steps than steps, naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-curriculum-bad-'));
    try {
      const data = join(dir, 'stories.txt');
      writeFileSync(data, 'Tom had a ball.\n<|endoftext|>\n'.repeat(30));
      const opts = (out: string, first: TrainRunOptions['first']): TrainRunOptions => ({
        out: join(dir, out), data, first, model: { arch: 'gpt2', dModel: 8, nLayer: 1, nHead: 2 },
        train: { steps: 4, batchSize: 1, seqLen: 8, lr: 1e-3, seed: 0 },
      });
      await expect(trainRun(opts('x', { data: join(dir, 'nope.txt'), steps: 2 })))
        .rejects.toThrow(/--first-data .*nope\.txt: no such file/);
      await expect(trainRun(opts('y', { data, steps: 5 })))
        .rejects.toThrow(/--first-steps must be an integer in \[0, --steps 4\], got 5/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
