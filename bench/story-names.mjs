/**
 * story-names — how well a model trained on the embedded corpus keeps its characters' names: the
 * measure behind the demo's recipe (issue: "a generated story that reads as English with
 * consistent names"). Reads a run directory (`storygrad demo --out DIR` or `storygrad train`).
 *
 *   node bench/story-names.mjs --run runs/demo [--stories 40] [--samples 8] [--backend webgpu] [--names FILE] [--corpus FILE]
 *        [--temperature 0.3] [--top-p 0.9] [--candidates 4] [--no-repeat-ngram 8] [--select mean]
 *
 * Two figures:
 * 1. Name copying on held-out stories (the run's corpus-val.txt, or fresh corpus stories): the mean
 *    loss (nats) and top-1 accuracy of the first token of each character name, split into a name's
 *    first mention in the context window and its repeats. A model that keeps names consistent
 *    predicts repeats far better than first mentions (an induction/copying ability). Beside the
 *    loss: P(a name), the probability the model gives to all names' first tokens at that spot
 *    (does it know a name comes?), and P(this name | a name) (does it know which?).
 * 2. Generated stories (seeds 0..samples-1, the demo's prompt and sampling: the likeliest by the
 *    model's mean log-probability of its new tokens of --candidates samples at --temperature, top-p
 *    --top-p, no n-gram of --no-repeat-ngram tokens repeated, as `storygrad demo` picks its story;
 *    --select picks the candidate another way: 'min', the one whose least likely new token is the
 *    likeliest; 'low:K', the highest mean log-probability of its K least likely new tokens;
 *    --candidates 1 --temperature 0.7 --no-repeat-ngram 0 gives the
 *    sampling of earlier demos; --tokens new tokens, default what fills the context; the demo
 *    prints 160): distinct names per story and two
 *    shares: "consistent", at most two distinct names with the first used at least twice (a story
 *    that names its hero once and then says "she" fails it), and "introduced", every name's first
 *    mention introduced the way the corpus introduces characters ("named Kate", "friend Tom",
 *    "Hi! My name is Kate", or the story's first word), so a name that appears from nowhere —
 *    the drift of a model that does not copy — fails it. The same checks on corpus stories cut
 *    to the context length give the ceilings.
 * 3. Sentences of the grammar ("reads as English"): the share of the generated stories' complete
 *    sentences, names masked, that occur in the training corpus (--corpus FILE, default the run's
 *    corpus-train.txt). The embedded generator builds stories from templates, so held-out corpus
 *    stories score about 97% (the ceiling, printed beside it); a garbled join ("Julia andCan I
 *    have a turn") or a broken word fails its sentence; so do grammatical recombinations the
 *    generator never writes ("In the garden, the bird chirped."), which makes it a lower bound.
 *    Beside it, the share of sentences all of whose word 4-grams (with start and end marks) occur
 *    in the corpus's sentences (locally fluent; held-out stories: 99%), and the share of
 *    sentences that repeat an earlier one of the same story (the loops of a sampler run too cold).
 *    "Clean stories" combine everything: consistent and introduced names, at least 80% of the
 *    sentences of the grammar and no repeated sentence (held-out corpus stories: the ceiling).
 * Names are those of the corpus lexicon, which are never ordinary words (lexicon.ts), or the JSON
 * list of `--names FILE` for a corpus with other names.
 */
import * as sg from '../dist/index.js';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    run: { type: 'string', default: 'runs/demo' },
    stories: { type: 'string', default: '40' },
    samples: { type: 'string', default: '8' },
    tokens: { type: 'string' },
    backend: { type: 'string', default: 'webgpu' },
    json: { type: 'boolean', default: false },
    names: { type: 'string' },
    corpus: { type: 'string' },
    temperature: { type: 'string', default: '0.3' },
    'top-p': { type: 'string', default: '0.9' },
    candidates: { type: 'string', default: '4' },
    'no-repeat-ngram': { type: 'string', default: '8' },
    select: { type: 'string', default: 'mean' },
  },
});

const corpus = sg.data.corpus;
const NAMES = a.names
  ? new Set(JSON.parse(await readFile(a.names, 'utf8')))
  : new Set([...Object.values(corpus.PERSON_NAMES).flat(), ...Object.values(corpus.ANIMAL_NAMES).flat()]);
