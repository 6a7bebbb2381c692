// Generation speed: llama2.c's stories260K (../shared/data/llama2c), greedy, from the prompt
// "Once upon a time", N new tokens (default 256, no stop token) on the CPU backend and on WebGPU
// (skipped with a message when no adapter is found). Each backend first generates a few tokens to
// warm up (pipeline compilation), then the timed run. Prints a table and writes
// bench/results/generate.json. Uses the built package: run `npm run build` first.
//
//   node bench/generate.mjs [--tokens N] [--backends cpu,webgpu]
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
if (!Number.isInteger(newTokens) || newTokens < 1) throw new Error(`--tokens must be a positive integer, got ${flag('tokens')}`);

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
  const model = sg.io.loadLlama2c(ckpt);
  await timedGenerate(model, 4); // warm-up: pipelines, buffer pool
  const r = await timedGenerate(model, newTokens);
  model.dispose();
  sg.shutdown();
  if (r.ids.length !== newTokens) throw new Error(`${backend}: generated ${r.ids.length} tokens, expected ${newTokens}`);
  const steady = (r.ids.length - 1) / (r.seconds - r.firstMs / 1000);
  results.push({
    backend: d.backend, adapter: d.adapter || '', promptTokens: prompt.length, newTokens: r.ids.length,
    seconds: r.seconds, tokensPerSecond: r.ids.length / r.seconds, firstTokenMs: r.firstMs,
    steadyTokensPerSecond: steady, msPerToken: (1000 * r.seconds) / r.ids.length,
    sample: tok.decode([...prompt, ...r.ids.slice(0, 40)]),
  });
  console.error(`${backend}: done`);
}

const ran = results.filter((r) => !r.skipped);
const rows = [
  ['backend', 'adapter', 'new tokens', 'seconds', 'tokens/s', 'first token ms', 'steady tokens/s'],
  ...ran.map((r) => [r.backend, r.adapter, String(r.newTokens), r.seconds.toFixed(2), r.tokensPerSecond.toFixed(2),
    r.firstTokenMs.toFixed(1), r.steadyTokensPerSecond.toFixed(2)]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`\nstories260K greedy generation, prompt "${promptText}" (${prompt.length} tokens incl. BOS)`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((v, c) => v.padEnd(widths[c])).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
if (ran.length === 2) {
  const [a, b] = ran;
  console.log(`\n${b.backend} / ${a.backend}: ${(b.tokensPerSecond / a.tokensPerSecond).toFixed(2)}x tokens/s`);
}

const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
const report = {
  bench: 'generate', model: 'stories260K', promptText, newTokens, date: new Date().toISOString(),
  runtime: `Node ${process.versions.node} (${process.platform} ${process.arch})`, results,
};
writeFileSync(new URL('generate.json', out), JSON.stringify(report, null, 2) + '\n');
console.log(`\nwrote ${fileURLToPath(new URL('generate.json', out))}`);
