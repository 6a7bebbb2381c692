#!/usr/bin/env node
// A tour of the interpretability analyses in sg.interp, training nothing: it loads llama2.c's
// stories260K with its 512-token tokenizer from ../shared/data/llama2c when present (else it
// builds a small random gpt2 model and uses raw token ids) and runs the logit lens, direct logit
// attribution, attention pattern export (JSON + SVG files), head ablation, activation patching
// and linear probes, printing each result. Uses the built package: run `npm run build` first.
//
//   node examples/interp-tour.mjs [--backend cpu|webgpu|auto] [--out DIR] [--random]
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(dist)) {
  console.error('examples/interp-tour: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}
const sg = await import(dist.href);
const { interp } = sg;

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const started = performance.now();
const backend = flag('backend', 'cpu');
const desc = await sg.init({ backend });
const outDir = flag('out', join(tmpdir(), 'storygrad-interp-tour'));
await mkdir(outDir, { recursive: true });

// ---- the model, a tokenizer-like labeller, and the prompts -----------------------------------
const dataDir = fileURLToPath(new URL('../../shared/data/llama2c/', import.meta.url));
const haveStories = !args.includes('--random') && existsSync(join(dataDir, 'stories260K.bin')) && existsSync(join(dataDir, 'tok512.bin'));
let model, label, clean, corrupted, answer, distractor, probeText;
if (haveStories) {
  model = sg.io.loadLlama2c(new Uint8Array(readFileSync(join(dataDir, 'stories260K.bin'))));
  const tok = sg.tokenizers.Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(join(dataDir, 'tok512.bin'))));
  label = (id) => tok.piece(id);
  // Who gets the ball? The clean and corrupted prompts differ in one name (one token each).
  clean = tok.encode('Lily and Tim went to the park. Tim gave the ball to', { bos: true });
  corrupted = tok.encode('Lily and Tim went to the park. Lily gave the ball to', { bos: true });
  answer = tok.encode('Lily', { bos: false }).at(-1);
  distractor = tok.encode('Tim', { bos: false }).at(-1);
  const sample = join(dataDir, '..', 'tinystories', 'sample.txt');
  probeText = existsSync(sample) ? tok.encode(readFileSync(sample, 'utf8').replaceAll('<|endoftext|>', '\n'), { bos: false }) : null;
  console.log(`model: stories260K (llama, ${model.config.nLayer} layers, d ${model.config.dModel}, ${model.config.nHead} heads / ${model.config.nKvHead} kv heads)`);
} else {
  model = new sg.models.GPT({ arch: 'gpt2', vocabSize: 64, nCtx: 64, dModel: 32, nLayer: 2, nHead: 4, seed: 1 });
  label = (id) => `#${id}`;
  clean = [1, 7, 9, 3, 12, 5, 9, 40, 2, 11];
  corrupted = [1, 7, 9, 3, 12, 5, 7, 40, 2, 11];
  answer = 7;
  distractor = 9;
  probeText = null;
  console.log('model: a random gpt2 (2 layers, d 32); stories260K not found or --random given');
}
console.log(`backend: ${desc.backend} (${desc.adapter})\n`);
const liveAtStart = sg.memory().liveTensors;
const laps = [];
let lapStart = performance.now();
/** Records the time since the previous lap under `name`. */
const lap = (name) => { const now = performance.now(); laps.push(`${name} ${((now - lapStart) / 1000).toFixed(2)} s`); lapStart = now; };
const labels = clean.map(label);
const show = (id) => JSON.stringify(label(id));

// ---- 1. logit lens ----------------------------------------------------------------------------
const lens = await interp.logitLens(model, clean, { topK: 3, positions: [-1] });
const lensFrozen = await interp.logitLens(model, clean, { topK: 1, positions: [-1], normScale: 'frozen' });
console.log(`1. logit lens at the last position (${show(clean.at(-1))}): top-3 per layer, [frozen-scale top-1]`);
lens.layers.forEach((l, i) => {
  const top = l.top[0][0].map((e) => `${show(e.token)} ${e.prob.toFixed(3)}`).join(', ');
  console.log(`   ${l.hook.padEnd(26)} ${top}   [${show(lensFrozen.layers[i].top[0][0][0].token)}]`);
});
lap('logit lens');

// ---- 2. direct logit attribution ----------------------------------------------------------------
const dla = await interp.directLogitAttribution(model, clean, { tokenDiff: [answer, distractor] });
const ranked = [...dla.components].sort((a, b) => Math.abs(b.values[0]) - Math.abs(a.values[0])).slice(0, 6);
console.log(`\n2. direct logit attribution of logit(${show(answer)}) - logit(${show(distractor)}) = ${dla.logit[0].toFixed(4)} (components + norm bias: ${dla.total[0].toFixed(4)})`);
for (const c of ranked) console.log(`   ${c.label.padEnd(14)} ${c.values[0] >= 0 ? '+' : ''}${c.values[0].toFixed(4)}`);
lap('direct logit attribution');

