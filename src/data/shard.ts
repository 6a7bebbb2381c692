/**
 * The token shard format: a fixed 64-byte little-endian header followed by the token ids, uint16
 * when the vocabulary fits (vocabSize <= 65536), uint32 otherwise. Pure functions over bytes (no
 * file system): {@link encodeShard} / {@link decodeShard}; files are in `shard-file.ts`.
 *
 * ```
 * offset size  field
 *      0    8  magic "SGTOKENS" (ASCII)
 *      8    4  u32 format version (1)
 *     12    4  u32 dtype code: 1 = uint16, 2 = uint32
 *     16    4  u32 vocab size (every id is < this)
 *     20    4  u32 tokenizer hash (who made the ids; 0 = unknown)
 *     24    8  u64 token count N
 *     32    8  u64 document count (0 = unknown)
 *     40    8  u64 source text size in bytes (0 = unknown)
 *     48    8  f64 source text mtime in ms since the epoch (0 = unknown)
 *     56    4  u32 data checksum: tokenChecksum (FNV-1a per id) of the N ids
 *     60    4  u32 header checksum: FNV-1a of bytes 0..60
 *     64  N*s  the ids, little-endian, s = 2 (uint16) or 4 (uint32); nothing after them
 * ```
 *
 * Reading trusts nothing: the header is checked field by field against the file size before any
 * allocation, and every problem is a {@link ShardFormatError} naming the byte offset and sizes.
 */
import { FNV_OFFSET, fnv1a32, hex32, tokenChecksum } from './hash.js';

/** The 8 magic bytes at offset 0. */
export const SHARD_MAGIC = 'SGTOKENS';
/** The format version this code writes and reads. */
export const SHARD_VERSION = 1;
/** Size of the header in bytes; the ids start here. */
export const SHARD_HEADER_BYTES = 64;

/** How ids are stored. */
export type ShardDType = 'uint16' | 'uint32';
/** Token ids in memory, as stored. */
export type TokenArray = Uint16Array | Uint32Array;

/** A malformed shard file or invalid data to write. */
export class ShardFormatError extends Error {
  override name = 'ShardFormatError';
}

/** What a writer records besides the ids. */
export interface ShardMeta {
  /** Size of the vocabulary; every id must be below it. */
  vocabSize: number;
  /** Storage type; default: uint16 when vocabSize <= 65536, else uint32. */
  dtype?: ShardDType;
  /** Identifies the tokenizer (and options) that produced the ids; default 0 (unknown). */
  tokenizerHash?: number;
  /** Number of documents the ids came from; default 0 (unknown). */
  docCount?: number;
  /** Size in bytes of the source text; default 0 (unknown). */
  sourceBytes?: number;
  /** mtime of the source text (ms since the epoch, as fs.Stats.mtimeMs); default 0 (unknown). */
  sourceMtimeMs?: number;
}

/** A decoded, validated header. */
export interface ShardHeader {
  version: number;
  dtype: ShardDType;
  vocabSize: number;
  tokenizerHash: number;
  tokenCount: number;
  docCount: number;
  sourceBytes: number;
  sourceMtimeMs: number;
  /** The stored data checksum (see {@link tokenChecksum}). */
  checksum: number;
}

/** A shard in memory: its header and ids (`tokens.length === tokenCount`). */
export interface Shard extends ShardHeader {
  /** The ids, [tokenCount]. */
  tokens: TokenArray;
}

const DTYPE_CODE: Record<ShardDType, number> = { uint16: 1, uint32: 2 };
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per id of a dtype. */
export function itemSize(dtype: ShardDType): 2 | 4 {
  return dtype === 'uint16' ? 2 : 4;
}

