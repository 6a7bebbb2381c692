/**
 * Splitting text into documents (stories), streamed from a file of any size or from a string.
 *
 * Two ways to split:
 * - `'eot'`: on the separator `<|endoftext|>` wherever it appears (own line or not);
 * - `'blank'`: on blank lines (lines empty or only spaces/tabs), i.e. one document per paragraph
 *   block;
 * - `'auto'` picks `'eot'` when the separator occurs in the first MiB, else `'blank'`.
 *
 * Every document has CRLF turned into LF and leading/trailing ASCII whitespace (space, tab, CR,
 * LF, VT, FF) trimmed; empty documents are skipped. The result does not depend on how the input
 * is chunked: a separator, a CRLF or a multi-byte character split across chunks is handled (the
 * property tests read with 1..64-byte chunks). A document longer than `maxDocumentChars` (default
 * 2^25) is an error, not an out-of-memory crash: it usually means the split mode is wrong.
 */
import { Utf8ChunkDecoder } from './utf8.js';

/** The document separator of the TinyStories text files (and GPT-2's end-of-text token). */
export const END_OF_TEXT = '<|endoftext|>';
/** How documents are delimited. */
export type SplitMode = 'eot' | 'blank' | 'auto';
/** A resolved split mode. */
export type ResolvedSplit = 'eot' | 'blank';

const DEFAULT_MAX_DOC = 1 << 25;
const DETECT_BYTES = 1 << 20;

/** A document too long, a bad option, or unreadable input. */
export class DocumentError extends Error {
  override name = 'DocumentError';
}

