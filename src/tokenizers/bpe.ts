/**
 * Byte-level BPE (GPT-2 style). Text is cut at special tokens (`<|endoftext|>` by default), split
 * into words by GPT-2's regex, and each word's UTF-8 bytes are merged by rank: the adjacent pair
 * with the lowest merge rank first. Decoding concatenates token bytes and decodes UTF-8 (invalid
 * sequences become U+FFFD), so decode(encode(s)) === s for every well-formed string.
 *
 * Sources: GPT-2's `encoder.json` + `vocab.bpe` ({@link BpeTokenizer.fromGPT2}), training on text
 * ({@link BpeTokenizer.train}), or this class's own JSON ({@link BpeTokenizer.fromJSON}).
 *
 * Merging uses a linked list and a heap keyed by (rank, position). That equals GPT-2's reference
 * loop (merge every occurrence of the lowest-ranked pair, left to right, then repeat) whenever
 * each merge's parts are bytes or outputs of earlier merges and no two merges make the same
 * token — true of GPT-2's files and of trained vocabularies; other files use the reference loop.
 */
import { bytesToUnicode, unicodeToBytes } from './byte-unicode.js';
import { learnMerges } from './bpe-train.js';
import type { BpeTrainProgress } from './bpe-train.js';
import { MinHeap } from './heap.js';
import { GPT2_PATTERN, countWords, specialTokenRegExp } from './pretokenize.js';
import { bytesToKey } from './bytes-key.js';
import type { Tokenizer, TokenizerFile } from './tokenizer.js';

/** Options of {@link BpeTokenizer.train}. */
export interface BpeTrainOptions {
  /** Final vocabulary size: 256 byte tokens + merges + special tokens (fewer when no pair is left). */
  vocabSize: number;
  /** Special tokens, given the last ids (default `['<|endoftext|>']`). */
  specialTokens?: string[];
  /** Called every 256 merges with the token count so far. */
  onProgress?: (p: BpeTrainProgress) => void;
}

/** Options of {@link BpeTokenizer.encode}. */
export interface BpeEncodeOptions {
  /** Encode special-token text as its single id (default true); false treats it as plain text. */
  allowSpecial?: boolean;
}

/** Options of {@link BpeTokenizer.fromGPT2}. */
export interface BpeGPT2Options {
  /** Entries of encoder.json that are special tokens (default: `<|endoftext|>` when present). */
  specialTokens?: string[];
}

/** The JSON form of a {@link BpeTokenizer}: tokens and merges spelled in GPT-2's byte alphabet. */
export interface BpeTokenizerJSON {
  type: 'storygrad-bpe';
  version: 1;
  /** Token spelling by id (byte alphabet; special tokens as their literal text). */
  vocab: string[];
  /** Merges in rank order, "left right" as in vocab.bpe. */
  merges: string[];
  /** Special token text -> id. */
  specialTokens: Record<string, number>;
}

/** A malformed vocabulary, merge list or JSON file. */
export class BpeFormatError extends Error {
  override name = 'BpeFormatError';
}

const ENDOFTEXT = '<|endoftext|>';
const CACHE_LIMIT = 100_000;

const keyOf = bytesToKey;

/** Incremental decoding of a token stream (multi-byte characters split across tokens are kept whole). */
export interface BpeStreamDecoder {
  /** Feeds one id; returns the text it completes (possibly ''). */
  push(id: number): string;
  /** Ends the stream; an incomplete trailing character becomes U+FFFD. */
  flush(): string;
}

/** A byte-level BPE tokenizer. */
export class BpeTokenizer implements Tokenizer {
  /** Which family of tokenizer this is (see {@link Tokenizer}). */
  readonly kind = 'bpe' as const;
  private readonly tokens: Uint8Array[];
  private readonly byteIds: Int32Array;
  /** Pair key (a * vocabSize + b) -> rank. */
  private readonly ranks = new Map<number, number>();
  /** rank -> merged id. */
  private readonly mergeOut: Int32Array;
  private readonly mergeList: [number, number][];
  private readonly specials: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly specialRe: RegExp | null;
  private readonly rankConsistent: boolean;
  private readonly cache = new Map<string, number[]>();
  /** Use the reference merge loop even when the heap is exact (tests compare both). */
  private forceReference = false;