/** The dtype a vocabulary needs: uint16 when every id fits (vocabSize <= 65536). */
export function shardDTypeFor(vocabSize: number): ShardDType {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** Validates writer metadata and resolves the dtype. */
export function resolveShardMeta(meta: ShardMeta): Required<ShardMeta> {
  const { vocabSize } = meta;
  if (!Number.isSafeInteger(vocabSize) || vocabSize < 1 || vocabSize >= 2 ** 32) {
    throw new ShardFormatError(`vocabSize must be an integer in [1, 2^32 - 1], got ${vocabSize}`);
  }
  const dtype = meta.dtype ?? shardDTypeFor(vocabSize);
  if (dtype !== 'uint16' && dtype !== 'uint32') throw new ShardFormatError(`unknown dtype '${String(dtype)}' (uint16 or uint32)`);
  if (dtype === 'uint16' && vocabSize > 65536) {
    throw new ShardFormatError(`vocabSize ${vocabSize} does not fit dtype uint16 (ids up to 65535); use uint32`);
  }
  const u32 = (name: string, v: number | undefined): number => {
    if (v === undefined) return 0;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new ShardFormatError(`${name} must be an unsigned 32-bit integer, got ${v}`);
    return v;
  };
  const count = (name: string, v: number | undefined): number => {
    if (v === undefined) return 0;
    if (!Number.isSafeInteger(v) || v < 0) throw new ShardFormatError(`${name} must be a non-negative safe integer, got ${v}`);
    return v;
  };
  const mtime = meta.sourceMtimeMs ?? 0;
  if (!Number.isFinite(mtime)) throw new ShardFormatError(`sourceMtimeMs must be finite, got ${mtime}`);
  return {
    vocabSize,
    dtype,
    tokenizerHash: u32('tokenizerHash', meta.tokenizerHash),
    docCount: count('docCount', meta.docCount),
    sourceBytes: count('sourceBytes', meta.sourceBytes),
    sourceMtimeMs: mtime,
  };
}

function setU64(dv: DataView, offset: number, v: number): void {
  dv.setUint32(offset, v % 2 ** 32, true);
  dv.setUint32(offset + 4, Math.floor(v / 2 ** 32), true);
}

function getU64(dv: DataView, offset: number, field: string): number {
  const lo = dv.getUint32(offset, true), hi = dv.getUint32(offset + 4, true);
  if (hi >= 2 ** 21) throw new ShardFormatError(`${field} ${hi}*2^32+${lo} at byte offset ${offset} is larger than 2^53`);
  return hi * 2 ** 32 + lo;
}

/** The 64 header bytes for `tokenCount` ids with the given metadata and data checksum. */
export function encodeShardHeader(meta: ShardMeta, tokenCount: number, checksum: number): Uint8Array {
  const m = resolveShardMeta(meta);
  if (!Number.isSafeInteger(tokenCount) || tokenCount < 0) throw new ShardFormatError(`tokenCount must be a non-negative safe integer, got ${tokenCount}`);
  const out = new Uint8Array(SHARD_HEADER_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = SHARD_MAGIC.charCodeAt(i);
  dv.setUint32(8, SHARD_VERSION, true);
  dv.setUint32(12, DTYPE_CODE[m.dtype], true);
  dv.setUint32(16, m.vocabSize, true);
  dv.setUint32(20, m.tokenizerHash, true);
  setU64(dv, 24, tokenCount);
  setU64(dv, 32, m.docCount);
  setU64(dv, 40, m.sourceBytes);
  dv.setFloat64(48, m.sourceMtimeMs, true);
  dv.setUint32(56, checksum >>> 0, true);
  dv.setUint32(60, fnv1a32(out.subarray(0, 60)), true);
  return out;
}

/**
 * Decodes and validates a header. `fileBytes` is the size of the whole file (default
 * `bytes.length`): the token count must account for exactly the bytes after the header.
 */
export function decodeShardHeader(bytes: Uint8Array, fileBytes: number = bytes.length): ShardHeader {
  if (bytes.length < SHARD_HEADER_BYTES) {
    throw new ShardFormatError(
      `truncated shard header: the file has ${bytes.length} bytes, the header needs ${SHARD_HEADER_BYTES} (it breaks at byte offset ${bytes.length})`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SHARD_HEADER_BYTES);
  let magic = '';
  for (let i = 0; i < 8; i++) magic += String.fromCharCode(bytes[i]!);
  if (magic !== SHARD_MAGIC) {
    throw new ShardFormatError(`not a token shard: bytes 0..8 are ${JSON.stringify(magic)}, expected the magic ${JSON.stringify(SHARD_MAGIC)}`);
  }
  const version = dv.getUint32(8, true);
  if (version !== SHARD_VERSION) {
    throw new ShardFormatError(`unsupported shard format version ${version} at byte offset 8 (this reader knows version ${SHARD_VERSION})`);
  }
  const code = dv.getUint32(12, true);
  const dtype: ShardDType | undefined = code === 1 ? 'uint16' : code === 2 ? 'uint32' : undefined;
  if (dtype === undefined) throw new ShardFormatError(`unknown dtype code ${code} at byte offset 12 (1 = uint16, 2 = uint32)`);
  const vocabSize = dv.getUint32(16, true);
  if (vocabSize === 0) throw new ShardFormatError('vocab size 0 at byte offset 16: a shard needs at least one token id');
  if (dtype === 'uint16' && vocabSize > 65536) {
    throw new ShardFormatError(`vocab size ${vocabSize} at byte offset 16 does not fit the uint16 dtype (at most 65536)`);
  }
  const tokenizerHash = dv.getUint32(20, true);
  const tokenCount = getU64(dv, 24, 'token count');
  const size = itemSize(dtype);
  const dataBytes = fileBytes - SHARD_HEADER_BYTES;
  if (tokenCount > dataBytes / size) {
    throw new ShardFormatError(
      `token count ${tokenCount} at byte offset 24 needs ${tokenCount * size} bytes of ${dtype} ids after the ${SHARD_HEADER_BYTES}-byte header, ` +
        `but the file has ${dataBytes} (${fileBytes} bytes in all): truncated or corrupt`,
    );
  }
  if (tokenCount * size !== dataBytes) {
    throw new ShardFormatError(
      `${dataBytes - tokenCount * size} unexpected trailing bytes at byte offset ${SHARD_HEADER_BYTES + tokenCount * size}: ` +
        `the header declares ${tokenCount} ${dtype} ids (file should be ${SHARD_HEADER_BYTES + tokenCount * size} bytes, is ${fileBytes})`,
    );
  }
  const docCount = getU64(dv, 32, 'document count');
  const sourceBytes = getU64(dv, 40, 'source size');
  const sourceMtimeMs = dv.getFloat64(48, true);
  if (!Number.isFinite(sourceMtimeMs)) throw new ShardFormatError(`source mtime ${sourceMtimeMs} at byte offset 48 is not a finite number`);
  const checksum = dv.getUint32(56, true);
  const stored = dv.getUint32(60, true);
  const computed = fnv1a32(bytes.subarray(0, 60));
  if (stored !== computed) {
    throw new ShardFormatError(`header checksum mismatch at byte offset 60: stored ${hex32(stored)}, computed ${hex32(computed)} over bytes 0..60 (corrupt header)`);
  }
  return { version, dtype, vocabSize, tokenizerHash, tokenCount, docCount, sourceBytes, sourceMtimeMs, checksum };
}

/**
 * Checks that every id is below the header's vocab size and that the ids match its data
 * checksum; throws a {@link ShardFormatError} naming the first bad index and its byte offset.
 */
export function verifyShardTokens(header: ShardHeader, tokens: TokenArray): void {
  const { vocabSize } = header;
  if (tokens.length !== header.tokenCount) {
    throw new ShardFormatError(`the header declares ${header.tokenCount} ids, got ${tokens.length}`);
  }
  const size = itemSize(header.dtype);
  // One pass for the range check, one for the checksum: each loop stays tight.
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]! >= vocabSize) {
      throw new ShardFormatError(
        `token id ${tokens[i]} at index ${i} (byte offset ${SHARD_HEADER_BYTES + i * size}) is >= the vocab size ${vocabSize}`,
      );
    }
  }
  const computed = tokenChecksum(tokens, FNV_OFFSET);
  if (computed !== header.checksum) {
    throw new ShardFormatError(
      `data checksum mismatch: the header stores ${hex32(header.checksum)} at byte offset 56, the ${tokens.length} ids hash to ${hex32(computed)} (corrupt token data)`,
    );
  }
}

