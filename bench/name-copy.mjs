/**
 * name-copy — how many training steps a small model needs before it copies a character's name
 * from its context, on the most name-dense text we can write: turn-taking ball games between two
 * or three children ("Lucy threw the ball to Ryan. Ryan caught it. ...", a quarter of the tokens
 * are names, every name after the first sentence is a repeat). The measure behind the demo's
 * "consistent names" (bench/RESULTS.md): if copying needs more steps here than the demo can
 * afford, no mix of the embedded corpus will teach it within the demo's budget.
 *
 *   node bench/name-copy.mjs [--steps 800] [--batch 8] [--seq 64] [--layers 4] [--d-model 64]
 *       [--heads 4] [--lr 1e-2] [--names 24] [--every 100] [--tie] [--identity-ov] [--emb-std S] [--unembed-from-embed] [--seed 0]
 *       [--backend webgpu]
 *
 * Plain loop, constant learning rate (no schedule, no weight decay), so the figures isolate the
 * copying plateau. Every `--every` steps it prints the loss (nats) of the batch's *repeated* name
 * tokens (the name already appeared earlier in the row), the chance level of a model that only
 * knows "some name of the cast pool comes here" (ln of the pool size), and the loss on all other
 * tokens. Copying has started when the repeat loss falls clearly below that chance level.
 * Names come from the corpus lexicon (`--names N` takes the first N girls' and N boys' names).
 * `--identity-ov` starts every attention layer's value and output projections at the identity (an
 * init that copies whatever a head attends to), to see whether that shortens the plateau.
 */
import * as sg from '../dist/index.js';
import { parseArgs } from 'node:util';
import { ballGame, namePool, rng } from './lib/ball-games.mjs';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '800' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '64' },
    layers: { type: 'string', default: '4' },
    'd-model': { type: 'string', default: '64' },
    heads: { type: 'string', default: '4' },
    lr: { type: 'string', default: '1e-2' },
    names: { type: 'string', default: '24' },
    every: { type: 'string', default: '100' },
    tie: { type: 'boolean', default: false },
    'identity-ov': { type: 'boolean', default: false },
    'emb-std': { type: 'string', default: '' },
    'unembed-from-embed': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'webgpu' },
  },
});
const int = (k) => {
  const v = Number(a[k]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer, got '${a[k]}'`);
  return v;
};
const [steps, B, T, every, nNames] = [int('steps'), int('batch'), int('seq'), int('every'), int('names')];

const POOL = namePool(nNames);
const gameStory = (seed) => ballGame(seed, POOL);

const info = await sg.init({ backend: a.backend });
const trainText = Array.from({ length: 600 }, (_, i) => gameStory(1e6 + i)).join('\n');
const tok = sg.tokenizers.BpeTokenizer.train(trainText, { vocabSize: 1024 });
const nameIds = new Set(POOL.map((x) => tok.encode(' ' + x)).filter((ids) => ids.length === 1).map((ids) => ids[0]));
if (nameIds.size !== POOL.length) throw new Error(`only ${nameIds.size} of ${POOL.length} names are single tokens`);
const ids = [];
for (let k = 0; ids.length < 2_000_000 && ids.length < steps * B * T * 2 + 10 * T; k++) ids.push(tok.eosId, ...tok.encode(gameStory(k + 1)));

const V = tok.vocabSize;
const model = new sg.models.GPT({
  arch: 'llama', vocabSize: V, dModel: int('d-model'), nLayer: int('layers'), nHead: int('heads'), nCtx: T, tieEmbeddings: a.tie, seed: Number(a.seed),
  // The copy-friendly init options of GPTConfig (src/models/config.ts).
  ...(a['identity-ov'] ? { valueOutputInit: 'identity' } : {}),
  ...(a['emb-std'] ? { embedInitStd: Number(a['emb-std']) } : {}),
  ...(a['unembed-from-embed'] ? { unembedInit: 'embed' } : {}),
});
const opt = new sg.optim.AdamW(model.parameters(), { lr: Number(a.lr), weightDecay: 0 });
console.log(`${info.adapter ?? a.backend}; llama d${a['d-model']} L${a.layers} H${a.heads}, ${B} x ${T}, lr ${a.lr}, ${POOL.length} names (chance ${Math.log(POOL.length).toFixed(2)} nats), ${ids.length} tokens`);
console.log('step  seconds  repeat-name loss  other loss');
const draw = rng(7 + Number(a.seed));
const t0 = performance.now();
const acc = { rep: 0, nRep: 0, other: 0, nOther: 0 };
for (let step = 1; step <= steps; step++) {
  const x = [], y = [];
  for (let b = 0; b < B; b++) {
    const o = Math.floor(draw() * (ids.length - T - 1));
    x.push(ids.slice(o, o + T)); // [T]
    y.push(ids.slice(o + 1, o + T + 1)); // [T]
  }
  const nll = sg.tidy(() => {
    const logits = model.forward(sg.tensor(x, { dtype: 'i32' })); // [B, T, V]
    const n = sg.crossEntropy(logits.reshape([-1, V]), sg.tensor(y, { dtype: 'i32' }).reshape([-1]), { reduction: 'none' }); // [B*T]
    n.mean().backward();
    return sg.keep(n);
  });
  opt.step();
  opt.zeroGrad();
  const d = await nll.data();
  nll.dispose();
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const target = y[b][t], loss = d[b * T + t];
      if (nameIds.has(target) && x[b].slice(0, t + 1).includes(target)) { acc.rep += loss; acc.nRep++; }
      else if (!nameIds.has(target)) { acc.other += loss; acc.nOther++; }
    }
  }
  if (step % every === 0) {
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(`${String(step).padStart(4)}  ${s.padStart(7)}  ${(acc.rep / acc.nRep).toFixed(2).padStart(16)}  ${(acc.other / acc.nOther).toFixed(2).padStart(10)}`);
    Object.assign(acc, { rep: 0, nRep: 0, other: 0, nOther: 0 });
  }
}
model.dispose();
opt.dispose();
await sg.shutdown();