// ---- 3. attention patterns ------------------------------------------------------------------------
const patterns = await interp.attentionPatterns(model, clean);
await interp.saveAnalysis(join(outDir, 'patterns.json'), { ...patterns, labels });
let svgs = 0;
for (const layer of patterns.layers) {
  for (const [i, head] of layer.headIndices.entries()) {
    const title = `L${layer.layer}H${head}`;
    await interp.saveAnalysis(join(outDir, `pattern-${title}.svg`), interp.patternSvg(layer.heads[i], { tokens: labels, title }));
    svgs++;
  }
}
// The head attending most to the previous token, on average over positions 1..T-1.
let prev = { score: -1 };
for (const layer of patterns.layers) layer.heads.forEach((p, i) => {
  const score = p.slice(1).reduce((s, row, t) => s + row[t], 0) / (p.length - 1);
  if (score > prev.score) prev = { score, name: `L${layer.layer}H${layer.headIndices[i]}` };
});
console.log(`\n3. attention patterns: patterns.json and ${svgs} SVG heatmaps in ${outDir}; strongest previous-token head ${prev.name} (${prev.score.toFixed(2)})`);
lap('attention patterns');

// ---- 4. ablation ------------------------------------------------------------------------------------
console.log('\n4. next-token loss change when mean-ablating each head of layer 0 (mean over the prompt):');
const deltas = [];
for (let h = 0; h < model.config.nHead; h++) {
  const r = await interp.ablationLoss(model, clean, { heads: [[0, h]], mode: 'mean' });
  deltas.push(`H${h} ${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(4)}`);
  if (h === 0) console.log(`   clean loss ${r.clean.toFixed(4)}`);
}
console.log(`   ${deltas.join('  ')}`);
lap('ablation');

// ---- 5. activation patching -------------------------------------------------------------------------
const metric = interp.logitDiffMetric(answer, distractor);
const patch = await interp.activationPatching(model, clean, corrupted, { hook: 'resid_pre', metric });
console.log(`\n5. activation patching of the residual stream, corrupted -> clean (${show(answer)} vs ${show(distractor)}), normalized:`);
console.log(interp.formatPatchingTable(patch, { tokens: labels, digits: 2, normalize: true }).replace(/^/gm, '   '));
lap('activation patching');

// ---- 6. linear probes ---------------------------------------------------------------------------------
// Does the residual stream at each layer know the PREVIOUS token? (It must be moved there by attention.)
const seqLen = Math.min(32, model.config.nCtx);
let seed = 12345; // random ids when there is no text: an LCG, so the previous token is not implied by the current one
const ids = probeText ?? Array.from({ length: 1536 }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 16) % 8);
const rows = [];
for (let i = 0; i + seqLen <= ids.length && rows.length < 48; i += seqLen) rows.push(ids.slice(i, i + seqLen));
const counts = new Map();
for (const r of rows) for (let t = 1; t < seqLen; t++) counts.set(r[t - 1], (counts.get(r[t - 1]) ?? 0) + 1);
const common = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([id]) => id);
const names = Array.from({ length: model.config.nLayer }, (_, l) => `blocks.${l}.hook_resid_pre`).concat([`blocks.${model.config.nLayer - 1}.hook_resid_post`]);
const { logits, cache } = await model.runWithCache(rows, { names });
logits.dispose();
console.log(`\n6. linear probe for the previous token (one of ${common.map(show).join(', ')}), ${rows.length} sequences of ${seqLen}:`);
for (const name of names) {
  const acts = await cache.get(name).data(); // [B, T, d]
  const d = model.config.dModel;
  const feats = [], ys = [];
  rows.forEach((r, b) => { for (let t = 1; t < seqLen; t++) { const c = common.indexOf(r[t - 1]); if (c >= 0) { feats.push(Array.from(acts.subarray((b * seqLen + t) * d, (b * seqLen + t + 1) * d))); ys.push(c); } } });
  const res = await interp.linearProbe(feats, ys, { steps: 200 });
  console.log(`   ${name.padEnd(26)} held-out accuracy ${(100 * res.testAccuracy).toFixed(1)}% (${res.testSize} examples, chance ~${(100 * Math.max(...[0, 1, 2, 3].map((c) => ys.filter((y) => y === c).length)) / ys.length).toFixed(0)}%)`);
}
cache.dispose();
lap('probes');

console.log(`\ntimings: ${laps.join(', ')}`);
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; live tensors ${sg.memory().liveTensors} (${liveAtStart} after loading the model)`);
sg.shutdown();
