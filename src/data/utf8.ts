/**
 * UTF-8 decoding of a byte stream in arbitrary chunks, with exact file offsets in errors.
 *
 * Each chunk is cut after its last complete character; the incomplete tail (at most 3 bytes) is
 * carried into the next chunk. This is what `TextDecoder({ stream: true })` does internally, but
 * because we know where every decoded piece starts, invalid input is reported at its byte
 * offset (found by {@link firstInvalidUtf8}) instead of decoding to U+FFFD silently. The decoder
 * keeps a byte order mark as U+FEFF (a BOM in the middle of a file is text); callers strip it
 * at the start of a file themselves.
 */

/** Invalid UTF-8 in a byte stream. */
export class Utf8Error extends Error {
  override name = 'Utf8Error';
  /** Byte offset (in the whole stream) of the first invalid byte. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Expected sequence length from a lead byte (0 for a continuation or invalid lead byte). */
function seqLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/**
 * Length of the prefix of `bytes` that does not end inside a character: an incomplete but so far
 * plausible sequence at the end (at most 3 bytes) is left out; everything else, invalid bytes
 * included, stays in the prefix for the decoder to judge.
 */
export function completePrefixLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const len = seqLength(b);
    return len > back ? n - back : n;
  }
  return n;
}

/**
 * Index of the first byte of the first invalid UTF-8 sequence in `bytes` (the WHATWG decoder's
 * rules: no overlong forms, no surrogates, nothing above U+10FFFF), or -1 if all is valid.
 * A sequence cut off by the end of `bytes` counts as invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    const len = seqLength(b);
    if (len === 0) return i;
    if (len === 1) {
      i++;
      continue;
    }
    if (i + len > n) return i;
    const b1 = bytes[i + 1]!;
    let lo = 0x80, hi = 0xbf;
    if (b === 0xe0) lo = 0xa0;
    else if (b === 0xed) hi = 0x9f;
    else if (b === 0xf0) lo = 0x90;
    else if (b === 0xf4) hi = 0x8f;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Options of {@link Utf8ChunkDecoder}. */
export interface Utf8DecoderOptions {
  /** 'error' (default): invalid UTF-8 throws a {@link Utf8Error} at its offset; 'replace': U+FFFD. */
  invalid?: 'error' | 'replace';
  /** Names the source in error messages (e.g. a file path). */
  source?: string;
}

/** Decodes a byte stream chunk by chunk; characters split across chunks are kept whole. */
export class Utf8ChunkDecoder {
  private carry: Uint8Array = new Uint8Array(0);
  /** Bytes consumed so far (carried bytes included). */
  private offset = 0;
  private readonly fatal: boolean;
  private readonly decoder: TextDecoder;
  private readonly source: string;

  constructor(options: Utf8DecoderOptions = {}) {
    this.fatal = (options.invalid ?? 'error') === 'error';
    this.decoder = new TextDecoder('utf-8', { fatal: this.fatal, ignoreBOM: true });
    this.source = options.source ?? 'input';
  }

  /** Total bytes fed so far. */
  get bytesConsumed(): number {
    return this.offset;
  }

  /** Decodes the complete characters of `carry + chunk`; keeps an incomplete tail for later. */
  decode(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.carry.length) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry);
      bytes.set(chunk, this.carry.length);
    }
    const start = this.offset - this.carry.length;
    this.offset += chunk.length;
    const cut = completePrefixLength(bytes);
    this.carry = bytes.slice(cut);
    return this.decodePiece(bytes.subarray(0, cut), start);
  }

  /** Ends the stream: an incomplete character left over is an error (or U+FFFD). */
  end(): string {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    if (rest.length === 0) return '';
    return this.decodePiece(rest, this.offset - rest.length, true);
  }

  private decodePiece(piece: Uint8Array, start: number, atEnd = false): string {
    if (piece.length === 0) return '';
    try {
      return this.decoder.decode(piece);
    } catch {
      const at = firstInvalidUtf8(piece);
      const offset = start + Math.max(at, 0);
      const shown = Array.from(piece.subarray(Math.max(at, 0), Math.max(at, 0) + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new Utf8Error(
        atEnd
          ? `${this.source}: truncated UTF-8 character at the end, byte offset ${offset} (bytes ${shown})`
          : `${this.source}: invalid UTF-8 at byte offset ${offset} (bytes ${shown}); is this a text file? (use invalidUtf8: 'replace' to decode such bytes as U+FFFD)`,
        offset,
      );
    }
  }
}