  /**
   * Builds a tokenizer from token bytes by id, merges as [left, right] ids in rank order (each
   * result must be a token whose bytes are left + right), and special tokens (text -> id).
   */
  constructor(tokens: Uint8Array[], merges: [number, number][], specialTokens: Record<string, number> = {}) {
    const n = tokens.length;
    this.tokens = tokens;
    this.specials = new Map(Object.entries(specialTokens));
    this.specialIds = new Set(this.specials.values());
    for (const [s, id] of this.specials) {
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new BpeFormatError(`special token ${JSON.stringify(s)} has invalid id ${id}`);
    }
    this.specialRe = specialTokenRegExp([...this.specials.keys()]);
    const byKey = new Map<string, number>();
    tokens.forEach((t, id) => {
      if (this.specialIds.has(id)) return;
      const k = keyOf(t);
      if (!byKey.has(k)) byKey.set(k, id);
    });
    this.byteIds = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) {
      const id = byKey.get(String.fromCharCode(b));
      if (id === undefined) throw new BpeFormatError(`the vocabulary has no token for byte 0x${b.toString(16).padStart(2, '0')}`);
      this.byteIds[b] = id;
    }
    this.mergeList = merges;
    this.mergeOut = new Int32Array(merges.length);
    const madeBy = new Int32Array(n).fill(-1);
    let consistent = true;
    const isByte = (id: number): boolean => this.tokens[id]!.length === 1 && this.byteIds[this.tokens[id]![0]!] === id;
    merges.forEach(([a, b], r) => {
      if (!(a >= 0 && a < n && b >= 0 && b < n)) throw new BpeFormatError(`merge ${r}: ids [${a}, ${b}] out of range`);
      const out = byKey.get(keyOf(tokens[a]!) + keyOf(tokens[b]!));
      if (out === undefined) throw new BpeFormatError(`merge ${r}: the vocabulary has no token for the merged pair [${a}, ${b}]`);
      this.mergeOut[r] = out;
      this.ranks.set(a * n + b, r); // a repeated pair keeps its last rank, as GPT-2's dict() does
      for (const part of [a, b]) if (!isByte(part) && (madeBy[part]! < 0 || madeBy[part]! >= r)) consistent = false;
      if (madeBy[out]! >= 0) consistent = false;
      else madeBy[out] = r;
    });
    this.rankConsistent = consistent;
  }

  /**
   * Loads GPT-2's `encoder.json` (object or its text) and `vocab.bpe` (text). `<|endoftext|>`
   * is a special token when the encoder has it.
   */
  static fromGPT2(encoderJson: Record<string, number> | string, vocabBpe: string, options: BpeGPT2Options = {}): BpeTokenizer {
    let enc: unknown;
    if (typeof encoderJson === 'string') {
      try {
        enc = JSON.parse(encoderJson);
      } catch (e) {
        throw new BpeFormatError(`encoder.json is not valid JSON: ${(e as Error).message}`);
      }
    } else enc = encoderJson;
    if (enc === null || typeof enc !== 'object' || Array.isArray(enc)) throw new BpeFormatError('encoder.json must be an object of token -> id');
    const entries = Object.entries(enc as Record<string, unknown>);
    const specialList = options.specialTokens ?? (ENDOFTEXT in (enc as object) ? [ENDOFTEXT] : []);
    const vocab: string[] = new Array(entries.length);
    for (const [tok, id] of entries) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || vocab[id as number] !== undefined) {
        throw new BpeFormatError(`encoder.json: token ${JSON.stringify(tok)} has id ${JSON.stringify(id)}; ids must be 0..${entries.length - 1}, each once`);
      }
      vocab[id as number] = tok;
    }
    const specials: Record<string, number> = {};
    for (const s of specialList) {
      if (!(s in (enc as object))) throw new BpeFormatError(`special token ${JSON.stringify(s)} is not in encoder.json`);
      specials[s] = (enc as Record<string, number>)[s]!;
    }
    const lines = vocabBpe.split('\n');
    const start = lines[0]?.startsWith('#version') ? 1 : 0;
    const merges: string[] = [];
    for (let i = start; i < lines.length; i++) {
      const line = lines[i]!.replace(/\r$/, '');
      if (line.trim() === '') continue;
      merges.push(line);
    }
    return BpeTokenizer.fromSpelling(vocab, merges, specials, start);
  }

  /** Builds from byte-alphabet spellings (shared by fromGPT2 and fromJSON). */
  private static fromSpelling(vocab: string[], merges: string[], specials: Record<string, number>, lineBase = 0): BpeTokenizer {
    const specialIds = new Set(Object.values(specials));
    const te = new TextEncoder();
    const tokens = vocab.map((s, id) => {
      if (specialIds.has(id)) return te.encode(s);
      const b = unicodeToBytes(s);
      if (!b) throw new BpeFormatError(`token ${id} ${JSON.stringify(s)} has characters outside the byte-level alphabet`);
      return b;
    });
    const ids = new Map<string, number>();
    vocab.forEach((s, id) => {
      if (!specialIds.has(id) && !ids.has(s)) ids.set(s, id);
    });
    const pairs = merges.map((line, i): [number, number] => {
      const parts = line.trim().split(/\s+/);
      const a = ids.get(parts[0]!), b = ids.get(parts[1] ?? '');
      if (parts.length !== 2 || a === undefined || b === undefined) {
        throw new BpeFormatError(`merge line ${i + 1 + lineBase} ${JSON.stringify(line)}: expected two known tokens`);
      }
      return [a, b];
    });
    return new BpeTokenizer(tokens, pairs, specials);
  }

  /**
   * Trains a vocabulary on text: a string or any iterable of string chunks (e.g. a file read in
   * pieces; chunk boundaries may fall anywhere). Words are counted in one pass, then merges are
   * learned on the counts. Ids: 0..255 the bytes, then the learned tokens in order, then the
   * special tokens. A merge whose bytes an earlier merge already made reuses that token.
   */
  static train(text: string | Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const specials = options.specialTokens ?? [ENDOFTEXT];
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length) {
      throw new RangeError(`vocabSize must be an integer >= ${256 + specials.length} (256 bytes + ${specials.length} special tokens), got ${vocabSize}`);
    }
    if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0)) {
      throw new RangeError('special tokens must be distinct non-empty strings');
    }
    const counts = countWords(typeof text === 'string' ? [text] : text, specials);
    const { tokens, merges } = learnMerges(counts, vocabSize - 256 - specials.length, options.onProgress);
    const sp: Record<string, number> = {};
    const te = new TextEncoder();
    for (const s of specials) {
      sp[s] = tokens.length;
      tokens.push(te.encode(s));
    }
    return new BpeTokenizer(tokens, merges, sp);
  }

  /** Restores a tokenizer saved with {@link toJSON} (the object or its JSON text). */
  static fromJSON(json: BpeTokenizerJSON | string): BpeTokenizer {
    let j: unknown = json;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch (e) {
        throw new BpeFormatError(`tokenizer JSON is not valid JSON: ${(e as Error).message}`);
      }
    }
    const o = j as Partial<BpeTokenizerJSON> | null;
    if (!o || o.type !== 'storygrad-bpe' || o.version !== 1) throw new BpeFormatError('not a storygrad-bpe version 1 tokenizer JSON');
    if (!Array.isArray(o.vocab) || !o.vocab.every((s) => typeof s === 'string')) throw new BpeFormatError('vocab must be an array of strings');
    if (!Array.isArray(o.merges) || !o.merges.every((s) => typeof s === 'string')) throw new BpeFormatError('merges must be an array of strings');
    const sp = o.specialTokens ?? {};
    if (typeof sp !== 'object' || Array.isArray(sp)) throw new BpeFormatError('specialTokens must be an object');
    return BpeTokenizer.fromSpelling(o.vocab, o.merges, sp);
  }

  /** Serializes to plain JSON (see {@link BpeTokenizerJSON}). */
  toJSON(): BpeTokenizerJSON {
    const td = new TextDecoder();
    const vocab = this.tokens.map((t, id) => (this.specialIds.has(id) ? td.decode(t) : bytesToUnicode(t)));
    const merges = this.mergeList.map(([a, b]) => `${vocab[a]} ${vocab[b]}`);
    return { type: 'storygrad-bpe', version: 1, vocab, merges, specialTokens: Object.fromEntries(this.specials) };
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /** Number of merges. */
  get numMerges(): number {
    return this.mergeList.length;
  }

  /** Special token text -> id. */
  get specialTokens(): Record<string, number> {
    return Object.fromEntries(this.specials);
  }

  /** The id of `<|endoftext|>` (undefined when it is not a special token here). */
  get endOfTextId(): number | undefined {
    return this.specials.get(ENDOFTEXT);
  }

  /** Beginning-of-sequence id: `<|endoftext|>` (GPT-2 uses one id for both), or undefined. */
  get bosId(): number | undefined {
    return this.endOfTextId;
  }

  /** End-of-sequence id: `<|endoftext|>`, or undefined. */
  get eosId(): number | undefined {
    return this.endOfTextId;
  }

  /** The file to save beside a checkpoint: `tokenizer.json` ({@link toJSON} as UTF-8 JSON). */
  toFile(): TokenizerFile {
    return { name: 'tokenizer.json', bytes: new TextEncoder().encode(JSON.stringify(this.toJSON())) };
  }

  /** A token's bytes. */
  tokenBytes(id: number): Uint8Array {
    this.check(id);
    return this.tokens[id]!.slice();
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
      throw new RangeError(`token id ${id} is out of range for this vocabulary (0..${this.tokens.length - 1})`);
    }
  }

  /** Encodes text to ids. Special-token text becomes its id unless `allowSpecial` is false. */
  encode(text: string, options: BpeEncodeOptions = {}): number[] {
    const out: number[] = [];
    const allowSpecial = options.allowSpecial ?? true;
    if (allowSpecial && this.specialRe) {
      let last = 0;
      for (const m of text.matchAll(this.specialRe)) {
        this.encodeOrdinary(text.slice(last, m.index), out);
        out.push(this.specials.get(m[0])!);
        last = m.index + m[0].length;
      }
      this.encodeOrdinary(text.slice(last), out);
    } else this.encodeOrdinary(text, out);
    return out;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (!text) return;
    const te = new TextEncoder();
    for (const m of text.matchAll(GPT2_PATTERN)) {
      const w = m[0];
      let ids = this.cache.get(w);
      if (!ids) {
        ids = this.bpeWord(te.encode(w));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(w, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  private rankOf(a: number, b: number): number {
    return this.ranks.get(a * this.tokens.length + b) ?? -1;
  }

  /** Merges one word's bytes. */
  private bpeWord(bytes: Uint8Array): number[] {
    const ids: number[] = Array.from(bytes, (b) => this.byteIds[b]!);
    if (ids.length < 2) return ids;
    return this.rankConsistent && !this.forceReference ? this.mergeHeap(ids) : this.mergeReference(ids);
  }

  /** Lowest (rank, position) first over a linked list; O(n log n). */
  private mergeHeap(ids: number[]): number[] {
    const n = ids.length;
    const next = new Int32Array(n), prev = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
    }
    const dead = new Uint8Array(n);
    const heap = new MinHeap();
    const consider = (p: number): void => {
      const q = next[p]!;
      if (q < 0) return;
      const r = this.rankOf(ids[p]!, ids[q]!);
      if (r >= 0) heap.push(r, p);
    };
    for (let k = 0; k + 1 < n; k++) consider(k);
    while (heap.size > 0) {
      const r = heap.peekKey()!, p = heap.peekVal()!;
      heap.pop();
      const q = next[p]!;
      if (dead[p] || q < 0 || this.rankOf(ids[p]!, ids[q]!) !== r) continue; // stale
      ids[p] = this.mergeOut[r]!;
      dead[q] = 1;
      next[p] = next[q]!;
      if (next[q]! >= 0) prev[next[q]!] = p;
      if (prev[p]! >= 0) consider(prev[p]!);
      consider(p);
    }
    const out: number[] = [];
    for (let k = 0; k >= 0; k = next[k]!) out.push(ids[k]!);
    return out;
  }

  /** GPT-2's loop: merge all occurrences of the lowest-ranked pair, left to right; repeat. */
  private mergeReference(word: number[]): number[] {
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.rankOf(word[i]!, word[i + 1]!);
        if (r >= 0 && (best < 0 || r < best)) best = r;
      }
      if (best < 0) return word;
      const [a, b] = this.mergeList[best]!;
      const out: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          out.push(this.mergeOut[best]!);
          i++;
        } else out.push(word[i]!);
      }
      word = out;
    }
  }

  /** The bytes of a sequence of ids (unknown ids throw a RangeError naming the id). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let total = 0;
    for (let k = 0; k < ids.length; k++) {
      this.check(ids[k]!);
      total += this.tokens[ids[k]!]!.length;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (let k = 0; k < ids.length; k++) {
      const t = this.tokens[ids[k]!]!;
      out.set(t, o);
      o += t.length;
    }
    return out;
  }

  /**
   * Decodes ids to text (special tokens as their text). Invalid UTF-8 (e.g. a multi-byte
   * character cut between tokens) becomes U+FFFD. An id outside the vocabulary throws a
   * RangeError naming it.
   */
  decode(ids: ArrayLike<number>): string {
    return new TextDecoder().decode(this.decodeBytes(ids));
  }

  /** A decoder for streamed generation: feed ids one at a time, get text as soon as it is complete. */
  streamDecoder(): BpeStreamDecoder {
    const td = new TextDecoder();
    return {
      push: (id: number): string => td.decode(this.decodeBytes([id]), { stream: true }),
      flush: (): string => td.decode(),
    };
  }
}