const NAME_RE = new RegExp(`\\b(${[...NAMES].sort((x, y) => y.length - x.length).join('|')})\\b`, 'g');

/** Name mentions of a text in order: [{ name, at }]. */
function mentions(text) {
  return [...text.matchAll(NAME_RE)].map((m) => ({ name: m[1], at: m.index }));
}

/** The consistency verdict of one story text (see the header). */
function consistency(text) {
  const ms = mentions(text);
  const distinct = [...new Set(ms.map((m) => m.name))];
  const cast = distinct.slice(0, 2);
  const heroUses = ms.filter((m) => m.name === distinct[0]).length;
  const ok = distinct.length > 0 && distinct.length <= 2 && heroUses >= 2;
  // Introduced: each distinct name's first mention follows "named ", "friend " or "name is ", or opens the text.
  const introduced = distinct.length > 0 && distinct.every((n) => {
    const at = ms.find((m) => m.name === n).at;
    return /(named|friend|name is) $/.test(text.slice(Math.max(0, at - 10), at)) || text.slice(0, at).trim() === '';
  });
  return { distinct: distinct.length, heroUses, ok, introduced, cast };
}

/** Complete sentences of a text with names masked as "@" (a cut-off last sentence is dropped). */
function sentences(text) {
  const parts = text.replace(/<\|endoftext\|>/g, '\n').split(/(?<=[.!?]"?)\s+|\n/).map((x) => x.trim()).filter(Boolean);
  if (parts.length && !/[.!?]"?$/.test(parts[parts.length - 1])) parts.pop();
  return parts.map((x) => x.replace(NAME_RE, '@'));
}

await sg.init({ backend: a.backend });
const { model, tokenizer } = await sg.io.loadModel(a.run, { tokenizer: true });
const tok = tokenizer;
const nCtx = model.config.nCtx;
const sep = tok.eosId;
model.eval();

// ---- 1. name copying on held-out stories ----
const valText = await readFile(`${a.run}/corpus-val.txt`, 'utf8').catch(() => null);
const nStories = Number(a.stories);
const stories = (valText ? valText.split('<|endoftext|>') : corpus.generateStories({ seed: 1e6, count: nStories }))
  .map((s) => s.trim()).filter((s) => s.length > 0).slice(0, nStories);

const first = { n: 0, loss: 0, hit: 0, pName: 0, pRight: 0 };
const repeat = { n: 0, loss: 0, hit: 0, pName: 0, pRight: 0 };
// First tokens of every name, mid-sentence (" Lily") and at a paragraph start ("Lily").
const NAME_STARTS = new Set([...NAMES].flatMap((n) => [tok.encode(' ' + n)[0], tok.encode(n)[0]]));
const rows = [];
for (const text of stories) {
  const ids = [sep, ...tok.encode(text)].slice(0, nCtx);
  // Character offset where each token's text starts (tokens decode independently for byte-level BPE).
  const starts = [];
  let pos = 0;
  for (let i = 1; i < ids.length; i++) {
    starts.push(pos);
    pos += tok.decode([ids[i]]).length;
  }
  const shown = tok.decode(ids.slice(1));
  if (shown !== text.slice(0, shown.length)) throw new Error('story-names: token texts do not concatenate to the story');
  rows.push({ ids, starts, shown });
}
for (const r of rows) {
  const logits = sg.tidy(() => sg.logSoftmax(model.forward(sg.tensor([r.ids], { dtype: 'i32' })))); // [1, T, V]
  const data = await logits.data();
  logits.dispose();
  const V = model.config.vocabSize;
  const seen = new Set();
  for (const m of mentions(r.shown)) {
    // token j (index into ids) holding the name's first character; predicted at position j - 1
    const k = r.starts.findIndex((s, i) => s <= m.at && (i + 1 >= r.starts.length || r.starts[i + 1] > m.at));
    if (k < 0) continue;
    const j = k + 1;
    const row = data.subarray((j - 1) * V, j * V);
    const target = r.ids[j];
    let best = 0;
    for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
    const bucket = seen.has(m.name) ? repeat : first;
    bucket.n++;
    bucket.loss += -row[target];
    bucket.hit += best === target ? 1 : 0;
    // Does the model know a name comes here (P of any name's first token), and which one?
    let pName = 0;
    for (const v of NAME_STARTS) pName += Math.exp(row[v]);
    bucket.pName += pName;
    bucket.pRight += Math.exp(row[target]) / pName;
    seen.add(m.name);
  }
}

// ---- 2. generated stories ----
/** --select other than 'mean': the same candidates as sampleLikeliest, scored by their least likely new tokens. */
async function selectBy(how, prompt, n, opts) {
  const candidates = Array.from({ length: n }, () => []);
  for await (const ids of model.generateBatch(candidates.map(() => prompt), opts)) ids.forEach((id, k) => { if (id !== null) candidates[k].push(id); });
  const lps = await sg.models.tokenLogProbs(model, candidates.map((ids) => [...prompt, ...ids]));
  const K = how === 'min' ? 1 : Number(/^low:(\d+)$/.exec(how)?.[1]);
  if (!(K >= 1)) throw new Error(`--select: 'mean', 'min' or 'low:K', got '${how}'`);
  const scores = lps.map((lp) => {
    const fresh = Array.from(lp.subarray(prompt.length - 1)).sort((x, y) => x - y).slice(0, K);
    return fresh.length ? fresh.reduce((s, x) => s + x, 0) / fresh.length : 0;
  });
  const best = scores.indexOf(Math.max(...scores));
  return { candidates, scores, best, ids: candidates[best] };
}
const samples = [];
const prompt = [sep, ...tok.encode('Once upon a time')];
const nCand = Number(a.candidates);
for (let seed = 0; seed < Number(a.samples); seed++) {
  // The likeliest of nCand candidates by the model's own mean log-probability (the demo's pick).
  const opts = { maxNewTokens: a.tokens ? Number(a.tokens) : nCtx - prompt.length, temperature: Number(a.temperature), topP: Number(a['top-p']), noRepeatNgram: Number(a['no-repeat-ngram']), seed, stopTokens: [sep] };
  let pick;
  if (a.select === 'mean') pick = await sg.models.sampleLikeliest(model, prompt, nCand, opts);
  else pick = await selectBy(a.select, prompt, nCand, opts);
  const { ids, scores, best } = pick;
  const text = tok.decode([...prompt.slice(1), ...ids]);
  samples.push({ seed, text, meanLogProb: scores[best], ...consistency(text) });
}
// The ceiling: the held-out stories cut to the generated length (prompt + new tokens).
const genLength = a.tokens ? prompt.length + Number(a.tokens) : nCtx;
const ceiling = stories.map((t) => consistency(tok.decode(tok.encode(t).slice(0, genLength - 1))));

// ---- 3. sentences of the grammar ----
const corpusPath = a.corpus ?? `${a.run}/corpus-train.txt`;
const corpusText = await readFile(corpusPath, 'utf8').catch(() => null);
const grammar = corpusText === null ? null : new Set(sentences(corpusText));
/** Words and punctuation of a masked sentence, lower-cased, with start and end marks. */
const words = (x) => ['<s>', ...(x.toLowerCase().match(/[a-z@']+|[.,!?"]/g) ?? []), '</s>'];
const grams = (ws) => ws.length <= 4 ? [ws.join(' ')] : ws.slice(0, ws.length - 3).map((_, i) => ws.slice(i, i + 4).join(' '));
// Every word 4-gram of the corpus's sentences: a sentence all of whose 4-grams occur is locally fluent.
const fourGrams = grammar === null ? null : new Set([...grammar].flatMap((x) => grams(words(x))));
const fluent = (x) => grams(words(x)).every((g) => fourGrams.has(g));
const sentenceShare = (texts) => {
  const per = texts.map(sentences);
  const all = per.flat();
  // Repeats: sentences equal to an earlier one of the same story (names masked), the loops of too cold a sampler.
  const repeats = per.reduce((n, ss) => n + ss.filter((x, i) => ss.indexOf(x) < i).length, 0);
  return { sentences: all.length, share: all.filter((x) => grammar.has(x)).length / all.length, fluent: all.filter(fluent).length / all.length, repeated: repeats / all.length };
};
for (const s of samples) s.sentences = grammar ? sentences(s.text).map((x) => ({ text: x, known: grammar.has(x), fluent: fluent(x) })) : [];
/**
 * A clean story: consistent and introduced names, at least 80% of its sentences of the grammar and
 * no sentence repeating an earlier one (names masked): what a reader would take for a corpus story.
 */
const isClean = (c, text) => {
  const ss = sentences(text);
  return c.ok && c.introduced && ss.length > 0 && ss.filter((x) => grammar.has(x)).length >= 0.8 * ss.length && ss.every((x, i) => ss.indexOf(x) === i);
};

const mean = (b, k) => (b.n ? b[k] / b.n : NaN);
const f = (b) => ({ mentions: b.n, loss: mean(b, 'loss'), top1: mean(b, 'hit'), pName: mean(b, 'pName'), pRightGivenName: mean(b, 'pRight') });
const result = {
  run: a.run, nCtx, vocab: model.config.vocabSize,
  copying: { first: f(first), repeat: f(repeat) },
  generated: {
    stories: samples.length,
    consistent: samples.filter((s) => s.ok).length / samples.length,
    introduced: samples.filter((s) => s.introduced).length / samples.length,
    meanDistinctNames: samples.reduce((s, x) => s + x.distinct, 0) / samples.length,
  },
  grammar: grammar ? {
    corpus: corpusPath, generated: sentenceShare(samples.map((x) => x.text)), ceiling: sentenceShare(stories.map((t) => tok.decode(tok.encode(t).slice(0, genLength - 1)))),
    clean: samples.filter((x) => isClean(x, x.text)).length / samples.length,
    cleanCeiling: stories.filter((t, i) => isClean(ceiling[i], tok.decode(tok.encode(t).slice(0, genLength - 1)))).length / stories.length,
  } : null,
  corpusCeiling: { consistent: ceiling.filter((c) => c.ok).length / ceiling.length, introduced: ceiling.filter((c) => c.introduced).length / ceiling.length, meanDistinctNames: ceiling.reduce((s, x) => s + x.distinct, 0) / ceiling.length },
};
if (a.json) console.log(JSON.stringify({ ...result, samples }));
else {
  console.log(`run ${a.run}: context ${nCtx}, vocab ${result.vocab}`);
  const c = result.copying;
  const line = (b) => `${b.mentions} mentions, loss ${b.loss.toFixed(3)}, top-1 ${b.top1.toFixed(3)}, P(a name) ${b.pName.toFixed(2)}, P(this name | a name) ${b.pRightGivenName.toFixed(3)}`;
  console.log(`name tokens, first mention: ${line(c.first)}`);
  console.log(`name tokens, repeats:       ${line(c.repeat)}  (chance among the ${NAMES.size} names: ${(1 / NAMES.size).toFixed(3)})`);
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  const g = result.generated, cc = result.corpusCeiling;
  console.log(`generated (${g.stories} stories${a.tokens ? ` of ${a.tokens} new tokens` : ''}): ${pct(g.consistent)} consistent, ${pct(g.introduced)} introduced, ${g.meanDistinctNames.toFixed(2)} distinct names per story (corpus cut to ${genLength} tokens: ${pct(cc.consistent)}, ${pct(cc.introduced)}, ${cc.meanDistinctNames.toFixed(2)})`);
  const gr = result.grammar;
  if (gr) console.log(`sentences of the grammar (in ${gr.corpus}, names masked): ${pct(gr.generated.share)} of ${gr.generated.sentences} generated, ${pct(gr.generated.fluent)} with every word 4-gram in it, ${pct(gr.generated.repeated)} repeating an earlier one (held-out corpus: ${pct(gr.ceiling.share)} of ${gr.ceiling.sentences}, ${pct(gr.ceiling.fluent)}, ${pct(gr.ceiling.repeated)})`);
  if (gr) console.log(`clean stories (consistent, introduced, >= 80% sentences of the grammar, no repeated sentence): ${pct(gr.clean)} (held-out corpus: ${pct(gr.cleanCeiling)})`);
  else console.log(`sentences of the grammar: skipped, no corpus at ${corpusPath} (--corpus FILE)`);
  for (const s of samples) console.log(`\n[seed ${s.seed}] ${s.ok ? 'consistent' : 'NOT consistent'}, ${s.introduced ? 'introduced' : 'NOT introduced'}, names ${s.distinct}${gr ? `, sentences ${s.sentences.filter((x) => x.known).length}/${s.sentences.length}` : ''}:\n${s.text.trim()}`);
}
model.dispose();
await sg.shutdown();
