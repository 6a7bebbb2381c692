/**
 * safetensors read/write in pure TypeScript over host arrays (no Tensor, no Node APIs).
 *
 * Format: an unsigned 64-bit little-endian header length N, then N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: string } }`,
 * then the data buffer; offsets are relative to the start of the data buffer. Values are stored
 * little-endian whatever the host. Writing sorts names, lays tensors out contiguously in name
 * order, and pads the header with spaces so the data starts on an 8-byte boundary.
 *
 * Reading trusts nothing: every length and offset is checked against the file size before any
 * allocation, and every problem is a {@link SafetensorsError} naming what is wrong.
 */
import { bf16ToFloat32, f16ToFloat32, float32ToBf16, float32ToF16 } from './half.js';

/** The dtypes this module reads and writes. */
export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'I32';

/** One tensor as host data. F16/BF16 data is either raw bit patterns (Uint16Array) or Float32Array. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array | Uint16Array;
}

/** What {@link loadSafetensors} returns. */
export interface SafetensorsFile {
  tensors: Record<string, SafetensorsEntry>;
  /** The `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
}

/** Options of {@link loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /**
   * How F16 and BF16 tensors come back: `'float32'` (default) decodes them to Float32Array;
   * `'raw'` keeps the stored bit patterns in a Uint16Array.
   */
  half?: 'float32' | 'raw';
}

/** A malformed safetensors file or an invalid record to save. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const ITEM_SIZE: Record<SafetensorsDType, number> = { F32: 4, F16: 2, BF16: 2, I32: 4 };
/** dtypes of the safetensors spec that this module recognises but does not load. */
const KNOWN_UNSUPPORTED = new Set(['F64', 'I64', 'U64', 'I16', 'U16', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'U32']);

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDType(s: unknown): s is SafetensorsDType {
  return s === 'F32' || s === 'F16' || s === 'BF16' || s === 'I32';
}

/** Sets an own enumerable property (safe for names like `__proto__`). */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Little-endian bytes of a typed array (a copy). */
function toLittleEndianBytes(data: Float32Array | Int32Array | Uint16Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes.slice();
  const out = new Uint8Array(data.byteLength);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.byteLength; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k]!;
  }
  return out;
}

/** Encodes a record's data for its dtype, validating the array type and length. */
function encodeEntry(name: string, e: SafetensorsEntry): Uint8Array {
  if (!e || typeof e !== 'object') throw new SafetensorsError(`tensor '${name}': expected { dtype, shape, data }`);
  if (!isDType(e.dtype)) {
    throw new SafetensorsError(`tensor '${name}': unsupported dtype '${String(e.dtype)}' (supported: F32, F16, BF16, I32)`);
  }
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`tensor '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
  }
  const n = numel(e.shape);
  const d = e.data;
  if (!d || d.length !== n) {
    throw new SafetensorsError(`tensor '${name}': data has ${d?.length} elements but shape [${e.shape}] needs ${n}`);
  }
  let arr: Float32Array | Int32Array | Uint16Array;
  switch (e.dtype) {
    case 'F32':
      if (!(d instanceof Float32Array)) throw new SafetensorsError(`tensor '${name}': F32 data must be a Float32Array`);
      arr = d;
      break;
    case 'I32':
      if (!(d instanceof Int32Array)) throw new SafetensorsError(`tensor '${name}': I32 data must be an Int32Array`);
      arr = d;
      break;
    case 'F16':
    case 'BF16':
      if (d instanceof Uint16Array) arr = d;
      else if (d instanceof Float32Array) arr = e.dtype === 'F16' ? float32ToF16(d) : float32ToBf16(d);
      else throw new SafetensorsError(`tensor '${name}': ${e.dtype} data must be a Uint16Array (bit patterns) or a Float32Array`);
      break;
  }
  return toLittleEndianBytes(arr);
}

/**
 * Serializes tensors (host arrays) and optional string metadata to safetensors bytes.
 * F16/BF16 accept raw bit patterns (Uint16Array) or Float32Array (rounded to nearest even).
 */
export function saveSafetensors(
  record: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(record).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' must be a string, got ${typeof v}`);
    }
    const m = {};
    for (const [k, v] of Object.entries(metadata)) setOwn(m, k, v);
    header.__metadata__ = m;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError(`'__metadata__' is reserved and cannot name a tensor`);
    const entry = record[name]!;
    const bytes = encodeEntry(name, entry);
    setOwn(header, name, { dtype: entry.dtype, shape: [...entry.shape], data_offsets: [offset, offset + bytes.length] });
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  dv.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Reads `count` little-endian values of `size` bytes into a fresh native-endian buffer. */
function readLittleEndian(bytes: Uint8Array, start: number, count: number, size: number): ArrayBuffer {
  const buf = bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + count * size) as ArrayBuffer;
  if (!HOST_LITTLE_ENDIAN && size > 1) {
    const b = new Uint8Array(buf);
    for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
  }
  return buf;
}

