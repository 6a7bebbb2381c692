// The data layer: shard format round trips and corruption errors, document splitting independent
// of chunking (1..64-byte reads, multi-byte UTF-8 across boundaries), tokenizeToShard against
// encoding each document directly with the real llama2.c tokenizer, the shard cache, the batch
// sampler, and atomic writes. Tests that need ../shared/data skip with a message when it is absent.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Llama2cTokenizer } from '../src/tokenizers/index.js';
import {
  BatchSampler, DocumentError, DocumentSplitter, END_OF_TEXT, SHARD_HEADER_BYTES, ShardFormatError, ShardWriter, Utf8Error,
  cachedShard, decodeShard, decodeShardHeader, encodeDocuments, encodeShard, readDocumentBatches, readDocuments, readShard,
  readShardHeader, splitDocuments, tokenizeToShard, writeShard,
} from '../src/data/index.js';
import type { TextTokenizer, TokenizeProgress } from '../src/data/index.js';
import { fnv1a32 } from '../src/data/hash.js';
import { normalizeDocument } from '../src/data/documents.js';
import { randomBits } from '../src/backend/rng.js';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const haveData = existsSync(DATA + 'llama2c/tok512.bin') && existsSync(DATA + 'tinystories/train.txt') && existsSync(DATA + 'tinystories/valid.txt');
if (!haveData) console.warn(`data tests: ${DATA} not found; tests that need ../shared/data are skipped`);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'storygrad-data-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
let fileNo = 0;
/** A fresh path in the test's temporary directory. */
const tmp = (name = 'f'): string => join(dir, `${name}-${fileNo++}`);
/** Temporary files left behind by atomic writers in a directory. */
const leftovers = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));
const tok512 = (): Llama2cTokenizer => Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(DATA + 'llama2c/tok512.bin')));

