/**
 * Text file -> token shard. The file is streamed as batches of documents (one per ~1 MiB chunk,
 * see documents.ts); each batch is encoded to a typed array by {@link encodeDocuments} with the
 * separator id (llama2.c style BOS) before every document, and appended to a {@link ShardWriter}
 * that writes a temporary file and renames it over the target at the end. Memory stays bounded by
 * the chunk size whatever the size of the text (the full TinyStories train split is 1.9 GB).
 *
 * Parallelism seam: a batch is plain data (`string[]` in, ids out), so `encodeBatch` may send it
 * to a worker and return a promise; with `concurrency` > 1 that many batches are in flight at
 * once and their ids are still written in file order. The default encodes on the calling thread
 * (a generic tokenizer object cannot be rebuilt inside a worker, so no worker pool is built in).
 */
import { DocumentError, detectSplitInFile, readDocumentBatches } from './documents.js';
import type { ReadDocumentsOptions, ResolvedSplit } from './documents.js';
import { ShardFormatError, shardDTypeFor } from './shard.js';
import type { ShardDType, ShardHeader, TokenArray } from './shard.js';
import { ShardWriter } from './shard-file.js';
import { TokenBuffer } from './token-buffer.js';

/**
 * The options {@link tokenizeToShard} passes to `encode`: no BOS, no EOS (it inserts the
 * separator itself). `allowSpecial` is never set; it is declared so that BpeTokenizer's options
 * type is compatible.
 */
export interface EncodeSpecials {
  bos?: boolean;
  eos?: boolean;
  allowSpecial?: boolean;
}

/** What the data layer needs of a tokenizer; Llama2cTokenizer and BpeTokenizer both fit. */
export interface TextTokenizer {
  /** Every id is below this. */
  readonly vocabSize: number;
  /**
   * The ids of a text, without BOS/EOS. Called as `encode(text, { bos: false, eos: false })`;
   * a tokenizer that ignores the second argument must not add special tokens itself (checked:
   * `encode('')` must return []).
   */
  encode(text: string, options?: EncodeSpecials): number[];
}

const NO_SPECIALS: EncodeSpecials = Object.freeze({ bos: false, eos: false });

/** Options of {@link encodeDocuments}. */
export interface EncodeDocumentsOptions {
  /** Id inserted before each document (e.g. BOS = 1 for llama2.c vocabularies), or null for none. */
  docSeparatorId: number | null;
  /** Storage type of the result (default from the vocabulary size). */
  dtype?: ShardDType;
  /** Index of `docs[0]` in the whole file, for error messages. */
  firstDoc?: number;
}

function checkSeparator(tokenizer: TextTokenizer, docSeparatorId: number | null): void {
  const V = tokenizer.vocabSize;
  if (!Number.isSafeInteger(V) || V < 1 || V >= 2 ** 32) throw new ShardFormatError(`tokenizer.vocabSize must be an integer in [1, 2^32 - 1], got ${V}`);
  if (docSeparatorId === undefined) {
    throw new TypeError('docSeparatorId is required: the id put before each document (1 = BOS for llama2.c vocabularies), or null for none');
  }
  if (docSeparatorId !== null && !(Number.isInteger(docSeparatorId) && docSeparatorId >= 0 && docSeparatorId < V)) {
    throw new RangeError(`docSeparatorId ${docSeparatorId} is not an id of this ${V}-token vocabulary`);
  }
}

/**
 * Checks that the tokenizer and separator make sense together: vocabSize is valid, the separator
 * is in the vocabulary, and `encode('')` adds no special tokens (else every document would get
 * a second BOS).
 */
export function checkTokenizer(tokenizer: TextTokenizer, docSeparatorId: number | null): void {
  checkSeparator(tokenizer, docSeparatorId);
  const empty = tokenizer.encode('', NO_SPECIALS);
  if (!Array.isArray(empty) || empty.length !== 0) {
    throw new TypeError(
      `tokenizer.encode('', { bos: false, eos: false }) returned ${JSON.stringify(empty)}, expected []: ` +
        'the data layer inserts docSeparatorId itself, so encode must not add BOS/EOS',
    );
  }
}

/**
 * Encodes documents to one typed array: for each document, the separator (if any) then its ids.
 * Pure and synchronous (the unit of work a worker would run). Ids outside the vocabulary throw,
 * naming the document.
 */
export function encodeDocuments(docs: readonly string[], tokenizer: TextTokenizer, options: EncodeDocumentsOptions): TokenArray {
  const { docSeparatorId, firstDoc = 0 } = options;
  checkSeparator(tokenizer, docSeparatorId);
  const V = tokenizer.vocabSize;
  const dtype = options.dtype ?? shardDTypeFor(V);
  let chars = 0;
  for (const d of docs) chars += d.length;
  const out = new TokenBuffer(dtype, chars / 2 + docs.length + 16);
  for (let k = 0; k < docs.length; k++) {
    const ids = tokenizer.encode(docs[k]!, NO_SPECIALS);
    for (let i = 0; i < ids.length; i++) {
      const t = ids[i]!;
      if (!(Number.isInteger(t) && t >= 0 && t < V)) {
        throw new ShardFormatError(`tokenizer returned ${t} at position ${i} of document ${firstDoc + k} (0-based), not an id in [0, ${V})`);
      }
    }
    if (docSeparatorId !== null) out.push(docSeparatorId);
    out.pushAll(ids);
  }
  return out.toArray();
}