/** Parses safetensors bytes into host arrays and metadata, validating the header. */
export function loadSafetensors(bytes: Uint8Array, options: LoadSafetensorsOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('loadSafetensors expects a Uint8Array');
  if (bytes.length < 8) {
    throw new SafetensorsError(`file too short: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo; // exact up to 2^53; anything larger cannot fit anyway
  if (headerLen > bytes.length - 8) {
    throw new SafetensorsError(
      `header length ${hi >= 2 ** 21 ? `${hi}*2^32+${lo}` : headerLen} overflows the file (${bytes.length - 8} bytes after the length)`,
    );
  }
  if (headerLen < 2) throw new SafetensorsError(`header length ${headerLen} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsEntry> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const parsed: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; count: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info)) {
      throw new SafetensorsError(`tensor '${name}': expected an object with dtype, shape and data_offsets`);
    }
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new SafetensorsError(`tensor '${name}': missing dtype`);
    if (!isDType(dtype)) {
      throw new SafetensorsError(
        KNOWN_UNSUPPORTED.has(dtype)
          ? `tensor '${name}': dtype '${dtype}' is not supported (supported: F32, F16, BF16, I32)`
          : `tensor '${name}': unknown dtype '${dtype}'`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor '${name}': data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw new SafetensorsError(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) {
      throw new SafetensorsError(`tensor '${name}': data_offsets [${begin}, ${end}] out of range (data buffer is ${dataLen} bytes)`);
    }
    const count = numel(shape as number[]);
    const need = count * ITEM_SIZE[dtype];
    if (need !== end - begin) {
      throw new SafetensorsError(
        `tensor '${name}': shape [${shape}] of ${dtype} needs ${need} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    spans.push({ name, begin, end });
    parsed.push({ name, dtype, shape: (shape as number[]).slice(), begin, count });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const a = spans[i - 1]!, b = spans[i]!;
    if (b.begin < a.end) {
      throw new SafetensorsError(`tensors '${a.name}' [${a.begin}, ${a.end}] and '${b.name}' [${b.begin}, ${b.end}] overlap`);
    }
  }
  const raw = options.half === 'raw';
  for (const t of parsed) {
    const start = dataStart + t.begin;
    let data: Float32Array | Int32Array | Uint16Array;
    switch (t.dtype) {
      case 'F32':
        data = new Float32Array(readLittleEndian(bytes, start, t.count, 4));
        break;
      case 'I32':
        data = new Int32Array(readLittleEndian(bytes, start, t.count, 4));
        break;
      case 'F16':
      case 'BF16': {
        const bits = new Uint16Array(readLittleEndian(bytes, start, t.count, 2));
        data = raw ? bits : t.dtype === 'F16' ? f16ToFloat32(bits) : bf16ToFloat32(bits);
        break;
      }
    }
    setOwn(tensors, t.name, { dtype: t.dtype, shape: t.shape, data });
  }
  return { tensors, metadata };
}
