/**
 * Name-dense probe text for the name-copying studies (bench/name-copy.mjs,
 * bench/name-curriculum.mjs): turn-taking ball games between 2–3 children, where a quarter of
 * the tokens are names and every name after the first sentence repeats one of the cast. Names
 * come from the corpus lexicon. (The copy-friendly init those studies try is a GPTConfig option:
 * `valueOutputInit`, `embedInitStd`, `unembedInit`.)
 */
import * as sg from '../../dist/index.js';

/** xorshift32 in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** The first `perPronoun` girls' and boys' names of the corpus lexicon. */
export function namePool(perPronoun) {
  const { PERSON_NAMES } = sg.data.corpus;
  return [...PERSON_NAMES.she.slice(0, perPronoun), ...PERSON_NAMES.he.slice(0, perPronoun)];
}

/** One game of `seed`: 2 or 3 children from `pool` pass a ball; each turn names who throws and who catches. */
export function ballGame(seed, pool) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const cast = [];
  const n = r() < 0.6 ? 2 : 3;
  while (cast.length < n) {
    const x = pick(pool);
    if (!cast.includes(x)) cast.push(x);
  }
  const place = pick(['the park', 'the yard', 'the garden', 'the beach', 'the field']);
  const toy = pick(['ball', 'red ball', 'big ball', 'frisbee']);
  const out = [`${cast.slice(0, -1).join(', ')} and ${cast.at(-1)} went to ${place} to play with a ${toy}.`];
  let holder = cast[0];
  for (let turn = 0; turn < 8; turn++) {
    let to = pick(cast);
    while (to === holder) to = pick(cast);
    out.push(pick([
      `${holder} threw the ${toy} to ${to}.`,
      `"Catch, ${to}!" said ${holder}.`,
      `${holder} said, "Here, ${to}!" and threw the ${toy}.`,
      `Then ${holder} gave the ${toy} to ${to}.`,
    ]));
    out.push(pick([`${to} caught it.`, `${to} caught the ${toy}.`, `"Got it!" said ${to}.`, `${to} laughed.`]));
    holder = to;
  }
  out.push(`They had a lot of fun.`);
  return out.join(' ');
}