/** Recomputes the header checksum after a deliberate edit, so the edit itself is what gets reported. */
function rehash(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(60, fnv1a32(bytes.subarray(0, 60)), true);
  return bytes;
}
const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('shard format', () => {
  it('round-trips random ids, uint16 and uint32, with every header field', () => {
    const arb = fc.oneof(
      fc.integer({ min: 1, max: 65536 }).chain((V) => fc.tuple(fc.constant(V), fc.array(fc.integer({ min: 0, max: V - 1 }), { maxLength: 300 }))),
      fc.integer({ min: 65537, max: 2 ** 32 - 1 }).chain((V) => fc.tuple(fc.constant(V), fc.array(fc.integer({ min: 0, max: V - 1 }), { maxLength: 300 }))),
    );
    fc.assert(
      fc.property(arb, fc.nat(), fc.nat(1e6), fc.nat(2 ** 40), fc.double({ min: 0, max: 2e12, noNaN: true }), ([V, ids], hash, docs, size, mtime) => {
        const bytes = encodeShard(ids, { vocabSize: V, tokenizerHash: hash >>> 0, docCount: docs, sourceBytes: size, sourceMtimeMs: mtime });
        const s = decodeShard(bytes);
        expect(s.dtype).toBe(V <= 65536 ? 'uint16' : 'uint32');
        expect(bytes.length).toBe(SHARD_HEADER_BYTES + ids.length * (V <= 65536 ? 2 : 4));
        expect(Array.from(s.tokens)).toEqual(ids);
        expect(s).toMatchObject({ version: 1, vocabSize: V, tokenizerHash: hash >>> 0, tokenCount: ids.length, docCount: docs, sourceBytes: size, sourceMtimeMs: mtime });
        // Unaligned input (copy path) decodes the same.
        const shifted = new Uint8Array(bytes.length + 1);
        shifted.set(bytes, 1);
        expect(Array.from(decodeShard(shifted.subarray(1)).tokens)).toEqual(ids);
      }),
      { numRuns: 200 },
    );
  });

  it('writes and reads files (both dtypes), header alone too', async () => {
    for (const V of [512, 70000]) {
      const ids = Array.from({ length: 5000 }, (_, i) => (i * 7919) % V);
      const p = tmp('rt');
      await writeShard(p, ids, { vocabSize: V, tokenizerHash: 42, docCount: 3 });
      const s = await readShard(p);
      expect(Array.from(s.tokens)).toEqual(ids);
      expect(s.tokens).toBeInstanceOf(V === 512 ? Uint16Array : Uint32Array);
      expect(await readShardHeader(p)).toMatchObject({ vocabSize: V, tokenCount: 5000, docCount: 3, tokenizerHash: 42 });
      expect(statSync(p).size).toBe(SHARD_HEADER_BYTES + 5000 * (V === 512 ? 2 : 4));
    }
  });

  it('the streaming writer gives the same bytes as the one-shot encoder', async () => {
    const ids = Array.from({ length: 10007 }, (_, i) => (i * 31 + (i >> 3)) % 1000);
    const p = tmp('w');
    const w = await ShardWriter.create(p, { vocabSize: 1000, tokenizerHash: 7 }, { bufferTokens: 333 });
    for (let i = 0; i < ids.length; i += 1234) await w.append(ids.slice(i, i + 1234));
    await w.finish({ docCount: 9 });
    expect(new Uint8Array(readFileSync(p))).toEqual(encodeShard(ids, { vocabSize: 1000, tokenizerHash: 7, docCount: 9 }));
  });

  it('names what is wrong with a corrupt header, with its byte offset', () => {
    const good = encodeShard([1, 2, 3, 4, 5], { vocabSize: 512, tokenizerHash: 9 });
    const edit = (f: (b: Uint8Array, dv: DataView) => void, fix = true): Uint8Array => {
      const b = good.slice();
      f(b, dvOf(b));
      return fix ? rehash(b) : b;
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['bad magic', edit((b) => b.set(new TextEncoder().encode('GGUFxxxx'))), /not a token shard: bytes 0\.\.8 are "GGUFxxxx".*"SGTOKENS"/],
      ['version', edit((_, dv) => dv.setUint32(8, 7, true)), /unsupported shard format version 7 at byte offset 8/],
      ['dtype code', edit((_, dv) => dv.setUint32(12, 3, true)), /unknown dtype code 3 at byte offset 12/],
      ['vocab 0', edit((_, dv) => dv.setUint32(16, 0, true)), /vocab size 0 at byte offset 16/],
      ['vocab too big for u16', edit((_, dv) => dv.setUint32(16, 70000, true)), /vocab size 70000 at byte offset 16 does not fit the uint16/],
      ['count overflows file', edit((_, dv) => dv.setUint32(24, 6, true)), /token count 6 at byte offset 24 needs 12 bytes .* but the file has 10/],
      ['count huge', edit((_, dv) => dv.setUint32(28, 0xffffffff, true)), /token count \d+\*2\^32\+5 at byte offset 24 is larger than 2\^53/],
      ['trailing bytes', edit((_, dv) => dv.setUint32(24, 4, true)), /2 unexpected trailing bytes at byte offset 72/],
      ['mtime NaN', edit((_, dv) => dv.setFloat64(48, NaN, true)), /source mtime NaN at byte offset 48/],
      ['header checksum', edit((_, dv) => dv.setUint32(20, 10, true), false), /header checksum mismatch at byte offset 60/],
      ['id >= vocab', edit((_, dv) => dv.setUint16(64 + 2 * 3, 600, true)), /token id 600 at index 3 \(byte offset 70\) is >= the vocab size 512/],
      ['data checksum', edit((_, dv) => dv.setUint16(64 + 2 * 1, 3, true)), /data checksum mismatch.*byte offset 56/],
    ];
    for (const [name, bytes, re] of cases) {
      expect(() => decodeShard(bytes), name).toThrow(ShardFormatError);
      expect(() => decodeShard(bytes), name).toThrow(re);
    }
    for (let n = 0; n < SHARD_HEADER_BYTES; n++) {
      expect(() => decodeShard(good.subarray(0, n))).toThrow(new RegExp(`truncated shard header: the file has ${n} bytes, the header needs 64 \\(it breaks at byte offset ${n}\\)`));
    }
    for (let n = SHARD_HEADER_BYTES; n < good.length; n++) {
      expect(() => decodeShard(good.subarray(0, n))).toThrow(/token count 5 at byte offset 24 needs 10 bytes/);
    }
    expect(() => decodeShard(good, { verify: false })).not.toThrow();
  });

  it('detects every single-byte corruption and every truncation (never returns garbage)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (ids, at, x) => {
          const b = encodeShard(ids, { vocabSize: 1000, tokenizerHash: 5, sourceBytes: 123, sourceMtimeMs: 1.5e12 });
          const i = at % b.length;
          b[i]! ^= x;
          expect(() => decodeShard(b)).toThrow(ShardFormatError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('file errors name the path; a file that is not a shard says so', async () => {
    const p = tmp('trunc');
    writeFileSync(p, encodeShard([1, 2, 3], { vocabSize: 10 }).subarray(0, 67));
    await expect(readShard(p)).rejects.toThrow(new RegExp(`${p}: token count 3 at byte offset 24`));
    await expect(readShardHeader(p)).rejects.toThrow(ShardFormatError);
    const q = tmp('text');
    writeFileSync(q, 'Once upon a time there was a text file that was not a shard at all, long enough.');
    await expect(readShard(q)).rejects.toThrow(/not a token shard/);
  });

  it('rejects invalid ids and metadata on write', async () => {
    expect(() => encodeShard([1, 512], { vocabSize: 512 })).toThrow(/token at index 1 is 512, not an integer id in \[0, 512\)/);
    expect(() => encodeShard([1.5], { vocabSize: 512 })).toThrow(/index 0 is 1.5/);
    expect(() => encodeShard([], { vocabSize: 0 })).toThrow(/vocabSize must be an integer/);
    expect(() => encodeShard([], { vocabSize: 70000, dtype: 'uint16' })).toThrow(/does not fit dtype uint16/);
    const w = await ShardWriter.create(tmp('bad'), { vocabSize: 10 });
    await expect(w.append([1, 2, 10])).rejects.toThrow(/token at index 2 is 10/);
    await expect(w.append([1])).rejects.toThrow(/already finished or aborted/);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('atomic writes', () => {
  it('a failed write leaves the previous shard intact and no temporary file', async () => {
    const p = tmp('atomic');
    await writeShard(p, [1, 2, 3], { vocabSize: 10 });
    const before = readFileSync(p);
    await expect(writeShard(p, [1, 99], { vocabSize: 10 })).rejects.toThrow(ShardFormatError);
    const w = await ShardWriter.create(p, { vocabSize: 10 });
    await w.append([4, 5, 6]);
    await w.abort();
    const failing: TextTokenizer = { vocabSize: 10, encode: (s) => (s.includes('boom') ? [11] : s ? [3] : []) };
    const text = tmp('txt');
    writeFileSync(text, `a\n${END_OF_TEXT}\nb\n${END_OF_TEXT}\nboom\n${END_OF_TEXT}\nc`);
    await expect(tokenizeToShard(text, p, failing, { docSeparatorId: 1, chunkSize: 4 })).rejects.toThrow(/tokenizer returned 11 at position 0 of document 2/);
    expect(readFileSync(p)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('documents', () => {
  it('splits on the end-of-text marker, own line or inline, with CRLF, skipping empty documents', () => {
    const text = `\uFEFFOne.\r\nStill one.\r\n${END_OF_TEXT}\r\nTwo.${END_OF_TEXT}Three.\n${END_OF_TEXT}\n  \n${END_OF_TEXT}${END_OF_TEXT}\n Four. \n`;
    expect(splitDocuments(text)).toEqual(['One.\nStill one.', 'Two.', 'Three.', 'Four.']);
    expect(splitDocuments(text, { split: 'eot' })).toEqual(['One.\nStill one.', 'Two.', 'Three.', 'Four.']);
  });

  it('splits on blank lines (whitespace-only lines count), CRLF too', () => {
    const text = 'Para one\nline two\n\n\n  \t \nPara two\r\n\r\nPara three  \n';
    expect(splitDocuments(text)).toEqual(['Para one\nline two', 'Para two', 'Para three']);
    expect(splitDocuments(`a${END_OF_TEXT}b\n\nc`, { split: 'blank' })).toEqual([`a${END_OF_TEXT}b`, 'c']);
    expect(splitDocuments('', { split: 'blank' })).toEqual([]);
    expect(splitDocuments('\n\n \n')).toEqual([]);
  });

  it('auto picks eot when the marker is in the first MiB', () => {
    expect(splitDocuments(`a\n\nb${END_OF_TEXT}c`)).toEqual(['a\n\nb', 'c']);
    expect(splitDocuments(`${'x'.repeat(1 << 20)}\n\nb${END_OF_TEXT}c`).length).toBe(2); // marker after 1 MiB: blank
    expect(() => splitDocuments('x', { split: 'lines' as never })).toThrow(/split must be 'eot', 'blank' or 'auto'/);
  });

  // Random documents over an alphabet with multi-byte characters, CR/LF, spaces and pieces of
  // the marker; written with random separators; read back with 1..64-byte chunks.
  const piece = fc.constantFrom('a', 'Bob', ' ', '\t', 'é', '😀', '中文', '\n', '\r\n', '\r', '<|', '|>', 'endof', 'text', '.');
  const eotDoc = fc.array(piece, { maxLength: 12 }).map((p) => p.join('')).filter((d) => !d.includes(END_OF_TEXT));
  const eotSep = fc.constantFrom(`\n${END_OF_TEXT}\n`, END_OF_TEXT, `\r\n${END_OF_TEXT}\r\n`, ` ${END_OF_TEXT}`, `\n\n${END_OF_TEXT}\n\n`);
  const linePiece = fc.constantFrom('a', 'Bob', ' ', '\t', 'é', '😀', '中文', '<|', '.', '"');
  const line = fc.array(linePiece, { minLength: 1, maxLength: 6 }).map((p) => p.join('')).filter((l) => l.trim() !== '');
  const para = fc.tuple(fc.array(line, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\r\n')).map(([ls, nl]) => ({ lines: ls, text: ls.join(nl) }));
  const blankSep = fc.constantFrom('\n\n', '\n \n', '\r\n\r\n', '\n\n\n', '\n\t\n  \n');

  it('eot: the same documents whatever the chunk size (property, files read with 1..64-byte chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(eotDoc, eotSep), { maxLength: 8 }), eotDoc, fc.integer({ min: 1, max: 64 }), async (pairs, last, chunk) => {
        const text = pairs.map(([d, s]) => d + s).join('') + last;
        const expected = [...pairs.map(([d]) => d), last].map(normalizeDocument).filter((d) => d.length > 0);
        expect(splitDocuments(text, { split: 'eot' })).toEqual(expected);
        const p = tmp('eot');
        writeFileSync(p, text);
        const got: string[] = [];
        for await (const d of readDocuments(p, { split: 'eot', chunkSize: chunk })) got.push(d);
        expect(got).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('blank: the same documents whatever the chunk size (property, files read with 1..64-byte chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(para, blankSep), { maxLength: 8 }), para, fc.integer({ min: 1, max: 64 }), async (pairs, last, chunk) => {
        const text = pairs.map(([d, s]) => d.text + s).join('') + last.text;
        const expected = [...pairs.map(([d]) => d), last].map((d) => normalizeDocument(d.lines.join('\n'))).filter((d) => d.length > 0);
        expect(splitDocuments(text, { split: 'blank' })).toEqual(expected);
        const p = tmp('blank');
        writeFileSync(p, text);
        const got: string[] = [];
        for await (const d of readDocuments(p, { split: 'blank', chunkSize: chunk })) got.push(d);
        expect(got).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('the incremental splitter ignores where its input is cut (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(eotDoc, eotSep), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), fc.constantFrom('eot' as const, 'blank' as const), (pairs, cuts, mode) => {
        const text = pairs.map(([d, s]) => d + s).join('');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const sp = new DocumentSplitter(mode);
        const got: string[] = [];
        let prev = 0;
        for (const c of [...at, text.length]) {
          got.push(...sp.push(text.slice(prev, c)));
          prev = c;
        }
        got.push(...sp.end());
        expect(got).toEqual(splitDocuments(text, { split: mode }));
      }),
      { numRuns: 300 },
    );
  });

  it('invalid UTF-8 is an error naming its byte offset, whatever the chunk size', async () => {
    const p = tmp('bad-utf8');
    writeFileSync(p, new Uint8Array([0x61, 0x62, 0xc3, 0xa9, 0x0a, 0xff, 0x64, 0x0a]));
    for (let chunk = 1; chunk <= 9; chunk++) {
      const run = async (): Promise<void> => {
        for await (const _ of readDocuments(p, { split: 'blank', chunkSize: chunk })) void _;
      };
      await expect(run()).rejects.toThrow(Utf8Error);
      await expect(run()).rejects.toThrow(new RegExp(`${p}: invalid UTF-8 at byte offset 5 \\(bytes ff`));
    }
    const q = tmp('cut-utf8');
    writeFileSync(q, new Uint8Array([0x61, 0x0a, 0xe2, 0x82]));
    const all = async (path: string, o = {}): Promise<string[]> => {
      const out: string[] = [];
      for await (const d of readDocuments(path, { split: 'blank', chunkSize: 3, ...o })) out.push(d);
      return out;
    };
    await expect(all(q)).rejects.toThrow(/truncated UTF-8 character at the end, byte offset 2/);
    expect(await all(p, { invalidUtf8: 'replace' })).toEqual(['ab\u00e9\n\ufffdd']);
  });

  it('a document longer than maxDocumentChars is a clear error, not an out-of-memory crash', async () => {
    const p = tmp('long');
    writeFileSync(p, 'word '.repeat(400));
    const run = async (split: 'eot' | 'blank'): Promise<void> => {
      for await (const _ of readDocuments(p, { split, chunkSize: 64, maxDocumentChars: 1000 })) void _;
    };
    await expect(run('eot')).rejects.toThrow(DocumentError);
    await expect(run('eot')).rejects.toThrow(/document 0 \(0-based\) is longer than maxDocumentChars = 1000.*split 'eot'.*try split 'blank'.*at byte offset/);
    await expect(run('blank')).rejects.toThrow(/longer than maxDocumentChars = 1000/);
  });

  it('batches carry document indices and byte progress; a missing file is a clear error', async () => {
    const p = tmp('batches');
    writeFileSync(p, Array.from({ length: 50 }, (_, i) => `Story ${i}.`).join(`\n${END_OF_TEXT}\n`));
    let next = 0, last = 0;
    for await (const b of readDocumentBatches(p, { chunkSize: 100 })) {
      expect(b.firstDoc).toBe(next);
      expect(b.split).toBe('eot');
      expect(b.bytesRead).toBeGreaterThanOrEqual(last);
      expect(b.docs[0]).toBe(`Story ${next}.`);
      next += b.docs.length;
      last = b.bytesRead;
      expect(b.totalBytes).toBe(statSync(p).size);
    }
    expect(next).toBe(50);
    expect(last).toBe(statSync(p).size);
    await expect(readDocuments(join(dir, 'nope.txt')).next()).rejects.toThrow(/ENOENT.*nope\.txt/);
  });
});

describe.skipIf(!haveData)('tokenizeToShard (real llama2.c tokenizer)', () => {
  /** The first `bytes` of a shared text, cut at a line end, written to a temp file. */
  function head(name: string, bytes: number): string {
    const text = readFileSync(DATA + `tinystories/${name}`, 'utf8');
    const cut = text.lastIndexOf('\n', bytes);
    const p = tmp(name.replace('.txt', ''));
    writeFileSync(p, text.slice(0, cut + 1));
    return p;
  }

  it('gives the ids of encoding each document directly (BOS before each), eot and blank files', async () => {
    const tok = tok512();
    for (const [name, split] of [['train.txt', 'eot'], ['valid.txt', 'blank'], ['sample.txt', 'eot']] as const) {
      const text = name === 'sample.txt' ? DATA + 'tinystories/sample.txt' : head(name, 60_000);
      const docs = splitDocuments(readFileSync(text, 'utf8'));
      expect(docs.length).toBeGreaterThan(4);
      const want = docs.flatMap((d) => tok.encode(d)); // llama2.c: BOS (1) then the story
      const out = tmp('shard');
      const progress: TokenizeProgress[] = [];
      const r = await tokenizeToShard(text, out, tok, { docSeparatorId: tok.bosId, chunkSize: 4096, onProgress: (p) => progress.push(p) });
      expect(r.split).toBe(split);
      const s = await readShard(out);
      expect(s.dtype).toBe('uint16');
      expect(Array.from(s.tokens)).toEqual(want);
      const st = statSync(text);
      expect(s).toMatchObject({ vocabSize: 512, tokenCount: want.length, docCount: docs.length, sourceBytes: st.size, sourceMtimeMs: st.mtimeMs });
      expect(r.tokenCount).toBe(want.length);
      expect(progress.at(-1)).toMatchObject({ done: true, bytesRead: st.size, totalBytes: st.size, documents: docs.length, tokens: want.length });
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]!.bytesRead);
      expect(tok.decode(s.tokens.subarray(0, 200))).toBe(tok.decode(want.slice(0, 200)));
    }
  });

  it('asynchronous batches in flight (the worker seam) give the same shard', async () => {
    const tok = tok512();
    const text = head('train.txt', 30_000);
    const a = tmp('sync'), b = tmp('async');
    await tokenizeToShard(text, a, tok, { docSeparatorId: 1, chunkSize: 2048 });
    let inFlight = 0, maxInFlight = 0;
    const encodeBatch = async (docs: string[], firstDoc: number) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, (docs.length * 7 + firstDoc) % 5));
      inFlight--;
      return encodeDocuments(docs, tok, { docSeparatorId: 1, firstDoc });
    };
    await tokenizeToShard(text, b, tok, { docSeparatorId: 1, chunkSize: 2048, encodeBatch, concurrency: 4 });
    expect(maxInFlight).toBeGreaterThan(1);
    expect(readFileSync(b)).toEqual(readFileSync(a));
  });

  it('rejects a tokenizer that adds BOS itself, a missing or out-of-range separator', async () => {
    const tok = tok512();
    const text = DATA + 'tinystories/sample.txt';
    const withBos: TextTokenizer = { vocabSize: tok.vocabSize, encode: (s) => tok.encode(s) };
    await expect(tokenizeToShard(text, tmp(), withBos, { docSeparatorId: 1 })).rejects.toThrow(/returned \[1\], expected \[\]/);
    await expect(tokenizeToShard(text, tmp(), tok, {} as never)).rejects.toThrow(/docSeparatorId is required/);
    await expect(tokenizeToShard(text, tmp(), tok, { docSeparatorId: 512 })).rejects.toThrow(/docSeparatorId 512 is not an id of this 512-token vocabulary/);
    const ctrl = new AbortController();
    ctrl.abort(new Error('stop now'));
    await expect(tokenizeToShard(text, tmp(), tok, { docSeparatorId: 1, signal: ctrl.signal })).rejects.toThrow(/stop now/);
    expect(leftovers(dir)).toEqual([]);
  });

  it('cachedShard reuses a matching shard and rebuilds on a changed text, tokenizer or corruption', async () => {
    const tok = tok512();
    const text = head('valid.txt', 20_000);
    const cache = join(dir, 'cache');
    const opts = { docSeparatorId: 1 };
    const first = await cachedShard(text, cache, tok, 'tok512', opts);
    expect(first).toMatchObject({ reused: false, reason: 'no cached shard' });
    const mtime = statSync(first.path).mtimeMs;
    const again = await cachedShard(text, cache, tok, 'tok512', opts);
    expect(again).toMatchObject({ reused: true, path: first.path });
    expect(Array.from(again.shard.tokens)).toEqual(Array.from(first.shard.tokens));
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    // Same path, other tokenizer key or separator: another shard file, built.
    const other = await cachedShard(text, cache, tok, 'tok512-v2', opts);
    expect(other.reused).toBe(false);
    expect(other.path).not.toBe(first.path);
    expect((await cachedShard(text, cache, tok, 'tok512', { docSeparatorId: 2 })).reused).toBe(false);
    // The text is touched (mtime) or edited (size): rebuilt in place.
    const t = statSync(text).mtime;
    utimesSync(text, t, new Date(t.getTime() + 5000));
    const touched = await cachedShard(text, cache, tok, 'tok512', opts);
    expect(touched).toMatchObject({ reused: false, path: first.path });
    expect(touched.reason).toMatch(/text changed/);
    writeFileSync(text, readFileSync(text, 'utf8') + '\nOne more story.\n');
    const edited = await cachedShard(text, cache, tok, 'tok512', opts);
    expect(edited.reused).toBe(false);
    expect(edited.shard.docCount).toBe(first.shard.docCount + 1);
    expect((await cachedShard(text, cache, tok, 'tok512', opts)).reused).toBe(true);
    // A corrupt cached shard is rebuilt, not trusted.
    const bytes = readFileSync(first.path);
    bytes[SHARD_HEADER_BYTES + 10]! ^= 0x40;
    writeFileSync(first.path, bytes);
    const fixed = await cachedShard(text, cache, tok, 'tok512', opts);
    expect(fixed.reused).toBe(false);
    expect(fixed.reason).toMatch(/cached shard unreadable: .*checksum mismatch/);
    expect(Array.from(fixed.shard.tokens)).toEqual(Array.from(edited.shard.tokens));
    expect(leftovers(cache)).toEqual([]);
  });

  it('throughput on train.txt with tok512 (logged, not asserted)', async () => {
    const tok = tok512();
    const text = DATA + 'tinystories/train.txt';
    const r = await tokenizeToShard(text, tmp('train'), tok, { docSeparatorId: 1 });
    const mb = statSync(text).size / 1e6;
    console.log(
      `tokenizeToShard train.txt (${mb.toFixed(2)} MB, ${r.docCount} stories) with tok512: ${r.tokenCount} tokens ` +
        `(${(statSync(text).size / r.tokenCount).toFixed(2)} bytes/token) in ${(r.elapsedMs / 1000).toFixed(2)} s = ${r.mbPerSec.toFixed(2)} MB/s`,
    );
    expect(r.docCount).toBe(2316);
    expect(r.split).toBe('eot');
  });
});

describe('BatchSampler', () => {
  const ramp = (n: number): Uint16Array => Uint16Array.from({ length: n }, (_, i) => i % 65536);

  it('windows are in range and targets are inputs shifted by one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(), (T, B, extra, seed, step) => {
        const n = T + 1 + extra;
        const tokens = ramp(n);
        const s = new BatchSampler(tokens, { batchSize: B, seqLen: T, seed });
        const { inputs, targets, batchSize, seqLen } = s.batch(step);
        expect([inputs.length, targets.length, batchSize, seqLen]).toEqual([B * T, B * T, B, T]);
        for (let b = 0; b < B; b++) {
          const start = inputs[b * T]!;
          expect(start).toBe(s.windowStart(step, b));
          expect(start + T).toBeLessThanOrEqual(n - 1);
          for (let t = 0; t < T; t++) {
            expect(inputs[b * T + t]).toBe(start + t);
            expect(targets[b * T + t]).toBe(start + t + 1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is a function of (seed, step) alone; steps and seeds differ; every start is reachable', () => {
    const tokens = ramp(20000);
    const a = new BatchSampler(tokens, { batchSize: 8, seqLen: 32, seed: 1234 });
    const b = new BatchSampler(tokens, { batchSize: 8, seqLen: 32, seed: 1234 });
    const seen = new Set<string>();
    for (const step of [0, 1, 2, 1000, 77777, 2 ** 32 - 1]) {
      expect(b.batch(step)).toEqual(a.batch(step)); // a fresh sampler, as after a resume
      seen.add(Array.from(a.batch(step).inputs).join());
    }
    expect(seen.size).toBe(6);
    expect(new BatchSampler(tokens, { batchSize: 8, seqLen: 32, seed: 1235 }).batch(0).inputs).not.toEqual(a.batch(0).inputs);
    // Steps map to distinct keys (randomBits is a bijection of the counter for a fixed seed).
    const keys = new Set(Array.from({ length: 100000 }, (_, s) => randomBits(1234, s)));
    expect(keys.size).toBe(100000);
    // Coverage: with 10 possible starts, all (the last one included) appear, roughly uniformly.
    const small = new BatchSampler(ramp(15), { batchSize: 4, seqLen: 5, seed: 7 });
    const counts = new Array(10).fill(0);
    for (let step = 0; step < 2500; step++) for (let r = 0; r < 4; r++) counts[small.windowStart(step, r)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800); // 1000 expected each
    // Reusing the output arrays gives the same values.
    const out = a.batch(5);
    const again = a.batch(6, out);
    expect(again.inputs).toBe(out.inputs);
    expect(again).toEqual(b.batch(6));
  });

  it('evaluation batches are sequential, non-overlapping and deterministic', () => {
    const tokens = ramp(103);
    const s = new BatchSampler(tokens, { batchSize: 3, seqLen: 10, seed: 9 });
    expect(s.evalWindowCount).toBe(10);
    const batches = [...s.evalBatches()];
    expect(batches.map((b) => b.batchSize)).toEqual([3, 3, 3, 1]);
    const starts = batches.flatMap((b) => Array.from({ length: b.batchSize }, (_, r) => b.inputs[r * 10]!));
    expect(starts).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    for (const b of batches) for (let i = 0; i < b.inputs.length; i++) expect(b.targets[i]).toBe(b.inputs[i]! + 1);
    expect([...s.evalBatches(2)]).toEqual(batches.slice(0, 2));
    expect(s.evalBatchCount(2)).toBe(2);
    expect([...new BatchSampler(tokens, { batchSize: 3, seqLen: 10, seed: 1 }).evalBatches()]).toEqual(batches);
    expect([...new BatchSampler(ramp(11), { batchSize: 4, seqLen: 10 }).evalBatches()].map((b) => b.batchSize)).toEqual([1]);
  });

  it('too few tokens or bad options are clear errors', () => {
    expect(() => new BatchSampler(ramp(10), { batchSize: 1, seqLen: 10 })).toThrow(/the shard has 10 tokens, fewer than seqLen \+ 1 = 11/);
    expect(() => new BatchSampler(ramp(100), { batchSize: 0, seqLen: 10 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new BatchSampler(ramp(100), { batchSize: 2, seqLen: 1.5 })).toThrow(/seqLen must be a positive integer/);
    const s = new BatchSampler(ramp(100), { batchSize: 2, seqLen: 10 });
    expect(() => s.batch(-1)).toThrow(/step must be an integer/);
    expect(() => s.batch(2 ** 32)).toThrow(/step must be an integer/);
    expect(new BatchSampler(ramp(11), { batchSize: 2, seqLen: 10 }).batch(3).inputs[0]).toBe(0);
  });
});

describe('shard + sampler end to end', () => {
  it('a decoded shard feeds the sampler directly', async () => {
    const p = tmp('e2e');
    await writeShard(p, Array.from({ length: 1000 }, (_, i) => i % 300), { vocabSize: 300 });
    const { tokens } = await readShard(p);
    const s = new BatchSampler(tokens, { batchSize: 4, seqLen: 16, seed: 3 });
    const { inputs, targets } = s.batch(0);
    for (let i = 0; i < inputs.length; i++) expect(targets[i]).toBe((inputs[i]! + 1) % 300);
    expect(decodeShardHeader(readFileSync(p)).tokenCount).toBe(1000);
  });
});