/**
 * Copies ids into a typed array of `dtype`, checking each is an integer in [0, vocabSize);
 * `indexBase` offsets the index named in errors.
 */
export function toTokenArray(tokens: ArrayLike<number>, dtype: ShardDType, vocabSize: number, indexBase = 0): TokenArray {
  const out = dtype === 'uint16' ? new Uint16Array(tokens.length) : new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < vocabSize)) {
      throw new ShardFormatError(`token at index ${indexBase + i} is ${t}, not an integer id in [0, ${vocabSize})`);
    }
    out[i] = t;
  }
  return out;
}

/** The little-endian bytes of ids (a view on little-endian hosts, a swapped copy otherwise). */
export function tokensToBytes(tokens: TokenArray): Uint8Array {
  const bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = tokens.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k]!;
  return out;
}

/** Reinterprets little-endian bytes as ids of `dtype` in place (a no-op on little-endian hosts). */
export function fixEndianness(tokens: TokenArray): void {
  if (HOST_LITTLE_ENDIAN) return;
  const b = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  const size = tokens.BYTES_PER_ELEMENT;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

/** Serializes ids and metadata to shard bytes (header + ids); throws on an id outside the vocabulary. */
export function encodeShard(tokens: ArrayLike<number>, meta: ShardMeta): Uint8Array {
  const m = resolveShardMeta(meta);
  const ids = toTokenArray(tokens, m.dtype, m.vocabSize);
  const header = encodeShardHeader(m, ids.length, tokenChecksum(ids));
  const out = new Uint8Array(SHARD_HEADER_BYTES + ids.byteLength);
  out.set(header);
  out.set(tokensToBytes(ids), SHARD_HEADER_BYTES);
  return out;
}

/** Options of {@link decodeShard} and `readShard`. */
export interface DecodeShardOptions {
  /** Check every id against the vocab size and the data checksum (one pass). Default true. */
  verify?: boolean;
}

/**
 * Parses shard bytes. The returned ids are a view of `bytes` when the host is little-endian and
 * the data is aligned, a copy otherwise.
 */
export function decodeShard(bytes: Uint8Array, options: DecodeShardOptions = {}): Shard {
  if (!(bytes instanceof Uint8Array)) throw new ShardFormatError('decodeShard expects a Uint8Array');
  const header = decodeShardHeader(bytes);
  const size = itemSize(header.dtype);
  const start = bytes.byteOffset + SHARD_HEADER_BYTES;
  let tokens: TokenArray;
  if (HOST_LITTLE_ENDIAN && start % size === 0) {
    tokens = header.dtype === 'uint16'
      ? new Uint16Array(bytes.buffer, start, header.tokenCount)
      : new Uint32Array(bytes.buffer, start, header.tokenCount);
  } else {
    const copy = bytes.slice(SHARD_HEADER_BYTES).buffer;
    tokens = header.dtype === 'uint16' ? new Uint16Array(copy) : new Uint32Array(copy);
    fixEndianness(tokens);
  }
  if (options.verify ?? true) verifyShardTokens(header, tokens);
  return { ...header, tokens };
}
