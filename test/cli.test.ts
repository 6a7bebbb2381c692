// The `storygrad` command: flag parsing, help, errors (exit 2), `info` / `demo` / `generate` on
// the CPU backend through `main` (from source), plus `bin/storygrad.js` on the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { parseFlags, UsageError, type FlagSpec } from '../src/cli/args.js';
import { COMMANDS, main } from '../src/cli/main.js';
import { stopTokensFor } from '../src/cli/commands/generate.js';
import { saveModel } from '../src/io/checkpoint.js';
import { BpeTokenizer, Llama2cTokenizer } from '../src/tokenizers/index.js';

/** Captures out/err lines and streamed writes; `streaming: false` leaves `write` out. */
function capture({ streaming = true } = {}) {
  const out: string[] = [], err: string[] = [], writes: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  return { io: streaming ? { ...io, write: (t: string) => writes.push(t) } : io, out, err, writes };
}

const SPECS: FlagSpec[] = [
  { name: 'json', type: 'boolean', help: '' },
  { name: 'backend', type: 'string', choices: ['auto', 'cpu'], default: 'auto', help: '' },
  { name: 'steps', type: 'integer', default: 3, help: '' },
  { name: 'lr', type: 'number', help: '' },
];

describe('parseFlags', () => {
  it('fills defaults and reads both --flag value and --flag=value', () => {
    expect(parseFlags([], SPECS)).toEqual({ backend: 'auto', steps: 3 });
    expect(parseFlags(['--json', '--backend', 'cpu', '--steps=10', '--lr', '-0.5'], SPECS))
      .toEqual({ json: true, backend: 'cpu', steps: 10, lr: -0.5 });
  });
  it.each([
    [['--nope'], /unknown flag '--nope'/],
    [['extra'], /unexpected argument 'extra'/],
    [['--backend', 'gpu'], /must be one of auto\|cpu/],
    [['--steps', '1.5'], /needs an integer/],
    [['--lr', 'abc'], /needs a number/],
    [['--lr'], /needs a value/],
    [['--json=yes'], /takes no value/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseFlags(argv, SPECS)).toThrow(UsageError);
    expect(() => parseFlags(argv, SPECS)).toThrow(msg);
  });
});