/** `'eot'` if `sample` (the start of a text) contains {@link END_OF_TEXT}, else `'blank'`. */
export function detectSplit(sample: string): ResolvedSplit {
  return sample.includes(END_OF_TEXT) ? 'eot' : 'blank';
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** CRLF -> LF and trim ASCII whitespace at both ends (a linear scan, no backtracking regex). */
export function normalizeDocument(doc: string): string {
  let a = 0, b = doc.length;
  while (a < b && isAsciiSpace(doc.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(doc.charCodeAt(b - 1))) b--;
  const s = a === 0 && b === doc.length ? doc : doc.slice(a, b);
  return s.includes('\r\n') ? s.replace(/\r\n/g, '\n') : s;
}

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Options of {@link DocumentSplitter}. */
export interface SplitterOptions {
  /** Longest document accepted, in UTF-16 code units (default 2^25). */
  maxDocumentChars?: number;
}

/**
 * Incremental splitter: feed text in any pieces with {@link push}, then call {@link end}; each
 * returns the documents completed so far. The sync and streaming readers are built on it.
 */
export class DocumentSplitter {
  /** eot: text after the last separator. blank: the current partial line. */
  private pending = '';
  /** blank: the lines of the current document. */
  private lines: string[] = [];
  private lineChars = 0;
  private emitted = 0;
  private readonly maxChars: number;

  constructor(readonly mode: ResolvedSplit, options: SplitterOptions = {}) {
    if (mode !== 'eot' && mode !== 'blank') throw new DocumentError(`split mode must be 'eot' or 'blank' here, got '${String(mode)}'`);
    this.maxChars = options.maxDocumentChars ?? DEFAULT_MAX_DOC;
    if (!Number.isSafeInteger(this.maxChars) || this.maxChars < 1) {
      throw new DocumentError(`maxDocumentChars must be a positive integer, got ${options.maxDocumentChars}`);
    }
  }

  private emit(raw: string, out: string[]): void {
    const doc = normalizeDocument(raw);
    if (doc.length === 0) return;
    out.push(doc);
    this.emitted++;
  }

  private tooLong(chars: number): DocumentError {
    return new DocumentError(
      `document ${this.emitted} (0-based) is longer than maxDocumentChars = ${this.maxChars} (${chars} characters so far) with split '${this.mode}'; ` +
        (this.mode === 'eot' ? `is ${END_OF_TEXT} really the separator? try split 'blank'` : 'are stories separated by blank lines? try split \'eot\''),
    );
  }

  /** Documents returned so far (empty ones are skipped, not counted). */
  get documentCount(): number {
    return this.emitted;
  }

  /** Adds text; returns the documents it completes. */
  push(text: string): string[] {
    const out: string[] = [];
    if (text.length === 0) return out;
    if (this.mode === 'eot') {
      const buf = this.pending + text;
      // The separator may straddle the previous piece: search from just before the new text.
      let from = Math.max(0, this.pending.length - (END_OF_TEXT.length - 1));
      let start = 0;
      for (;;) {
        const i = buf.indexOf(END_OF_TEXT, Math.max(start, from));
        if (i < 0) break;
        this.emit(buf.slice(start, i), out);
        start = from = i + END_OF_TEXT.length;
      }
      this.pending = buf.slice(start);
      if (this.pending.length > this.maxChars) throw this.tooLong(this.pending.length);
    } else {
      const buf = this.pending + text;
      const last = buf.lastIndexOf('\n');
      if (last < 0) {
        this.pending = buf;
      } else {
        const complete = buf.slice(0, last).split('\n');
        this.pending = buf.slice(last + 1);
        for (const line of complete) this.addLine(line, out);
      }
      if (this.lineChars + this.pending.length > this.maxChars) throw this.tooLong(this.lineChars + this.pending.length);
    }
    return out;
  }

  private addLine(line: string, out: string[]): void {
    if (isBlankLine(line)) {
      this.flushLines(out);
      return;
    }
    this.lines.push(line);
    this.lineChars += line.length + 1;
    if (this.lineChars > this.maxChars) throw this.tooLong(this.lineChars);
  }

  private flushLines(out: string[]): void {
    if (this.lines.length === 0) return;
    // Lines keep a trailing CR of CRLF endings; joining with LF and normalizing removes them.
    this.emit(this.lines.join('\n'), out);
    this.lines = [];
    this.lineChars = 0;
  }

  /** Ends the input; returns the last document(s). */
  end(): string[] {
    const out: string[] = [];
    const rest = this.pending;
    this.pending = '';
    if (this.mode === 'eot') this.emit(rest, out);
    else {
      if (rest.length) this.addLine(rest, out);
      this.flushLines(out);
    }
    return out;
  }
}

/** Options of {@link splitDocuments}. */
export interface SplitDocumentsOptions extends SplitterOptions {
  /** How documents are delimited (default 'auto'). */
  split?: SplitMode;
}

function resolveSplit(split: SplitMode | undefined, sample: () => string): ResolvedSplit {
  const s = split ?? 'auto';
  if (s === 'auto') return detectSplit(sample());
  if (s !== 'eot' && s !== 'blank') throw new DocumentError(`split must be 'eot', 'blank' or 'auto', got '${String(s)}'`);
  return s;
}

/** Splits an in-memory text into documents (the same result as streaming it from a file). */
export function splitDocuments(text: string, options: SplitDocumentsOptions = {}): string[] {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const mode = resolveSplit(options.split, () => text.slice(start, start + DETECT_BYTES));
  const sp = new DocumentSplitter(mode, options);
  const docs = sp.push(start ? text.slice(start) : text);
  for (const d of sp.end()) docs.push(d);
  return docs;
}

/** Options of {@link readDocumentBatches} and {@link readDocuments}. */
export interface ReadDocumentsOptions extends SplitDocumentsOptions {
  /** Bytes read per chunk (default 1 MiB); each chunk gives at most one batch. */
  chunkSize?: number;
  /** 'error' (default): invalid UTF-8 throws naming its byte offset; 'replace': U+FFFD. */
  invalidUtf8?: 'error' | 'replace';
  /** Stops reading (the generator throws the signal's reason). */
  signal?: AbortSignal;
}

/** The documents completed by one chunk of a file. */
export interface DocumentBatch {
  /** The documents, in file order. */
  docs: string[];
  /** Index (0-based, in file order) of `docs[0]`. */
  firstDoc: number;
  /** Bytes of the file read so far. */
  bytesRead: number;
  /** Size of the file when it was opened. */
  totalBytes: number;
  /** The split mode in use. */
  split: ResolvedSplit;
}

/** Reads the start of a file and decides the split mode ('eot' if the separator is in the first MiB). */
export async function detectSplitInFile(path: string): Promise<ResolvedSplit> {
  const fs = await import('node:fs/promises');
  const h = await fs.open(path, 'r');
  try {
    const buf = new Uint8Array(DETECT_BYTES);
    const { bytesRead } = await h.read(buf, 0, DETECT_BYTES, 0);
    return detectSplit(new TextDecoder().decode(buf.subarray(0, bytesRead)));
  } finally {
    await h.close();
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DocumentError('aborted');
}

/**
 * Streams a text file as batches of documents, one batch per chunk that completes at least one
 * document (a natural unit of work to hand to a tokenizer worker). Memory stays bounded by the
 * chunk size and the longest document. Node and Deno.
 */
export async function* readDocumentBatches(path: string, options: ReadDocumentsOptions = {}): AsyncGenerator<DocumentBatch> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new DocumentError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
  let fs: typeof import('node:fs/promises');
  try {
    fs = await import('node:fs/promises');
  } catch {
    throw new DocumentError('readDocuments needs node:fs (Node or Deno); in a browser, use splitDocuments on a string');
  }
  const split = options.split === 'auto' || options.split === undefined ? await detectSplitInFile(path) : resolveSplit(options.split, () => '');
  const h = await fs.open(path, 'r');
  try {
    const { size: totalBytes } = await h.stat();
    const splitter = new DocumentSplitter(split, options);
    const decoder = new Utf8ChunkDecoder({ invalid: options.invalidUtf8 ?? 'error', source: path });
    const buf = new Uint8Array(chunkSize);
    let bytesRead = 0;
    let first = true;
    let emitted = 0;
    for (;;) {
      checkAborted(options.signal);
      const { bytesRead: n } = await h.read(buf, 0, chunkSize, bytesRead);
      let text = n > 0 ? decoder.decode(buf.subarray(0, n)) : decoder.end();
      bytesRead += n;
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM at the very start of the file
        first = false;
      }
      let docs: string[];
      try {
        docs = splitter.push(text);
        if (n === 0) for (const d of splitter.end()) docs.push(d);
      } catch (e) {
        if (e instanceof DocumentError) throw new DocumentError(`${path}: ${e.message} (at byte offset ${bytesRead})`);
        throw e;
      }
      if (docs.length > 0) {
        yield { docs, firstDoc: emitted, bytesRead, totalBytes, split };
        emitted += docs.length;
      }
      if (n === 0) return;
    }
  } finally {
    await h.close();
  }
}

/** Streams a text file document by document (see {@link readDocumentBatches}). */
export async function* readDocuments(path: string, options: ReadDocumentsOptions = {}): AsyncGenerator<string> {
  for await (const batch of readDocumentBatches(path, options)) yield* batch.docs;
}
