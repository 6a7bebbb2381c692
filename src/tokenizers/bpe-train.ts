/**
 * Byte-level BPE training on word counts. Each distinct pre-token word is a sequence of token ids
 * (initially its UTF-8 bytes, ids 0..255) weighted by its count. Each step merges the most
 * frequent adjacent pair (ties: the smallest left id, then the smallest right id) into a token:
 * a new id, or the existing one when another merge already made the same bytes (so no two ids
 * spell the same bytes). Pair counts are kept incrementally: a merge only revisits the words that contain
 * the pair (an index from pair to words), and a max-heap with lazy deletion finds the next pair.
 */
import { MinHeap } from './heap.js';

/** Progress of training, reported every few hundred merges. */
export interface BpeTrainProgress {
  /** Tokens so far (256 bytes included). */
  tokens: number;
  /** Tokens wanted (special tokens excluded). */
  target: number;
}

/** What {@link learnMerges} returns. */
export interface LearnedMerges {
  /** Token bytes by id: the 256 bytes (id = byte value), then each new token. */
  tokens: Uint8Array[];
  /** Merges in order as [left, right] ids. */
  merges: [number, number][];
}

/**
 * Learns merges from word counts until `numNewTokens` tokens beyond the 256 bytes exist, or no
 * pair is left.
 */
export function learnMerges(
  wordCounts: Map<string, number>,
  numNewTokens: number,
  onProgress?: (p: BpeTrainProgress) => void,
): LearnedMerges {
  const enc = new TextEncoder();
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  for (const [w, c] of wordCounts) {
    const b = enc.encode(w);
    if (b.length < 2) continue; // no pairs, nothing to learn
    words.push(Int32Array.from(b));
    freqs.push(c);
  }
  const K = 256 + numNewTokens; // ids are < K, so a * K + b is a unique pair key
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const bump = (key: number, delta: number): void => {
    const c = (pairCount.get(key) ?? 0) + delta;
    if (c === 0) pairCount.delete(key);
    else pairCount.set(key, c);
  };
  const index = (key: number, w: number): void => {
    let s = pairWords.get(key);
    if (!s) pairWords.set(key, (s = new Set()));
    s.add(w);
  };
  for (let w = 0; w < words.length; w++) {
    const ids = words[w]!, f = freqs[w]!;
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = ids[i]! * K + ids[i + 1]!;
      bump(key, f);
      index(key, w);
    }
  }
  // max count first; ties by the smaller key, i.e. smaller left id, then smaller right id
  const heap = new MinHeap();
  for (const [key, c] of pairCount) heap.push(-c, key);

  const tokens: Uint8Array[] = [];
  const idOf = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    tokens.push(Uint8Array.of(b));
    idOf.set(String.fromCharCode(b), b);
  }
  const merges: [number, number][] = [];
  const changed = new Set<number>();
  while (tokens.length < K) {
    let best = -1;
    while (heap.size > 0) {
      const negCount = heap.peekKey()!, key = heap.peekVal()!;
      heap.pop();
      if (pairCount.get(key) === -negCount) {
        best = key;
        break;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / K), b = best % K;
    const ta = tokens[a]!, tb = tokens[b]!;
    const bytes = new Uint8Array(ta.length + tb.length);
    bytes.set(ta);
    bytes.set(tb, ta.length);
    let key = '';
    for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i]!);
    let c = idOf.get(key);
    if (c === undefined) {
      c = tokens.length;
      tokens.push(bytes);
      idOf.set(key, c);
    }
    merges.push([a, b]);
    changed.clear();
    for (const w of pairWords.get(best) ?? []) {
      const ids = words[w]!;
      let found = false;
      for (let i = 0; i + 1 < ids.length; i++) {
        if (ids[i] === a && ids[i + 1] === b) {
          found = true;
          break;
        }
      }
      if (!found) continue; // stale index entry
      const f = freqs[w]!;
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = ids[i]! * K + ids[i + 1]!;
        bump(key, -f);
        changed.add(key);
      }
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          out.push(c);
          i++;
        } else out.push(ids[i]!);
      }
      const next = Int32Array.from(out);
      words[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        const key = next[i]! * K + next[i + 1]!;
        bump(key, f);
        changed.add(key);
        if (next[i] === c || next[i + 1] === c) index(key, w);
      }
    }
    pairWords.delete(best);
    for (const key of changed) {
      const cnt = pairCount.get(key);
      if (cnt !== undefined) heap.push(-cnt, key);
      else pairWords.delete(key);
    }
    if (onProgress && merges.length % 256 === 0) onProgress({ tokens: tokens.length, target: K });
  }
  return { tokens, merges };
}
