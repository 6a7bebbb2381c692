/**
 * Token shards on disk (Node and Deno): atomic whole-array writes, a streaming writer for shards
 * larger than memory wants to hold twice, and reads that check the header against the file size
 * before allocating, then read the ids straight into their typed array (no 2 GB readFile limit,
 * no second copy). Every write goes to a temporary file in the target's directory that is
 * flushed and renamed over the target, so a reader or a crash sees the old shard or the new one.
 * `node:fs/promises` is imported dynamically so browser bundles never load it.
 */
import { writeFileAtomic } from '../io/atomic-write.js';
import { FNV_OFFSET, tokenChecksum } from './hash.js';
import {
  SHARD_HEADER_BYTES, ShardFormatError, decodeShard, decodeShardHeader, encodeShard, encodeShardHeader,
  fixEndianness, itemSize, resolveShardMeta, tokensToBytes, verifyShardTokens,
} from './shard.js';
import type { DecodeShardOptions, Shard, ShardHeader, ShardMeta, TokenArray } from './shard.js';

type Fs = typeof import('node:fs/promises');
type FileHandle = import('node:fs/promises').FileHandle;

async function nodeFs(what: string): Promise<Fs> {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new Error(`${what} needs node:fs (Node or Deno); in a browser, use encodeShard/decodeShard on bytes`);
  }
}

/** A fresh temporary path next to `path` (same directory, so the final rename is atomic). */
function tempPathFor(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const rand = Math.random().toString(36).slice(2, 10);
  return `${dir}.${base}.${Date.now().toString(36)}-${rand}.tmp`;
}

/** Prefixes a ShardFormatError's message with the file it is about. */
function inFile(path: string, e: unknown): unknown {
  return e instanceof ShardFormatError ? new ShardFormatError(`${path}: ${e.message}`) : e;
}

/** Writes ids to a shard file atomically (the whole array at once; see {@link ShardWriter} to stream). */
export async function writeShard(path: string, tokens: ArrayLike<number>, meta: ShardMeta): Promise<void> {
  await writeFileAtomic(path, encodeShard(tokens, meta));
}

/** Reads `length` bytes at `position` fully (short reads continued); throws if the file ends first. */
async function readFully(h: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const n = Math.min(into.length - done, 1 << 26);
    const { bytesRead } = await h.read(into, done, n, position + done);
    if (bytesRead === 0) {
      throw new ShardFormatError(`${path}: the file ended at byte offset ${position + done} while reading ${into.length} bytes from ${position} (was it truncated while being read?)`);
    }
    done += bytesRead;
  }
}

/** Reads and validates only the header of a shard file (checked against the file's size). */
export async function readShardHeader(path: string): Promise<ShardHeader> {
  const fs = await nodeFs('readShardHeader');
  const h = await fs.open(path, 'r');
  try {
    const { size } = await h.stat();
    const head = new Uint8Array(Math.min(size, SHARD_HEADER_BYTES));
    await readFully(h, head, 0, path);
    try {
      return decodeShardHeader(head, size);
    } catch (e) {
      throw inFile(path, e);
    }
  } finally {
    await h.close();
  }
}

/**
 * Reads a shard from a file path or from bytes. A path is read header first (validated against
 * the file size), then the ids straight into their typed array. With `verify` (default) every
 * id is checked against the vocab size and the data checksum. Errors name the file and offset.
 */
export async function readShard(source: string | Uint8Array, options: DecodeShardOptions = {}): Promise<Shard> {
  if (typeof source !== 'string') return decodeShard(source, options);
  const path = source;
  const fs = await nodeFs('readShard');
  const h = await fs.open(path, 'r');
  try {
    const { size } = await h.stat();
    const head = new Uint8Array(Math.min(size, SHARD_HEADER_BYTES));
    await readFully(h, head, 0, path);
    let header: ShardHeader;
    try {
      header = decodeShardHeader(head, size);
    } catch (e) {
      throw inFile(path, e);
    }
    const tokens: TokenArray = header.dtype === 'uint16' ? new Uint16Array(header.tokenCount) : new Uint32Array(header.tokenCount);
    await readFully(h, new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength), SHARD_HEADER_BYTES, path);
    fixEndianness(tokens);
    if (options.verify ?? true) {
      try {
        verifyShardTokens(header, tokens);
      } catch (e) {
        throw inFile(path, e);
      }
    }
    return { ...header, tokens };
  } finally {
    await h.close();
  }
}

