/**
 * name-curriculum — does name copying learned on ball games (bench/lib/ball-games.mjs) carry over
 * to the embedded corpus's stories? Phase 1 trains on games only, phase 2 continues the same
 * model on stories (a fresh Trainer: warmup, cosine, weight decay 0.1, clip 1, like the demo).
 * After each phase it reports, on held-out games and held-out stories, the repeated names' loss
 * and P(this name | a name) (the probability of the right name among all names; chance is 1/N).
 *
 *   node bench/name-curriculum.mjs [--game-steps 1000] [--story-steps 500] [--mix 0] [--flat-games] [--seed 2]
 *       [--untied] [--random-ov] [--emb-std S] [--batch 8] [--seq 64] [--lr 1e-2] [--out DIR] [--backend webgpu]
 *
 * `--mix X` keeps a share X of games among the documents of the story phase; `--flat-games` holds
 * the learning rate at its peak after warmup during the games (no cosine decay there).
 *
 * Defaults: tied embeddings and identity value/output projections (the init that shortens the
 * copying plateau, see bench/RESULTS.md); the demo's model shape (llama d 64, 4 layers, 4 heads).
 * `--out DIR` saves the final model and tokenizer, for `node bench/story-names.mjs --run DIR`.
 */
import * as sg from '../dist/index.js';
import { parseArgs } from 'node:util';
import { ballGame, namePool } from './lib/ball-games.mjs';

const { values: a } = parseArgs({
  options: {
    'game-steps': { type: 'string', default: '1000' },
    'story-steps': { type: 'string', default: '500' },
    mix: { type: 'string', default: '0' },
    'flat-games': { type: 'boolean', default: false },
    seed: { type: 'string', default: '2' },
    untied: { type: 'boolean', default: false },
    'random-ov': { type: 'boolean', default: false },
    'emb-std': { type: 'string', default: '' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '64' },
    lr: { type: 'string', default: '1e-2' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'webgpu' },
  },
});
const int = (k, min = 1) => {
  const v = Number(a[k]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${k} must be an integer >= ${min}, got '${a[k]}'`);
  return v;
};
const [gameSteps, storySteps, seed, B, T] = [int('game-steps', 0), int('story-steps', 0), int('seed', 0), int('batch'), int('seq')];

const POOL = namePool(99); // every person name of the lexicon (48)
const game = (i) => ballGame(i, POOL);
const story = (i) => sg.data.generateStory(sg.data.corpus.storySeed(seed, i));
const mix = Number(a.mix);
if (!(mix >= 0 && mix < 1)) throw new Error(`--mix must be in [0, 1), got '${a.mix}'`);
/** The story phase's documents: a share `mix` of games among the stories. */
const storyPhase = (i) => (((Math.imul(i + 1, 2654435761) >>> 0) / 4294967296) < mix ? game(5e6 + i) : story(i));

const info = await sg.init({ backend: a.backend });
const tok = sg.tokenizers.BpeTokenizer.train(
  [...Array.from({ length: 1500 }, (_, i) => story(1e6 + i)), ...Array.from({ length: 300 }, (_, i) => game(2e6 + i))].join('\n'),
  { vocabSize: 1024 },
);
const allNames = [...new Set([...Object.values(sg.data.corpus.PERSON_NAMES).flat(), ...Object.values(sg.data.corpus.ANIMAL_NAMES).flat()])];
const nameIds = new Set(allNames.map((n) => tok.encode(' ' + n)).filter((x) => x.length === 1).map((x) => x[0]));

/** Token stream of documents doc(first), doc(first + 1), ... until `n` tokens, each after <|endoftext|>. */
function tokens(doc, first, n) {
  const ids = [];
  for (let i = first; ids.length < n; i++) ids.push(tok.eosId, ...tok.encode(doc(i)));
  return Int32Array.from(ids);
}

const model = new sg.models.GPT({
  arch: 'llama', vocabSize: tok.vocabSize, dModel: 64, nLayer: 4, nHead: 4, nCtx: T, tieEmbeddings: !a.untied, seed,
  // The copy-friendly init options of GPTConfig (src/models/config.ts).
  ...(a['random-ov'] ? {} : { valueOutputInit: 'identity' }),
  ...(a['emb-std'] ? { embedInitStd: Number(a['emb-std']) } : {}),
});
console.log(`${info.backend}; llama d64 L4 H4, ${a.untied ? 'untied' : 'tied'}, ${a['random-ov'] ? 'random' : 'identity'} value/output, ${a['emb-std'] ? `embedding std ${a['emb-std']}, ` : ''}` +
  `seed ${seed}; ${gameSteps} steps of games, then ${storySteps} of stories${mix ? ` (${mix * 100}% games)` : ''} (${B} x ${T}, lr ${a.lr}); ${nameIds.size} single-token names`);

/** Repeated names in held-out documents: mean loss and P(this name | a name); plus the loss of all tokens. */
async function copying(doc, first) {
  let n = 0, loss = 0, pRight = 0, all = 0, nAll = 0;
  const V = tok.vocabSize;
  for (let k = 0; k < 40; k++) {
    const ids = [tok.eosId, ...tok.encode(doc(first + k))].slice(0, T);
    const lp = sg.tidy(() => sg.logSoftmax(model.forward(sg.tensor([ids], { dtype: 'i32' })))); // [1, T, V]
    const d = await lp.data();
    lp.dispose();
    for (let j = 1; j < ids.length; j++) {
      const row = d.subarray((j - 1) * V, j * V);
      all -= row[ids[j]];
      nAll++;
      if (!nameIds.has(ids[j]) || !ids.slice(1, j).includes(ids[j])) continue;
      let pName = 0;
      for (const v of nameIds) pName += Math.exp(row[v]);
      n++;
      loss -= row[ids[j]];
      pRight += Math.exp(row[ids[j]]) / pName;
    }
  }
  return `${n} repeats: loss ${(loss / n).toFixed(2)}, P(this name | a name) ${(pRight / n).toFixed(3)}; all tokens ${(all / nAll).toFixed(2)}`;
}

async function phase(label, doc, steps, flat = false) {
  if (steps === 0) return;
  const train = new sg.data.BatchSampler(tokens(doc, 0, steps * B * T + 20 * T), { batchSize: B, seqLen: T, seed });
  const trainer = new sg.train.Trainer({
    model, train, steps, lr: Number(a.lr), minLr: flat ? Number(a.lr) : undefined, warmupSteps: 50, weightDecay: 0.1, gradClip: 1, evalEvery: 0, logEvery: Math.max(1, Math.floor(steps / 5)),
    log: (line) => console.log(`  ${label} ${line}`),
  });
  const t0 = performance.now();
  await trainer.run();
  trainer.optimizer.dispose(); // its moments and parameter arena; the next phase starts a fresh optimizer
  console.log(`after ${label} (${((performance.now() - t0) / 1000).toFixed(0)} s):`);
  console.log(`  held-out games:   ${await copying(game, 3e6)}`);
  console.log(`  held-out stories: ${await copying(story, 4e6)}  (chance: 1/${nameIds.size} = ${(1 / nameIds.size).toFixed(3)})`);
}

await phase('games', game, gameSteps, a['flat-games']);
await phase('stories', storyPhase, storySteps);
if (a.out) {
  await sg.io.saveModel(a.out, model, { tokenizer: tok });
  console.log(`saved to ${a.out}`);
}
model.dispose();
await sg.shutdown();