/** Progress of {@link tokenizeToShard}, reported after each batch. */
export interface TokenizeProgress {
  /** Bytes of the text read so far. */
  bytesRead: number;
  /** Size of the text file. */
  totalBytes: number;
  /** Documents written so far. */
  documents: number;
  /** Ids written so far (separators included). */
  tokens: number;
  elapsedMs: number;
  /** Throughput so far, in MB (10^6 bytes) of text per second. */
  mbPerSec: number;
  /** True on the last report. */
  done: boolean;
}

/** Options of {@link tokenizeToShard}. */
export interface TokenizeToShardOptions extends ReadDocumentsOptions {
  /** Id inserted before each document (e.g. 1 = BOS for llama2.c vocabularies), or null. Required. */
  docSeparatorId: number | null;
  /** Called after each batch and once at the end. */
  onProgress?: (p: TokenizeProgress) => void;
  /** Stored in the shard header (see cachedShard); default 0. */
  tokenizerHash?: number;
  /**
   * Encodes one batch (default: {@link encodeDocuments} on this thread). The seam for workers:
   * return a promise, and set `concurrency`.
   */
  encodeBatch?: (docs: string[], firstDoc: number) => TokenArray | Promise<TokenArray>;
  /** Batches encoded concurrently when `encodeBatch` is asynchronous (default 1). */
  concurrency?: number;
}

/** What {@link tokenizeToShard} wrote. */
export interface TokenizeResult extends ShardHeader {
  /** The shard file. */
  path: string;
  /** The split mode used. */
  split: ResolvedSplit;
  elapsedMs: number;
  /** MB (10^6 bytes) of text per second. */
  mbPerSec: number;
}

/**
 * Streams a text file into a token shard at `shardPath` (written atomically; an existing shard is
 * replaced only when the new one is complete). The header records the vocab size, the tokenizer
 * hash, the document count, and the text file's size and mtime. If the text file changes while
 * it is read, nothing is written and an error says so.
 */
export async function tokenizeToShard(
  textPath: string,
  shardPath: string,
  tokenizer: TextTokenizer,
  options: TokenizeToShardOptions,
): Promise<TokenizeResult> {
  if (!options || typeof options !== 'object') throw new TypeError('tokenizeToShard needs options with docSeparatorId');
  const { docSeparatorId, onProgress, signal } = options;
  checkTokenizer(tokenizer, docSeparatorId);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const V = tokenizer.vocabSize;
  const dtype = shardDTypeFor(V);
  const encode = options.encodeBatch ?? ((docs: string[], firstDoc: number) => encodeDocuments(docs, tokenizer, { docSeparatorId, dtype, firstDoc }));

  const fs = await import('node:fs/promises');
  const before = await fs.stat(textPath);
  if (!before.isFile()) throw new DocumentError(`${textPath} is not a regular file`);
  const split: ResolvedSplit = options.split === undefined || options.split === 'auto' ? await detectSplitInFile(textPath) : options.split;
  const writer = await ShardWriter.create(shardPath, {
    vocabSize: V,
    dtype,
    tokenizerHash: options.tokenizerHash ?? 0,
    sourceBytes: before.size,
    sourceMtimeMs: before.mtimeMs,
  });
  const t0 = performance.now();
  let documents = 0, bytesRead = 0;
  const progress = (done: boolean): void => {
    if (!onProgress) return;
    const elapsedMs = performance.now() - t0;
    onProgress({
      bytesRead, totalBytes: before.size, documents, tokens: writer.tokenCount, elapsedMs,
      mbPerSec: elapsedMs > 0 ? bytesRead / 1e3 / elapsedMs : 0, done,
    });
  };
  type Pending = { ids: Promise<TokenArray>; docs: number; bytesRead: number };
  const inflight: Pending[] = [];
  const writeNext = async (): Promise<void> => {
    const p = inflight.shift()!;
    const ids = await p.ids;
    await writer.append(ids);
    documents += p.docs;
    bytesRead = p.bytesRead;
    progress(false);
  };
  try {
    for await (const batch of readDocumentBatches(textPath, { ...options, split })) {
      const ids = Promise.resolve().then(() => encode(batch.docs, batch.firstDoc));
      ids.catch(() => undefined); // rejections surface in order, in writeNext
      inflight.push({ ids, docs: batch.docs.length, bytesRead: batch.bytesRead });
      while (inflight.length >= concurrency) await writeNext();
    }
    while (inflight.length) await writeNext();
    if (signal?.aborted) throw signal.reason ?? new DocumentError('aborted');
    const after = await fs.stat(textPath);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new DocumentError(
        `${textPath} changed while it was being tokenized (size ${before.size} -> ${after.size}, mtime ${before.mtimeMs} -> ${after.mtimeMs}); nothing was written`,
      );
    }
    bytesRead = before.size;
    const header = await writer.finish({ docCount: documents });
    progress(true);
    const elapsedMs = performance.now() - t0;
    return { ...header, path: shardPath, split, elapsedMs, mbPerSec: elapsedMs > 0 ? before.size / 1e3 / elapsedMs : 0 };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