/** Options of {@link ShardWriter.create}. */
export interface ShardWriterOptions {
  /** Ids buffered in memory between writes (default 2^20). */
  bufferTokens?: number;
}

/**
 * Streams ids into a new shard file: ids are validated and buffered, written to a temporary file
 * next to the target, and {@link finish} writes the header (whose token count and checksum are
 * only known at the end), flushes and renames over the target. {@link abort} (or any error in
 * append/finish) removes the temporary file and leaves an existing target untouched.
 * Await each call before the next.
 */
export class ShardWriter {
  private readonly buf: TokenArray;
  private fill = 0;
  private written = 0;
  private checksum = FNV_OFFSET;
  private closed = false;
  private busy = false;

  private constructor(
    private readonly fs: Fs,
    private readonly handle: FileHandle,
    private readonly tmp: string,
    /** The target path. */
    readonly path: string,
    private readonly meta: Required<ShardMeta>,
    bufferTokens: number,
  ) {
    this.buf = meta.dtype === 'uint16' ? new Uint16Array(bufferTokens) : new Uint32Array(bufferTokens);
  }

  /** Opens a temporary file next to `path` for a shard with this metadata. */
  static async create(path: string, meta: ShardMeta, options: ShardWriterOptions = {}): Promise<ShardWriter> {
    const m = resolveShardMeta(meta);
    const bufferTokens = options.bufferTokens ?? 1 << 20;
    if (!Number.isSafeInteger(bufferTokens) || bufferTokens < 1) throw new RangeError(`bufferTokens must be a positive integer, got ${bufferTokens}`);
    const fs = await nodeFs('ShardWriter');
    const tmp = tempPathFor(path);
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.write(new Uint8Array(SHARD_HEADER_BYTES), 0, SHARD_HEADER_BYTES, 0); // placeholder until finish()
    } catch (e) {
      await handle.close().catch(() => undefined);
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    return new ShardWriter(fs, handle, tmp, path, m, bufferTokens);
  }

  /** Ids accepted so far. */
  get tokenCount(): number {
    return this.written + this.fill;
  }

  private enter(what: string): void {
    if (this.closed) throw new Error(`ShardWriter.${what}: the writer for ${this.path} is already finished or aborted`);
    if (this.busy) throw new Error(`ShardWriter.${what}: the previous call has not finished (await each call)`);
    this.busy = true;
  }

  /** Appends ids, each an integer in [0, vocabSize); a bad id aborts the writer and throws naming its index. */
  async append(ids: ArrayLike<number>): Promise<void> {
    this.enter('append');
    try {
      const { vocabSize } = this.meta;
      const buf = this.buf;
      for (let i = 0; i < ids.length; i++) {
        const t = ids[i]!;
        if (!(Number.isInteger(t) && t >= 0 && t < vocabSize)) {
          throw new ShardFormatError(`token at index ${this.tokenCount} is ${t}, not an integer id in [0, ${vocabSize})`);
        }
        buf[this.fill++] = t;
        if (this.fill === buf.length) await this.flush();
      }
    } catch (e) {
      this.busy = false;
      await this.abort();
      throw e;
    }
    this.busy = false;
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const ids = this.buf.subarray(0, this.fill);
    this.checksum = tokenChecksum(ids, this.checksum);
    const bytes = tokensToBytes(ids);
    const position = SHARD_HEADER_BYTES + this.written * itemSize(this.meta.dtype);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
    this.written += this.fill;
    this.fill = 0;
  }

  /**
   * Writes the remaining ids and the header, flushes, and renames the file over the target.
   * `docCount` (if given) overrides the one passed to create. Returns the header written.
   */
  async finish(extra: { docCount?: number } = {}): Promise<ShardHeader> {
    this.enter('finish');
    try {
      await this.flush();
      const meta = { ...this.meta, docCount: extra.docCount ?? this.meta.docCount };
      const head = encodeShardHeader(meta, this.written, this.checksum);
      await this.handle.write(head, 0, head.length, 0);
      await this.handle.sync();
      this.closed = true;
      await this.handle.close();
      await this.fs.rename(this.tmp, this.path);
      return decodeShardHeader(head, SHARD_HEADER_BYTES + this.written * itemSize(meta.dtype));
    } catch (e) {
      this.busy = false;
      this.closed = false;
      await this.abort();
      throw e;
    } finally {
      this.busy = false;
    }
  }

  /** Discards the temporary file; the target is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
    await this.fs.rm(this.tmp, { force: true }).catch(() => undefined);
  }
}