describe('storygrad main', () => {
  it('--help lists every command; <cmd> --help lists every flag', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const cmd of COMMANDS) expect(c.out.join('\n')).toContain(cmd.name);
    for (const cmd of COMMANDS) {
      const h = capture();
      expect(await main([cmd.name, '--help'], h.io)).toBe(0);
      for (const f of cmd.flags) expect(h.out.join('\n')).toContain(`--${f.name}`);
      expect(h.out.join('\n')).toContain('--help');
    }
  });
  it('unknown command or flag: one line on stderr, exit 2', async () => {
    for (const argv of [['frobnicate'], ['info', '--frob'], ['info', '--backend', 'tpu'], []]) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(2);
      if (argv.length) expect(c.err).toHaveLength(1);
      expect(c.err.join('\n')).toMatch(/storygrad/);
    }
  });
  it('info --json --backend cpu describes the CPU backend and the runtime', async () => {
    const c = capture();
    expect(await main(['info', '--json', '--backend', 'cpu'], c.io)).toBe(0);
    const j = JSON.parse(c.out.join('\n'));
    expect(j.backend).toBe('cpu');
    expect(j.runtime.name).toBe('node');
    expect(j.runtime.version).toBe(process.versions.node);
  });
  it('info (text) prints runtime, backend, adapter, features and limits rows', async () => {
    const c = capture();
    expect(await main(['info', '--backend', 'cpu'], c.io)).toBe(0);
    const text = c.out.join('\n');
    for (const row of ['runtime', 'backend', 'adapter', 'features', 'limits']) expect(text).toMatch(new RegExp(`^${row}\\b`, 'm'));
    expect(text).toContain(`Node ${process.versions.node}`);
  });
  it('demo (tiny settings, CPU): corpus, tokenizer, training, a story; the loss falls', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sg-demo-'));
    try {
      const c = capture();
      const code = await main(['demo', '--backend', 'cpu', '--out', join(out, 'run'), '--steps', '100', '--stories', '150', '--vocab', '300', '--lr', '1e-2',
        '--d-model', '32', '--n-layer', '1', '--n-head', '2', '--batch', '4', '--seq', '32', '--eval-every', '50', '--story-tokens', '20'], c.io);
      const text = c.out.join('\n');
      expect(text).toMatch(/^backend: cpu/m);
      expect(text).toMatch(/^corpus: 150 training documents \([\d.]+ MB, 5% games of catch\)/m);
      expect(text).toMatch(/^step 100\/100 .*val \d/m);
      expect(text).toMatch(/^Once upon a time/m);
      // The printed story is the likeliest of 4 samples: its bracketed score is the largest of the four.
      const scores = text.match(/^story: the likeliest of 4 samples \(mean log-probability per token (.*)\)$/m)![1]!.split(', ');
      expect(scores).toHaveLength(4);
      const best = scores.find((x) => x.startsWith('['))!;
      expect(Number(best.slice(1, -1))).toBe(Math.max(...scores.map((x) => Number(x.replace(/[[\]]/g, '')))));
      expect(code, c.err.join('\n')).toBe(0);
      for (const f of ['run.json', 'tokenizer.json', 'metrics.jsonl', 'loss.svg', 'checkpoint/model.safetensors', 'corpus-train.txt']) {
        expect(existsSync(join(out, 'run', f)), f).toBe(true);
      }
      // A directory holding some other run is never replaced.
      mkdirSync(join(out, 'other'));
      writeFileSync(join(out, 'other', 'run.json'), '{}');
      const refused = capture();
      expect(await main(['demo', '--backend', 'cpu', '--out', join(out, 'other')], refused.io)).toBe(2);
      expect(refused.err[0]).toMatch(/holds a run that is not a demo/);
      expect(existsSync(join(out, 'other', 'run.json'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('demo recipes: games of catch first (default), games among the stories, --plain', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sg-demo-catch-'));
    try {
      const c = capture();
      const tiny = ['--backend', 'cpu', '--stories', '60', '--vocab', '300', '--d-model', '16', '--n-layer', '1', '--n-head', '2',
        '--batch', '2', '--seq', '32', '--story-tokens', '8'];
      // The recipe with a first stage of games only (a second warmup after it) and the copy-friendly init; given flags win.
      const code = await main(['demo', ...tiny, '--out', join(out, 'run'), '--steps', '20', '--catch-steps', '8', '--catch-share', '0.2', '--eval-every', '20', '--embed-init-std', '0.3', '--catch-lr', '5e-3', '--first-share', '1'], c.io);
      expect(code, c.err.join('\n')).toBe(0);
      expect(c.out.join('\n')).toMatch(/^corpus: 60 training documents \([\d.]+ MB, 20% games of catch\), 20 validation stories, \d+ games of catch for the first 8 steps/m);
      const run = JSON.parse(readFileSync(join(out, 'run', 'run.json'), 'utf8'));
      expect(run.data.first).toEqual({ data: join(out, 'run', 'corpus-catch.txt'), steps: 8 });
      expect(run.train).toMatchObject({ warmupSteps: 2, stableSteps: 6, stableLr: 5e-3, rewarmup: true });
      expect(run.model).toMatchObject({ tieEmbeddings: false, embedInitStd: 0.3, unembedInit: 'embed', valueOutputInit: 'identity' });
      expect(readFileSync(join(out, 'run', 'corpus-catch.txt'), 'utf8')).toMatch(/ threw the | caught /);
      // Defaults: catch steps at most a fifth of --steps at lr 1e-2, 90% games among them (no second warmup),
      // 5% games among the stories, evaluation every quarter; --plain: stories only, the usual init.
      // (12 steps are too few for the demo's loss check: exit 0, or 1 with that check's message only.)
      const ranWithin = (code: number, err: string[]) => {
        expect([0, 1], err.join('\n')).toContain(code);
        if (code === 1) expect(err).toEqual([expect.stringMatching(/^demo: the validation loss did not fall enough/)]);
      };
      const d = capture();
      ranWithin(await main(['demo', ...tiny, '--out', join(out, 'run'), '--steps', '12'], d.io), d.err);
      expect(d.out.join('\n')).toMatch(/^corpus: 60 training documents \([\d.]+ MB, 5% games of catch\), 20 validation stories, \d+ documents \(90% games of catch\) for the first 2 steps/m);
      const dflt = JSON.parse(readFileSync(join(out, 'run', 'run.json'), 'utf8'));
      expect(dflt.train).toMatchObject({ evalEvery: 3, stableSteps: 1, rewarmup: false, lr: 2e-2, stableLr: 1e-2 });
      expect(dflt.model).toMatchObject({ embedInitStd: 0.6, unembedInit: 'embed', valueOutputInit: 'identity' });
      const p = capture();
      ranWithin(await main(['demo', ...tiny, '--plain', '--out', join(out, 'run'), '--steps', '12'], p.io), p.err);
      expect(p.out.join('\n')).not.toMatch(/games of catch/);
      const plain = JSON.parse(readFileSync(join(out, 'run', 'run.json'), 'utf8'));
      expect(plain.data.first).toBeUndefined();
      expect(plain.model).toMatchObject({ embedInitStd: 0.02, unembedInit: 'normal', valueOutputInit: 'normal' });
      expect(plain.train.lr).toBe(2e-2);
      expect(plain.train.stableLr).toBeUndefined();
      for (const bad of [['--catch-steps', '20'], ['--catch-share', '1'], ['--first-share', '0', '--catch-steps', '4'], ['--embed-init-std', '0'], ['--catch-lr', '0'], ['--names'], ['--temperature', '0'], ['--top-p', '1.5'], ['--candidates', '0'], ['--no-repeat-ngram', '-1']]) {
        const e = capture();
        expect(await main(['demo', ...tiny, '--out', join(out, 'bad'), '--steps', '20', ...bad], e.io), bad.join(' ')).toBe(2);
        expect(e.err, bad.join(' ')).toHaveLength(1);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('train, --resume, eval and generate on a run directory; bad flags and files exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-train-cli-'));
    try {
      const data = join(dir, 'stories.txt');
      const stories = Array.from({ length: 60 }, (_, i) => `Story ${i}. Tom had a red ball. Tom gave the ball to Sue. Sue said thank you.`);
      writeFileSync(data, stories.join('\n<|endoftext|>\n') + '\n');
      const run = join(dir, 'run');
      const common = ['--backend', 'cpu', '--out', run, '--d-model', '16', '--n-layer', '1', '--n-head', '2', '--batch', '2', '--seq', '16', '--eval-every', '5', '--eval-batches', '2'];
      const c1 = capture();
      expect(await main(['train', '--data', data, '--tokenizer', 'bpe:300', '--steps', '5', ...common], c1.io), c1.err.join('\n')).toBe(0);
      expect(c1.out.join('\n')).toMatch(/done: 5 steps, final loss [\d.]+, validation loss [\d.]+/);
      const again = capture();
      expect(await main(['train', '--data', data, '--steps', '5', ...common], again.io)).toBe(1);
      expect(again.err[0]).toMatch(/already holds a run; pass --resume/);
      const c2 = capture();
      expect(await main(['train', '--resume', '--steps', '8', ...common], c2.io), c2.err.join('\n')).toBe(0);
      expect(c2.out.join('\n')).toMatch(/resume: continuing .* at step 5 of 8/);
      expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(8);
      const ev = capture();
      expect(await main(['eval', '--checkpoint', run, '--data', data, '--backend', 'cpu', '--json', '--seq', '16'], ev.io), ev.err.join('\n')).toBe(0);
      const r = JSON.parse(ev.out[0]!);
      expect(r.loss).toBeGreaterThan(0);
      expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 6);
      const gen = capture();
      expect(await main(['generate', '--checkpoint', run, '--prompt', 'Tom had', '--max-new-tokens', '5', '--backend', 'cpu'], gen.io), gen.err.join('\n')).toBe(0);
      for (const argv of [
        ['train', '--out', run],
        ['train', '--data', join(dir, 'missing.txt'), '--out', join(dir, 'r2')],
        ['train', '--data', data, '--out', join(dir, 'r3'), '--tokenizer', join(dir, 'nope.bin')],
        ['train', '--data', data, '--out', join(dir, 'r4'), '--preset', 'tinystories-1m', '--d-model', '32'],
        ['train', '--data', data, '--out', join(dir, 'r5'), '--steps', '0'],
        ['train', '--resume', '--out', join(dir, 'r6')],
        ['train', '--data', data, '--out', join(dir, 'r7'), '--first-data', data],
        ['train', '--data', data, '--out', join(dir, 'r8'), '--first-data', join(dir, 'missing.txt'), '--first-steps', '2'],
        ['train', '--data', data, '--out', join(dir, 'r9'), '--first-data', data, '--first-steps', '5000'],
        ['train', '--data', data, '--out', join(dir, 'r10'), '--value-output-init', 'eye'],
        ['train', '--data', data, '--out', join(dir, 'r11'), '--stable-lr', '0'],
        ['eval', '--checkpoint', run],
        ['eval', '--checkpoint', run, '--data', join(dir, 'missing.txt')],
      ]) {
        const c = capture();
        expect(await main(argv, c.io), argv.join(' ')).toBe(2);
        expect(c.err, argv.join(' ')).toHaveLength(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('bin/storygrad.js (built CLI)', () => {
  const bin = fileURLToPath(new URL('../bin/storygrad.js', import.meta.url));
  const built = existsSync(new URL('../dist/cli.js', import.meta.url));
  it('dist/cli.js exists (run npm run build)', () => {
    expect(built, 'dist/cli.js is missing: run npm run build').toBe(true);
  });
  it('info --json --backend webgpu finds an adapter and exits', () => {
    const r = spawnSync(process.execPath, [bin, 'info', '--json', '--backend', 'webgpu'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backend).toBe('webgpu');
    expect(j.adapter).not.toBe('');
    expect(j.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });
  it('an unknown command exits 2 with one line', () => {
    const r = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('storygrad generate', () => {
  const LLAMA = fileURLToPath(new URL('../../shared/data/llama2c/', import.meta.url));
  const haveLlama = existsSync(join(LLAMA, 'stories260K.bin'));
  if (!haveLlama) console.warn('\n!!! generate reference tests SKIPPED: ../shared/data/llama2c is absent\n');
  const ckpt = join(LLAMA, 'stories260K.bin'), tok512 = join(LLAMA, 'tok512.bin');
  const tmp = mkdtempSync(join(tmpdir(), 'storygrad-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(!haveLlama)('streams exactly what llama2.c run.c printed (stories260K, greedy)', async () => {
    const ref = JSON.parse(readFileSync(join(LLAMA, 'reference.json'), 'utf8')).greedy as { prompt: string; steps: number; text: string };
    // run.c's `steps` counts positions, BOS and prompt included: the final sequence has steps + 1
    // ids, so the new tokens are steps + 1 - prompt length (96 here, not 100; see test/gpt.test.ts).
    const promptLen = Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(tok512))).encode(ref.prompt).length;
    const n = ref.steps + 1 - promptLen;
    const c = capture();
    const argv = ['generate', '--checkpoint', ckpt, '--tokenizer', tok512, '--prompt', ref.prompt, '--temperature', '0',
      '--max-new-tokens', String(n), '--backend', 'cpu'];
    expect(await main(argv, c.io), c.err.join('\n')).toBe(0);
    expect(c.writes.join('')).toBe(ref.text + '\n');
    expect(c.writes.length).toBeGreaterThan(50); // streamed token by token, not written once
    expect(c.out).toEqual([]);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(new RegExp(`^generated ${n} tokens in [\\d.]+ s: [\\d.]+ tokens/s \\(cpu`));
  }, 300_000);

  it.skipIf(!haveLlama)("--steps counts like run.c: --steps 10 equals --max-new-tokens 6 for a 5-token prompt; without write() the text comes through out()", async () => {
    const base = ['generate', '--checkpoint', ckpt, '--tokenizer', tok512, '--prompt', 'Once upon a time', '--temperature', '0', '--backend', 'cpu'];
    const a = capture(), b = capture({ streaming: false });
    expect(await main([...base, '--steps', '10'], a.io)).toBe(0);
    expect(await main([...base, '--max-new-tokens', '6'], b.io)).toBe(0);
    expect(a.err[0]).toMatch(/^generated 6 tokens/);
    expect(b.out).toEqual([a.writes.join('').replace(/\n$/, '')]);
    expect(a.writes.join('')).toMatch(/^Once upon a time, there was/);
  }, 120_000);

  const valid = join(LLAMA, '..', 'tinystories', 'valid.txt');
  it.skipIf(!haveLlama || !existsSync(valid))('--dtype f16: greedy text is a prefix of the f32 reference, and eval agrees with f32 within 1e-3', async () => {
    const ref = JSON.parse(readFileSync(join(LLAMA, 'reference.json'), 'utf8')).greedy as { prompt: string; text: string };
    const c = capture();
    const argv = ['generate', '--checkpoint', ckpt, '--tokenizer', tok512, '--prompt', ref.prompt, '--temperature', '0',
      '--max-new-tokens', '30', '--dtype', 'f16', '--backend', 'cpu'];
    expect(await main(argv, c.io), c.err.join('\n')).toBe(0);
    const text = c.writes.join('').replace(/\n$/, '');
    expect(text.length).toBeGreaterThan(ref.prompt.length + 60);
    expect(ref.text.startsWith(text)).toBe(true);

    const loss = async (dtype: string) => {
      const e = capture();
      const code = await main(['eval', '--checkpoint', ckpt, '--tokenizer', tok512, '--data', valid, '--max-batches', '2', '--seq', '64',
        '--json', '--dtype', dtype, '--backend', 'cpu'], e.io);
      expect(code, e.err.join('\n')).toBe(0);
      return (JSON.parse(e.out.join('')) as { loss: number }).loss;
    };
    const [f32, f16] = [await loss('f32'), await loss('f16')];
    expect(f32).toBeGreaterThan(0.5);
    expect(Math.abs(f16 - f32)).toBeLessThan(1e-3);
    expect(f16).not.toBe(f32); // the weights really were rounded to half precision
  }, 120_000);

  it('a run directory with a BPE tokenizer: same text as the library, and <|endoftext|> stops it', async () => {
    const tok = BpeTokenizer.train('Once upon a time there was a cat. The cat sat.<|endoftext|>A dog ran. '.repeat(5), { vocabSize: 300 });
    const eot = tok.eosId!;
    const model = new sg.models.GPT({ arch: 'gpt2', vocabSize: tok.vocabSize, nCtx: 32, dModel: 16, nLayer: 1, nHead: 2, tieEmbeddings: false, seed: 5 });
    const dir = join(tmp, 'run');
    await saveModel(dir, model, { tokenizer: tok });
    const opts = { maxNewTokens: 8, temperature: 0.9, topK: 50, topP: 0.95, seed: 3, stopTokens: [eot] };
    const ids: number[] = [];
    for await (const id of model.generate(tok.encode('Once upon'), opts)) ids.push(id);
    expect(ids.length).toBeGreaterThan(0);
    const c = capture();
    const argv = ['generate', '--checkpoint', dir, '--prompt', 'Once upon', '--max-new-tokens', '8', '--temperature', '0.9',
      '--top-k', '50', '--top-p', '0.95', '--seed', '3', '--backend', 'cpu'];
    expect(await main(argv, c.io), c.err.join('\n')).toBe(0);
    expect(c.writes.join('')).toBe(tok.decode([...tok.encode('Once upon'), ...ids]) + '\n');
    expect(c.err[0]).toMatch(new RegExp(`^generated ${ids.length} tokens`));
    // --no-repeat-ngram reaches the sampler: greedy output with bigram blocking, as the API gives it.
    const blocked: number[] = [];
    for await (const id of model.generate(tok.encode('Once upon'), { maxNewTokens: 40, temperature: 0, noRepeatNgram: 2, stopTokens: [eot] })) blocked.push(id);
    const greedy: number[] = [];
    for await (const id of model.generate(tok.encode('Once upon'), { maxNewTokens: 40, temperature: 0, stopTokens: [eot] })) greedy.push(id);
    expect(blocked, 'the untrained model loops greedily, so blocking changes its output').not.toEqual(greedy);
    const nb = capture();
    expect(await main(['generate', '--checkpoint', dir, '--prompt', 'Once upon', '--max-new-tokens', '40', '--temperature', '0', '--no-repeat-ngram', '2', '--backend', 'cpu'], nb.io), nb.err.join('\n')).toBe(0);
    expect(nb.writes.join('')).toBe(tok.decode([...tok.encode('Once upon'), ...blocked]) + '\n');

    // Make <|endoftext|> the certain next token: the final norm outputs e_0, W_U scores e_0 only for eot.
    sg.withBackend(model.embed.W_E.backend, () => sg.noGrad(() => {
      model.ln_final.w.assign(sg.zeros([16]));
      model.ln_final.b!.assign(sg.tensor(Float32Array.from({ length: 16 }, (_, i) => (i === 0 ? 1 : 0))));
      const wu = new Float32Array(tok.vocabSize * 16);
      wu[eot * 16] = 10;
      model.unembed!.W_U.assign(sg.tensor(wu, { shape: [tok.vocabSize, 16] }));
    })); // the model lives on the default backend of before `main` (its shutdown replaced it)
    await saveModel(dir, model, { tokenizer: tok });
    const s = capture();
    expect(await main(['generate', '--checkpoint', dir, '--prompt', 'A dog', '--temperature', '0', '--backend', 'cpu'], s.io)).toBe(0);
    expect(s.writes.join('')).toBe('A dog\n');
    expect(s.err[0]).toMatch(/^generated 0 tokens/);
    expect(stopTokensFor(tok)).toEqual([eot]);
    model.dispose();
  }, 120_000);

  it('stop tokens: BOS and EOS for llama2.c tokenizers, <|endoftext|> for BPE', () => {
    const llamaLike = { kind: 'llama2c', bosId: 1, eosId: 2 } as Parameters<typeof stopTokensFor>[0];
    expect(stopTokensFor(llamaLike)).toEqual([1, 2]);
    expect(stopTokensFor(BpeTokenizer.train('a b', { vocabSize: 258, specialTokens: [] }))).toEqual([]);
  });

  it('bad flags exit 2 and missing files exit 1, each with one line', async () => {
    const usage: string[][] = [
      ['generate', '--prompt', 'x'],
      ['generate', '--checkpoint', 'x.bin'],
      ['generate', '--checkpoint', 'x.bin', '--prompt', 'x', '--top-p', '0'],
      ['generate', '--checkpoint', 'x.bin', '--prompt', 'x', '--temperature', '-1'],
      ['generate', '--checkpoint', 'x.bin', '--prompt', 'x', '--no-repeat-ngram', '-2'],
      ['generate', '--checkpoint', 'x.bin', '--prompt', 'x', '--steps', '5', '--max-new-tokens', '5'],
      ['generate', '--checkpoint', 'x.bin', '--prompt', 'x', '--max-new-tokens', 'many'],
    ];
    for (const argv of usage) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err).toHaveLength(1);
    }
    const missing = capture();
    expect(await main(['generate', '--checkpoint', join(tmp, 'nope.bin'), '--prompt', 'x', '--backend', 'cpu'], missing.io)).toBe(2);
    expect(missing.err).toEqual([`storygrad: --checkpoint ${join(tmp, 'nope.bin')}: no such file or directory (see 'storygrad generate --help')`]);
    if (haveLlama) {
      const noTok = capture();
      expect(await main(['generate', '--checkpoint', ckpt, '--prompt', 'x', '--backend', 'cpu'], noTok.io)).toBe(1);
      expect(noTok.err).toHaveLength(1);
      expect(noTok.err[0]).toMatch(/has no tokenizer saved with it: pass --tokenizer PATH/);
      const badTok = capture();
      expect(await main(['generate', '--checkpoint', ckpt, '--tokenizer', join(tmp, 'tok.bin'), '--prompt', 'x', '--backend', 'cpu'], badTok.io)).toBe(2);
      expect(badTok.err).toEqual([`storygrad: --tokenizer ${join(tmp, 'tok.bin')}: no such file (see 'storygrad generate --help')`]);
    }
  });
});
