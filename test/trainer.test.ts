// The trainer: learning-rate schedule, overfitting one batch (CPU and WebGPU), exact resumption
// from a checkpoint (losses bitwise equal to an uninterrupted run), the non-finite stop that names
// the culprit and keeps the last checkpoint, and the metrics log / loss plot files.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../src/index.js';
import { BatchSampler } from '../src/data/loader.js';
import { learningRateAt } from '../src/train/schedule.js';
import { lossCurveSvg } from '../src/train/plot.js';
import { loadBackends } from './helpers/backends.js';

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays by a cosine to minLr', () => {
    const o = { lr: 1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-4 };
    expect(learningRateAt(0, o)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(9, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(10, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(60, o)).toBeCloseTo(5.5e-4, 12);
    expect(learningRateAt(110, o)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(500, o)).toBeCloseTo(1e-4, 12);
    for (let s = 10; s < 110; s++) expect(learningRateAt(s + 1, o)).toBeLessThanOrEqual(learningRateAt(s, o));
  });
  it('holds the peak for stableSteps after warmup, then runs the cosine over the remaining steps', () => {
    const o = { lr: 1e-3, warmupSteps: 10, stableSteps: 40, totalSteps: 150, minLr: 1e-4 };
    expect(learningRateAt(4, o)).toBeCloseTo(5e-4, 12);
    for (let s = 9; s < 50; s++) expect(learningRateAt(s, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(100, o)).toBeCloseTo(5.5e-4, 12); // halfway through the 100 cosine steps
    expect(learningRateAt(150, o)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(60, { ...o, stableSteps: 0 })).toBeCloseTo(learningRateAt(60, { lr: 1e-3, warmupSteps: 10, totalSteps: 150, minLr: 1e-4 }), 15);
  });
  it('with rewarmup warms up again when the stable steps end, then runs the cosine over what is left', () => {
    const o = { lr: 1e-3, warmupSteps: 10, stableSteps: 40, rewarmup: true, totalSteps: 160, minLr: 1e-4 };
    expect(learningRateAt(49, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(50, o)).toBeCloseTo(1e-4, 12); // the second warmup starts from lr / warmupSteps
    expect(learningRateAt(54, o)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt(59, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(60, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(110, o)).toBeCloseTo(5.5e-4, 12); // halfway through the 100 cosine steps
    expect(learningRateAt(160, o)).toBeCloseTo(1e-4, 12);
  });
  it('stableLr sets the first warmup and the hold; the second warmup and the cosine use lr', () => {
    const o = { lr: 3e-3, stableLr: 1e-3, warmupSteps: 10, stableSteps: 40, rewarmup: true, totalSteps: 160, minLr: 1e-4 };
    expect(learningRateAt(4, o)).toBeCloseTo(5e-4, 12);
    for (let s = 9; s < 50; s++) expect(learningRateAt(s, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(54, o)).toBeCloseTo(1.5e-3, 12); // halfway up the second warmup, to lr
    expect(learningRateAt(60, o)).toBeCloseTo(3e-3, 12);
    expect(learningRateAt(110, o)).toBeCloseTo(1.55e-3, 12); // halfway through the cosine from lr
    // Without rewarmup the cosine starts from lr right after the hold.
    expect(learningRateAt(50, { ...o, rewarmup: false })).toBeCloseTo(3e-3, 12);
  });
});

describe('loss plot', () => {
  it('draws train and validation curves with axes', () => {
    const svg = lossCurveSvg([{ step: 1, loss: 3 }, { step: 2, loss: 2.5, valLoss: 2.7 }, { step: 3, loss: 2 }]);
    expect(svg).toMatch(/^<svg/);
    expect(svg.match(/<path /g)!.length).toBe(3);
    expect(svg).toContain('validation');
    expect(lossCurveSvg([])).toContain('no data yet');
  });
});

const tiny = (seed: number) => new sg.models.GPT({ arch: 'gpt2', vocabSize: 16, nCtx: 16, dModel: 32, nLayer: 2, nHead: 2, seed });
/** A fixed pseudo-random id sequence. */
const ids = (n: number, vocab: number) => Int32Array.from({ length: n }, (_, i) => (i * 7 + ((i * i) % 5)) % vocab);

describe('Trainer options', () => {
  it('decays matrices and embeddings, not norm gains and biases, unless decayAll', () => {
    const model = tiny(3);
    const train = new BatchSampler(ids(40, 16), { batchSize: 2, seqLen: 8 });
    const params = model.parameters();
    const vectors = params.filter((p) => p.shape.length === 1);
    expect(vectors.length).toBeGreaterThan(4); // layer-norm gains and biases, projection biases
    const t = new sg.train.Trainer({ model, train, steps: 1, lr: 1e-3 });
    expect([...t.optimizer.noDecay]).toEqual(vectors);
    expect(t.optimizer.noDecay.size).toBeLessThan(params.length);
    expect(new sg.train.Trainer({ model, train, steps: 1, lr: 1e-3, decayAll: true }).optimizer.noDecay.size).toBe(0);
    model.dispose();
  });

  it('rejects a learning rate or stable learning rate that is not positive, naming it', () => {
    const model = tiny(3);
    const train = new BatchSampler(ids(40, 16), { batchSize: 2, seqLen: 8 });
    expect(() => new sg.train.Trainer({ model, train, steps: 1, lr: 0 })).toThrow(/lr must be positive, got 0/);
    for (const stableLr of [0, -1e-3, NaN]) {
      expect(() => new sg.train.Trainer({ model, train, steps: 1, lr: 1e-3, stableSteps: 2, stableLr })).toThrow(/stableLr must be positive, got/);
    }
    model.dispose();
  });
});

for (const entry of await loadBackends()) {
  entry.describe(`Trainer on ${entry.name}`, () => {
    it('overfits one fixed batch: loss below 0.05', async () => {
      await sg.withBackend(entry.backend, async () => {
        const model = tiny(1);
        // A shard of exactly T + 1 ids has one window: every row of every batch is the same.
        const train = new BatchSampler(ids(17, 16), { batchSize: 2, seqLen: 16 });
        const trainer = new sg.train.Trainer({ model, train, steps: 150, lr: 1e-2, warmupSteps: 10, weightDecay: 0, evalEvery: 0 });
        const r = await trainer.run();
        expect(r.losses[0]!).toBeGreaterThan(2);
        expect(r.finalLoss).toBeLessThan(0.05);
        model.dispose();
        trainer.optimizer.zeroGrad();
      });
    }, 120_000);

    it('a warm-up step leaves no trace: memory, random state and the losses of a run after it', async () => {
      await sg.withBackend(entry.backend, async () => {
        const run = async () => {
          const model = tiny(4);
          const train = new BatchSampler(ids(300, 16), { batchSize: 2, seqLen: 16, seed: 2 });
          const r = await new sg.train.Trainer({ model, train, steps: 4, lr: 1e-2, warmupSteps: 1, evalEvery: 0 }).run();
          model.dispose();
          return r.losses;
        };
        const plain = await run();
        sg.manualSeed(11);
        const rng = sg.randn([4]); // draws from the global state, which the warm-up must leave as it was
        const expected = Array.from(await rng.data());
        sg.manualSeed(11);
        const before = sg.memory();
        const dispatches = () => (entry.backend as unknown as { batcher?: { dispatches: number } }).batcher?.dispatches ?? 0;
        const d0 = dispatches();
        for (const gradClip of [1, 0]) {
          sg.train.warmUpTrainStep({ arch: 'gpt2', vocabSize: 16, nCtx: 16, dModel: 32, nLayer: 2, nHead: 2 }, { batchSize: 2, seqLen: 16, gradClip });
        }
        // On WebGPU two whole training steps were submitted (forward, backward, clip, AdamW); the CPU compiles nothing and skips it.
        if (entry.name === 'webgpu') expect(dispatches() - d0).toBeGreaterThan(2 * 20);
        else expect(dispatches() - d0).toBe(0);
        const after = sg.memory();
        expect([after.bytesInUse, after.liveTensors]).toEqual([before.bytesInUse, before.liveTensors]);
        expect(Array.from(await sg.randn([4]).data())).toEqual(expected);
        expect(await run()).toEqual(plain);
        expect(() => sg.train.warmUpTrainStep({ arch: 'gpt2', vocabSize: 16, nCtx: 16, dModel: 32, nLayer: 1, nHead: 2 }, { batchSize: 2, seqLen: 32 }))
          .toThrow(/seqLen 32 is above the model's nCtx 16/);
      });
    }, 120_000);

    it('resumes exactly: losses after a resume equal an uninterrupted run bit for bit', async () => {
      await sg.withBackend(entry.backend, async () => {
        const dirA = mkdtempSync(join(tmpdir(), 'sg-train-a-'));
        const dirB = mkdtempSync(join(tmpdir(), 'sg-train-b-'));
        try {
          const tokens = ids(400, 16);
          const opts = (dir: string) => ({
            train: new BatchSampler(tokens, { batchSize: 2, seqLen: 8, seed: 5 }),
            val: new BatchSampler(tokens.slice(0, 100), { batchSize: 2, seqLen: 8 }),
            steps: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 4, evalBatches: 2, gradAccum: 2, outDir: dir,
          });
          const full = new sg.train.Trainer({ model: tiny(2), ...opts(dirA) });
          const ref = await full.run();
          expect(ref.losses.length).toBe(8);

          const ctrl = new AbortController();
          const first = new sg.train.Trainer({
            model: tiny(2), ...opts(dirB), signal: ctrl.signal,
            log: (l) => { if (l.startsWith('step') && l.includes('step 3/')) ctrl.abort(); },
            logEvery: 1,
          });
          const part = await first.run();
          expect(part.interrupted).toBe(true);
          expect(part.steps).toBe(3);
          expect(part.losses).toEqual(ref.losses.slice(0, 3));
          // A fresh model with other initial weights: everything must come from the checkpoint.
          const second = new sg.train.Trainer({ model: tiny(99), ...opts(dirB) });
          expect(await second.resume()).toBe(3);
          const rest = await second.run();
          expect(rest.losses).toEqual(ref.losses.slice(3));
          expect(rest.valLoss).toBe(ref.valLoss);
          const lines = readFileSync(join(dirB, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
          expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
          expect(lines.filter((l) => 'valLoss' in l).map((l) => l.step)).toEqual([4, 8]);
          expect(readFileSync(join(dirB, 'loss.svg'), 'utf8')).toMatch(/<svg[\s\S]*<path/);
          for (const t of [full, first, second]) { t.model.dispose(); }
        } finally {
          rmSync(dirA, { recursive: true, force: true });
          rmSync(dirB, { recursive: true, force: true });
        }
      });
    }, 120_000);

    it('stops on a non-finite loss naming the parameter, keeping the last checkpoint', async () => {
      await sg.withBackend(entry.backend, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'sg-train-nan-'));
        try {
          const model = tiny(3);
          const train = new BatchSampler(ids(200, 16), { batchSize: 2, seqLen: 8 });
          const t1 = new sg.train.Trainer({ model, train, steps: 2, evalEvery: 2, outDir: dir });
          await t1.run();
          const saved = readFileSync(join(dir, 'checkpoint', 'model.safetensors'));
          const w = model.blocks[1]!.mlp.W_in;
          const bad = await w.data();
          bad[5] = NaN;
          sg.noGrad(() => w.assign(sg.tensor(bad as Float32Array, { shape: w.shape.slice() })));
          const t2 = new sg.train.Trainer({ model, train, steps: 4, evalEvery: 2, outDir: dir });
          await t2.resume().catch(() => 0); // resume restores finite weights: poison again after
          sg.noGrad(() => w.assign(sg.tensor(bad as Float32Array, { shape: w.shape.slice() })));
          await expect(t2.run()).rejects.toThrow(/diverged at step 2: .*parameter blocks\.1\.mlp\.W_in \(element 5\)/);
          expect(readFileSync(join(dir, 'checkpoint', 'model.safetensors')).equals(saved)).toBe(true);
          expect(JSON.parse(readFileSync(join(dir, 'checkpoint', 'state.json'), 'utf8')).step).toBe(2);
          expect(existsSync(join(dir, 'checkpoint.old'))).toBe(false);
          model.dispose();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }, 120_000);
  });
}
