// Generation speed: llama2.c's stories260K (../shared/data/llama2c), greedy, from the prompt
// "Once upon a time", N new tokens (default 256, no stop token) on the CPU backend and on WebGPU
// (skipped with a message when no adapter is found). Each backend first generates a few tokens to
// warm up (pipeline compilation), then the timed run. --dtype f32,f16 runs the model in each dtype
// (f16: weights loaded with `loadLlama2c(bytes, { dtype: 'f16' })`, activations, logits and KV cache
// in f16; the CPU backend stores f16 as rounded f32); with --rounds R the dtypes take turns R times
// and the median is reported, so a neighbour's load hits them alike. Prints a table and writes
// bench/results/generate.json. Uses the built package: run `npm run build` first.
//
//   node bench/generate.mjs [--tokens N] [--backends cpu,webgpu] [--dtype f32,f16] [--rounds R]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(dist)) {
  console.error('bench/generate: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}
const sg = await import(dist.href);

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const newTokens = Number(flag('tokens', '256'));
const backends = flag('backends', 'cpu,webgpu').split(',');
const dtypes = flag('dtype', 'f32').split(',');
const rounds = Number(flag('rounds', '1'));
if (!Number.isInteger(newTokens) || newTokens < 1) throw new Error(`--tokens must be a positive integer, got ${flag('tokens')}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${flag('rounds')}`);
for (const dt of dtypes) if (dt !== 'f32' && dt !== 'f16') throw new Error(`--dtype takes f32 and/or f16 (comma-separated), got ${dt}`);

const dataDir = new URL('../../shared/data/llama2c/', import.meta.url);
if (!existsSync(new URL('stories260K.bin', dataDir))) {
  console.error(`bench/generate: ${fileURLToPath(dataDir)}stories260K.bin is missing (the shared data folder); nothing to measure`);
  process.exit(1);
}
const ckpt = new Uint8Array(readFileSync(new URL('stories260K.bin', dataDir)));
const tok = sg.tokenizers.Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(new URL('tok512.bin', dataDir))));
const promptText = 'Once upon a time';
const prompt = tok.encode(promptText);

/** Generates `n` tokens greedily; returns the ids, total seconds and seconds to the first token. */
async function timedGenerate(model, n) {
  const ids = [];
  const t0 = performance.now();
  let first = NaN;
  for await (const id of model.generate(prompt, { maxNewTokens: n, temperature: 0 })) {
    if (ids.length === 0) first = performance.now() - t0;
    ids.push(id);
  }
  return { ids, seconds: (performance.now() - t0) / 1000, firstMs: first };
}

const results = [];
for (const backend of backends) {
  let d;
  try {
    d = await sg.init({ backend });
  } catch (e) {
    console.log(`${backend}: skipped (${e.message})`);
    results.push({ backend, skipped: e.message });
    continue;
  }
  const models = new Map();
  for (const dtype of dtypes) {
    if (dtype === 'f16' && !sg.getBackend().supportsF16) {
      console.log(`${backend} f16: skipped (the backend has no f16 support)`);
      continue;
    }
    const model = sg.io.loadLlama2c(ckpt, { dtype });
    await timedGenerate(model, 4); // warm-up: pipelines, buffer pool
    models.set(dtype, model);
  }
  const runs = new Map([...models.keys()].map((dt) => [dt, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [dtype, model] of models) {
      const r = await timedGenerate(model, newTokens);
      if (r.ids.length !== newTokens) throw new Error(`${backend} ${dtype}: generated ${r.ids.length} tokens, expected ${newTokens}`);
      runs.get(dtype).push(r);
    }
  }
  for (const m of models.values()) m.dispose();
  sg.shutdown();
  const f32Ids = runs.get('f32')?.[0].ids;
  for (const [dtype, rs] of runs) {
    const r = rs.slice().sort((a, b) => a.seconds - b.seconds)[rs.length >> 1]; // the median run
    const steady = (r.ids.length - 1) / (r.seconds - r.firstMs / 1000);
    const firstDiff = f32Ids ? r.ids.findIndex((id, i) => id !== f32Ids[i]) : -1;
    results.push({
      backend: d.backend, adapter: d.adapter || '', dtype, rounds, promptTokens: prompt.length, newTokens: r.ids.length,
      seconds: r.seconds, tokensPerSecond: r.ids.length / r.seconds, firstTokenMs: r.firstMs,
      steadyTokensPerSecond: steady, msPerToken: (1000 * r.seconds) / r.ids.length,
      allTokensPerSecond: rs.map((x) => x.ids.length / x.seconds),
      // greedy ids equal to the f32 run's up to this index (-1: all equal)
      firstDifferenceFromF32: firstDiff,
      sample: tok.decode([...prompt, ...r.ids.slice(0, 40)]),
    });
  }
  console.error(`${backend}: done`);
}

const ran = results.filter((r) => !r.skipped);
const rows = [
  ['backend', 'adapter', 'dtype', 'new tokens', 'seconds', 'tokens/s', 'first token ms', 'steady tokens/s', 'same ids as f32'],
  ...ran.map((r) => [r.backend, r.adapter, r.dtype, String(r.newTokens), r.seconds.toFixed(2), r.tokensPerSecond.toFixed(2),
    r.firstTokenMs.toFixed(1), r.steadyTokensPerSecond.toFixed(2),
    r.dtype === 'f32' ? '-' : r.firstDifferenceFromF32 < 0 ? 'all' : `first ${r.firstDifferenceFromF32}`]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`\nstories260K greedy generation, prompt "${promptText}" (${prompt.length} tokens incl. BOS)`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((v, c) => v.padEnd(widths[c])).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
const of = (backend, dtype) => ran.find((r) => r.backend === backend && r.dtype === dtype);
for (const dtype of dtypes) {
  const [a, b] = [of('cpu', dtype), of('webgpu', dtype)];
  if (a && b) console.log(`\n${dtype}: webgpu / cpu: ${(b.tokensPerSecond / a.tokensPerSecond).toFixed(2)}x tokens/s`);
}
for (const backend of new Set(ran.map((r) => r.backend))) {
  const [a, b] = [of(backend, 'f32'), of(backend, 'f16')];
  if (a && b) console.log(`${backend}: f16 / f32: ${(b.tokensPerSecond / a.tokensPerSecond).toFixed(2)}x tokens/s`);
}

const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
const report = {
  bench: 'generate', model: 'stories260K', promptText, newTokens, dtypes, rounds, date: new Date().toISOString(),
  runtime: `Node ${process.versions.node} (${process.platform} ${process.arch})`, results,
};
writeFileSync(new URL('generate.json', out), JSON.stringify(report, null, 2) + '\n');
console.log(`\nwrote ${fileURLToPath(new URL('generate.json', out))}`);
