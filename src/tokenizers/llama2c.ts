/**
 * The llama2.c tokenizer (`tokenizer.bin`, `tok512.bin`): a SentencePiece-style vocabulary with
 * one float32 merge score per token, encoded exactly as llama2.c's `encode()` does:
 *
 * 1. BOS (id 1) when asked; then, for non-empty text, the token for a single space (the
 *    "dummy prefix");
 * 2. the UTF-8 bytes grouped into code points (a lead byte plus up to three continuation bytes),
 *    each looked up as a token, falling back to one `<0xXX>` token per byte (id byte + 3);
 * 3. repeatedly, the adjacent pair whose concatenation is a token with the highest score (the
 *    leftmost among equals, and only scores above -1e10) is replaced by that token;
 * 4. EOS (id 2) when asked.
 *
 * Step 3 uses a doubly linked list and a heap of candidate pairs (stale entries skipped on pop),
 * so encoding is O(n log n) instead of llama2.c's O(n²) rescans, with the same result.
 *
 * File format: int32 max_token_length, then per token: float32 score, int32 byte length, bytes
 * (all little-endian). The vocabulary size is not stored: by default tokens are read to the end.
 */
import { MinHeap } from './heap.js';
import { bytesToKey } from './bytes-key.js';
import type { Tokenizer, TokenizerFile } from './tokenizer.js';

/** Options of {@link Llama2cTokenizer.fromBytes}. */
export interface Llama2cLoadOptions {
  /** Read exactly this many tokens (as llama2.c does, from the checkpoint); default: to the end. */
  vocabSize?: number;
}

/** Options of {@link Llama2cTokenizer.encode}. */
export interface Llama2cEncodeOptions {
  /** Prepend BOS (id 1). Default true. */
  bos?: boolean;
  /** Append EOS (id 2). Default false. */
  eos?: boolean;
}

/** A malformed tokenizer file. */
export class TokenizerFormatError extends Error {
  override name = 'TokenizerFormatError';
}

/** Scores at or below this are never merged (llama2.c starts its best-score search here). */
const MIN_MERGE_SCORE = -1e10;
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;


/** Incremental decoding of a token stream to text (multi-byte characters split across tokens are kept whole). */
export interface Llama2cStreamDecoder {
  /** Feeds one token id; returns the text it completes (possibly ''). */
  push(id: number): string;
  /** Ends the stream; returns any buffered incomplete character as U+FFFD. */
  flush(): string;
}

/** The llama2.c tokenizer. Construct with {@link Llama2cTokenizer.fromBytes}. */
export class Llama2cTokenizer implements Tokenizer {
  /** Which family of tokenizer this is (see {@link Tokenizer}). */
  readonly kind = 'llama2c' as const;
  /** Beginning-of-sequence id. */
  readonly bosId = 1;
  /** End-of-sequence id. */
  readonly eosId = 2;
  /** The file's max_token_length field. */
  readonly maxTokenLength: number;
  private readonly pieces: Uint8Array[];
  /** Decoded bytes per id: byte tokens become their single byte. */
  private readonly outBytes: Uint8Array[];
  private readonly scores: Float32Array;
  private readonly keys: string[];
  private readonly lookup: Map<string, number>;

  private constructor(maxTokenLength: number, pieces: Uint8Array[], scores: Float32Array) {
    this.maxTokenLength = maxTokenLength;
    this.pieces = pieces;
    this.scores = scores;
    this.keys = pieces.map(bytesToKey);
    this.lookup = new Map();
    // On duplicate strings the first id wins.
    this.keys.forEach((k, id) => {
      if (!this.lookup.has(k)) this.lookup.set(k, id);
    });
    this.outBytes = this.keys.map((k, id) => {
      const m = BYTE_TOKEN.exec(k);
      return m ? Uint8Array.of(parseInt(m[1]!, 16)) : pieces[id]!;
    });
  }

