/**
 * Pre-tokenization for byte-level BPE: special tokens are cut out first, then GPT-2's regex splits
 * the rest into words (BPE never merges across words). Includes a streaming word counter that
 * accepts text in arbitrary chunks and counts exactly the words the whole text would give.
 */

/** GPT-2's pre-tokenization pattern (contractions, letters, numbers, other, whitespace). */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex matching any of the special tokens (longest first), or null when there are none. */
export function specialTokenRegExp(specials: readonly string[]): RegExp | null {
  const list = specials.filter((s) => s.length > 0);
  if (list.length === 0) return null;
  return new RegExp([...list].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
}

/** Splits text into pre-token words (no special-token handling). */
export function splitWords(text: string): string[] {
  return text.match(new RegExp(GPT2_PATTERN)) ?? [];
}

/**
 * A match that starts this close to the end of the buffered text may change once more text
 * arrives (a contraction like "'ll" needs 3 characters to be recognised), so it is held back.
 */
const HOLD_CHARS = 4;
const NON_SPACE = /\S/gu;

/**
 * Counts pre-token words over a stream of text chunks (special tokens excluded). Chunk
 * boundaries may fall anywhere, even inside a word, a special token or a surrogate pair: the
 * result equals counting the concatenated text.
 */
export function countWords(chunks: Iterable<string>, specials: readonly string[], counts = new Map<string, number>()): Map<string, number> {
  const specialRe = specialTokenRegExp(specials);
  const maxSpecial = specials.reduce((m, s) => Math.max(m, s.length), 0);
  const add = (w: string): void => {
    counts.set(w, (counts.get(w) ?? 0) + 1);
  };
  const countAll = (segment: string): void => {
    GPT2_PATTERN.lastIndex = 0;
    for (const m of segment.matchAll(GPT2_PATTERN)) add(m[0]);
  };
  let carry = '';
  for (const chunk of chunks) {
    const buf = carry + chunk;
    let tail = buf;
    if (specialRe) {
      const parts = buf.split(specialRe);
      for (let i = 0; i < parts.length - 1; i++) countAll(parts[i]!);
      tail = parts[parts.length - 1]!;
    }
    // Hold back a suffix that could be the start of a special token.
    let hold = 0;
    for (let k = Math.min(maxSpecial - 1, tail.length); k > 0 && hold === 0; k--) {
      const suffix = tail.slice(tail.length - k);
      if (specials.some((s) => s.startsWith(suffix))) hold = k;
    }
    // A match is final when everything its choice looked at lies before `limit`: its characters,
    // the character after it, and for whitespace the rest of the run and the character after it
    // (`\s+(?!\S)` backs off depending on what follows the run).
    const limit = Math.min(tail.length - hold, tail.length - HOLD_CHARS);
    let cut = 0;
    for (const m of tail.matchAll(GPT2_PATTERN)) {
      const end = m.index + m[0].length;
      NON_SPACE.lastIndex = m.index;
      const runEnd = NON_SPACE.exec(tail)?.index ?? tail.length;
      if (Math.max(end, runEnd) >= limit) break;
      add(m[0]);
      cut = end;
    }
    carry = tail.slice(cut);
  }
  countAll(carry);
  return counts;
}
