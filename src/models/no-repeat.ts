/**
 * Repeated n-gram blocking for sampling (`GenerateOptions.noRepeatNgram`): the ids that would
 * complete an n-gram already present in the sequence. Banning them keeps a sampler from looping
 * ("The sky was blue. The sky was blue. ...") while leaving single tokens, such as a character's
 * name, free to repeat.
 */

/**
 * The ids that, appended to `seq`, would repeat one of its n-grams: for every earlier occurrence
 * of seq's last n - 1 ids, the id that followed it. Empty when seq is shorter than n - 1. n >= 1
 * (n = 1 bans every id already in seq).
 */
export function repeatedNgramBans(seq: readonly number[], n: number): Set<number> {
  const banned = new Set<number>();
  const L = seq.length, k = n - 1; // the prefix length to match
  if (L < k) return banned;
  // Earlier windows seq[i .. i + k) with a successor seq[i + k], i + k < L.
  for (let i = 0; i + k < L; i++) {
    let same = true;
    for (let j = 0; j < k; j++) {
      if (seq[i + j] !== seq[L - k + j]) { same = false; break; }
    }
    if (same) banned.add(seq[i + k]!);
  }
  return banned;
}

/**
 * `logits` with the `banned` ids at -Infinity (a copy; the input when nothing is banned). When
 * every id is banned the row is returned unchanged: sampling must still pick something.
 */
export function withBans(logits: Float32Array, banned: ReadonlySet<number>): Float32Array {
  if (banned.size === 0 || banned.size >= logits.length) return logits;
  const out = logits.slice();
  for (const id of banned) if (id >= 0 && id < out.length) out[id] = -Infinity;
  return out;
}