  /**
   * Parses a llama2.c tokenizer file. A truncated or malformed file throws a
   * {@link TokenizerFormatError} naming the byte offset where it breaks.
   */
  static fromBytes(bytes: Uint8Array, options: Llama2cLoadOptions = {}): Llama2cTokenizer {
    if (!(bytes instanceof Uint8Array)) throw new TokenizerFormatError('Llama2cTokenizer.fromBytes expects a Uint8Array');
    const want = options.vocabSize;
    if (want !== undefined && !(Number.isSafeInteger(want) && want > 0)) {
      throw new TokenizerFormatError(`vocabSize must be a positive integer, got ${want}`);
    }
    if (bytes.length < 4) {
      throw new TokenizerFormatError(`truncated tokenizer file at byte offset 0: ${bytes.length} bytes, need 4 for max_token_length`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const maxTokenLength = dv.getInt32(0, true);
    if (maxTokenLength <= 0) throw new TokenizerFormatError(`invalid max_token_length ${maxTokenLength} at byte offset 0`);
    const pieces: Uint8Array[] = [];
    const scores: number[] = [];
    let o = 4;
    while (want === undefined ? o < bytes.length : pieces.length < want) {
      const i = pieces.length;
      if (bytes.length - o < 8) {
        throw new TokenizerFormatError(
          `truncated tokenizer file at byte offset ${o}: token ${i} needs 8 bytes (score, length), ${bytes.length - o} left`,
        );
      }
      const score = dv.getFloat32(o, true);
      const len = dv.getInt32(o + 4, true);
      if (len < 0) throw new TokenizerFormatError(`token ${i} at byte offset ${o + 4}: negative length ${len}`);
      if (bytes.length - (o + 8) < len) {
        throw new TokenizerFormatError(
          `truncated tokenizer file at byte offset ${o + 8}: token ${i} declares ${len} bytes, ${bytes.length - o - 8} left`,
        );
      }
      pieces.push(bytes.slice(o + 8, o + 8 + len));
      scores.push(score);
      o += 8 + len;
    }
    if (pieces.length === 0) throw new TokenizerFormatError('tokenizer file has no tokens');
    return new Llama2cTokenizer(maxTokenLength, pieces, Float32Array.from(scores));
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The merge score of a token. */
  score(id: number): number {
    this.check(id);
    return this.scores[id]!;
  }

  /** The token's stored bytes (a byte token is its `<0xXX>` text). */
  pieceBytes(id: number): Uint8Array {
    this.check(id);
    return this.pieces[id]!.slice();
  }

  /** The token's stored text (UTF-8, invalid bytes as U+FFFD). */
  piece(id: number): string {
    return new TextDecoder().decode(this.pieceBytes(id));
  }

  /** The id of a token given its exact text, or undefined. */
  tokenId(piece: string): number | undefined {
    return this.lookup.get(bytesToKey(new TextEncoder().encode(piece)));
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) {
      throw new RangeError(`token id ${id} is out of range for this vocabulary (0..${this.pieces.length - 1})`);
    }
  }

  /** Encodes text to token ids exactly as llama2.c does (BOS by default, no EOS). */
  encode(text: string, options: Llama2cEncodeOptions = {}): number[] {
    const { bos = true, eos = false } = options;
    const bytes = new TextEncoder().encode(text);
    const toks: number[] = [];
    if (bos) toks.push(this.bosId);
    if (bytes.length > 0) {
      const space = this.lookup.get(' ');
      if (space === undefined) throw new Error('this vocabulary has no " " token, needed as the dummy prefix');
      toks.push(space);
    }
    // Code points: a lead byte and up to three continuation bytes, as llama2.c groups them.
    let i = 0;
    while (i < bytes.length) {
      let j = i + 1;
      while (j < bytes.length && (bytes[j]! & 0xc0) === 0x80 && j - i < 4) j++;
      let key = '';
      for (let k = i; k < j; k++) key += String.fromCharCode(bytes[k]!);
      const id = this.lookup.get(key);
      if (id !== undefined) toks.push(id);
      else {
        for (let k = i; k < j; k++) {
          const b = bytes[k]! + 3;
          if (b >= this.pieces.length) throw new Error(`byte fallback token ${b} is missing from this ${this.pieces.length}-token vocabulary`);
          toks.push(b);
        }
      }
      i = j;
    }
    const out = this.merge(toks);
    if (eos) out.push(this.eosId);
    return out;
  }

  /** The score-ordered merge loop over a linked list with a heap of candidate pairs. */
  private merge(toks: number[]): number[] {
    const n = toks.length;
    if (n < 2) return toks;
    const id = Int32Array.from(toks);
    const next = new Int32Array(n), prev = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
    }
    const dead = new Uint8Array(n);
    const heap = new MinHeap();
    const pairId = (p: number): number => {
      const q = next[p]!;
      if (q < 0) return -1;
      const m = this.lookup.get(this.keys[id[p]!]! + this.keys[id[q]!]!);
      return m !== undefined && this.scores[m]! > MIN_MERGE_SCORE ? m : -1;
    };
    const consider = (p: number): void => {
      const m = pairId(p);
      if (m >= 0) heap.push(-this.scores[m]!, p); // max score first, then leftmost position
    };
    for (let k = 0; k + 1 < n; k++) consider(k);
    while (heap.size > 0) {
      const key = heap.peekKey()!, p = heap.peekVal()!;
      heap.pop();
      if (dead[p]) continue;
      const m = pairId(p);
      if (m < 0 || -this.scores[m]! !== key) continue; // stale entry
      const q = next[p]!;
      id[p] = m;
      dead[q] = 1;
      next[p] = next[q]!;
      if (next[q]! >= 0) prev[next[q]!] = p;
      if (prev[p]! >= 0) consider(prev[p]!);
      consider(p);
    }
    const out: number[] = [];
    for (let k = 0; k >= 0; k = next[k]!) out.push(id[k]!);
    return out;
  }

  /**
   * The bytes a token contributes after `prev` (llama2.c's decode): a leading space is dropped
   * after BOS, `<0xXX>` becomes the raw byte, BOS/EOS contribute nothing.
   */
  decodeTokenBytes(prev: number, id: number): Uint8Array {
    this.check(id);
    if (id === this.bosId || id === this.eosId) return new Uint8Array(0);
    const b = this.outBytes[id]!;
    const isByteToken = b !== this.pieces[id];
    return !isByteToken && prev === this.bosId && b[0] === 0x20 ? b.subarray(1) : b;
  }

  /** {@link decodeTokenBytes} as text (an incomplete UTF-8 sequence becomes U+FFFD). */
  decodeToken(prev: number, id: number): string {
    return new TextDecoder().decode(this.decodeTokenBytes(prev, id));
  }

  /**
   * Decodes ids to text: each token's bytes as {@link decodeTokenBytes} (prev is the previous id
   * in the list), concatenated, then UTF-8 decoded with U+FFFD for invalid sequences.
   * An id outside the vocabulary throws a RangeError naming it.
   */
  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let k = 0; k < ids.length; k++) {
      const b = this.decodeTokenBytes(k > 0 ? ids[k - 1]! : -1, ids[k]!);
      parts.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return new TextDecoder().decode(all);
  }

  /** A decoder for streamed generation: feed ids one at a time, get text as soon as it is complete. */
  streamDecoder(): Llama2cStreamDecoder {
    const td = new TextDecoder();
    let prev = -1;
    return {
      push: (id: number): string => {
        const s = td.decode(this.decodeTokenBytes(prev, id), { stream: true });
        prev = id;
        return s;
      },
      flush: (): string => td.decode(),
    };
  }

  /** The tokenizer in llama2.c's file format (parses back to an identical tokenizer). */
  toBytes(): Uint8Array {
    let total = 4;
    for (const p of this.pieces) total += 8 + p.length;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setInt32(0, this.maxTokenLength, true);
    let o = 4;
    this.pieces.forEach((p, id) => {
      dv.setFloat32(o, this.scores[id]!, true);
      dv.setInt32(o + 4, p.length, true);
      out.set(p, o + 8);
      o += 8 + p.length;
    });
    return out;
  }

  /** The file to save beside a checkpoint: `tokenizer.bin` in llama2.c's format. */
  toFile(): TokenizerFile {
    return { name: 'tokenizer.bin', bytes: this.toBytes() };
  }
}
