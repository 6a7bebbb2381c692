// safetensors: property round trips over random shapes/dtypes/metadata, the exact byte layout,
// half-precision conversions, and a clear SafetensorsError for every malformed-header case.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  saveSafetensors, loadSafetensors, SafetensorsError, writeFileAtomic,
  f16BitsToNumber, numberToF16Bits, bf16BitsToNumber, numberToBf16Bits,
} from '../src/io/index.js';
import type { SafetensorsEntry } from '../src/io/index.js';

/** Builds a file from a raw header object (or string) and a data buffer. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lenOverride?: [number, number]): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, lenOverride ? lenOverride[0] : json.length, true);
  dv.setUint32(4, lenOverride ? lenOverride[1] : 0, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
const entryArb: fc.Arbitrary<SafetensorsEntry> = fc
  .tuple(fc.constantFrom('F32', 'F16', 'BF16', 'I32' as const), shapeArb, fc.integer())
  .chain(([dtype, shape]): fc.Arbitrary<SafetensorsEntry> => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'I32') return fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }).map((a) => ({ dtype, shape, data: Int32Array.from(a) }));
    if (dtype === 'F32') return fc.array(fc.float({ noNaN: false }), { minLength: n, maxLength: n }).map((a) => ({ dtype, shape, data: Float32Array.from(a) }));
    return fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: n, maxLength: n }).map((a) => ({ dtype, shape, data: Uint16Array.from(a) }));
  });
const nameArb = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => s !== '__metadata__');

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, ctor: 'f32' | 'other'): void {
  expect(a.length).toBe(b.length);
  if (ctor === 'f32') {
    const ua = new Uint32Array(Float32Array.from(a).buffer), ub = new Uint32Array(Float32Array.from(b).buffer);
    expect(Array.from(ua)).toEqual(Array.from(ub));
  } else expect(Array.from(a)).toEqual(Array.from(b));
}

describe('safetensors round trips', () => {
  it('save -> load reproduces names, dtypes, shapes, bits and metadata (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(nameArb, entryArb, { maxKeys: 6 }),
        fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }), { nil: undefined }),
        (record, metadata) => {
          const bytes = saveSafetensors(record, metadata);
          // header padded so the data starts on an 8-byte boundary, padding is spaces
          const hlen = new DataView(bytes.buffer).getUint32(0, true);
          expect((8 + hlen) % 8).toBe(0);
          const header = new TextDecoder().decode(bytes.subarray(8, 8 + hlen));
          expect(header.trimEnd().endsWith('}')).toBe(true);
          expect(/^[^]*\} *$/.test(header)).toBe(true);
          const raw = loadSafetensors(bytes, { half: 'raw' });
          expect(raw.metadata).toEqual(metadata ?? {});
          expect(Object.keys(raw.tensors).sort()).toEqual(Object.keys(record).sort());
          for (const [name, e] of Object.entries(record)) {
            const got = raw.tensors[name]!;
            expect(got.dtype).toBe(e.dtype);
            expect(got.shape).toEqual(e.shape);
            expect(got.data.constructor).toBe(e.data.constructor);
            sameBits(got.data, e.data, e.dtype === 'F32' ? 'f32' : 'other');
          }
          const dec = loadSafetensors(bytes);
          for (const [name, e] of Object.entries(record)) {
            const got = dec.tensors[name]!;
            if (e.dtype === 'F16' || e.dtype === 'BF16') {
              expect(got.data).toBeInstanceOf(Float32Array);
              const f = e.dtype === 'F16' ? f16BitsToNumber : bf16BitsToNumber;
              expect(Array.from(got.data)).toEqual(Array.from(e.data as Uint16Array, (h) => Math.fround(f(h))));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes the documented layout: sorted keys, contiguous little-endian data, metadata', () => {
    const bytes = saveSafetensors(
      { b: { dtype: 'I32', shape: [2], data: Int32Array.from([1, -2]) }, a: { dtype: 'F32', shape: [1], data: Float32Array.from([1.5]) } },
      { format: 'pt' },
    );
    const hlen = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] },
    });
    expect(Object.keys(header).filter((k) => k !== '__metadata__')).toEqual(['a', 'b']);
    expect(Array.from(bytes.subarray(8 + hlen))).toEqual([0, 0, 0xc0, 0x3f, 1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  });

  it('accepts Float32Array for F16/BF16 and rounds to nearest even', () => {
    const vals = [0, -0, 1, 1 / 3, 65504, 65520, 1e-8, -2.5, Infinity, NaN];
    const bytes = saveSafetensors({
      h: { dtype: 'F16', shape: [vals.length], data: Float32Array.from(vals) },
      b: { dtype: 'BF16', shape: [vals.length], data: Float32Array.from(vals) },
    });
    const { tensors } = loadSafetensors(bytes);
    const h = Array.from(tensors.h!.data), b = Array.from(tensors.b!.data);
    expect(h.slice(0, 4)).toEqual([0, -0, 1, 0.333251953125]);
    expect(h[4]).toBe(65504);
    expect(h[5]).toBe(Infinity); // 65520 is the halfway point to infinity: ties to even (inf)
    expect(h[6]).toBe(0); // below half the smallest subnormal
    expect(h[7]).toBe(-2.5);
    expect(h[8]).toBe(Infinity);
    expect(h[9]).toBeNaN();
    expect(b[3]).toBe(0.333984375);
    expect(b[8]).toBe(Infinity);
    expect(b[9]).toBeNaN();
  });

  it('loads a file whose tensors leave gaps and start at a non-aligned offset', () => {
    const data = new Uint8Array(11);
    new DataView(data.buffer).setFloat32(3, 2.25, true);
    const { tensors } = loadSafetensors(rawFile({ x: { dtype: 'F32', shape: [], data_offsets: [3, 7] } }, data));
    expect(tensors.x!.shape).toEqual([]);
    expect(Array.from(tensors.x!.data)).toEqual([2.25]);
  });

  it('keeps names like __proto__ as plain tensors', () => {
    const own = Object.create(null) as Record<string, SafetensorsEntry>;
    Object.defineProperty(own, '__proto__', { value: { dtype: 'F32', shape: [1], data: Float32Array.from([7]) }, enumerable: true });
    const { tensors } = loadSafetensors(saveSafetensors(own));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Array.from(Object.getOwnPropertyDescriptor(tensors, '__proto__')!.value.data)).toEqual([7]);
  });
});

describe('half-precision conversions', () => {
  it('f16 bits -> number -> bits is the identity for every non-NaN pattern', () => {
    for (let h = 0; h < 65536; h++) {
      const x = f16BitsToNumber(h);
      if (Number.isNaN(x)) {
        expect(Number.isNaN(f16BitsToNumber(numberToF16Bits(x)))).toBe(true);
        continue;
      }
      expect(numberToF16Bits(x)).toBe(h);
    }
  });

  it('f16 rounding picks the nearest representable value, ties to even (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -70000, max: 70000 }), (x) => {
        const h = numberToF16Bits(x);
        const y = f16BitsToNumber(h);
        // neighbours of h in magnitude
        const mag = h & 0x7fff, sign = h & 0x8000;
        const up = mag < 0x7c00 ? f16BitsToNumber(sign | (mag + 1)) : y;
        const down = mag > 0 ? f16BitsToNumber(sign | (mag - 1)) : y;
        const err = Math.abs(y - x);
        if (Number.isFinite(y)) {
          expect(err).toBeLessThanOrEqual(Math.abs(up - x));
          expect(err).toBeLessThanOrEqual(Math.abs(down - x));
          const tie = (up !== y && err === Math.abs(up - x)) || (down !== y && err === Math.abs(down - x));
          if (tie) expect(mag & 1).toBe(0);
        } else expect(Math.abs(x)).toBeGreaterThanOrEqual(65520);
      }),
      { numRuns: 2000 },
    );
  });

  it('f16 ties round to even, normal and subnormal', () => {
    expect(f16BitsToNumber(numberToF16Bits(1 + 2 ** -11))).toBe(1);
    expect(f16BitsToNumber(numberToF16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(f16BitsToNumber(numberToF16Bits(-(1 + 3 * 2 ** -11)))).toBe(-(1 + 2 ** -9));
    expect(numberToF16Bits(2 ** -25)).toBe(0);
    expect(numberToF16Bits(3 * 2 ** -25)).toBe(2);
    expect(numberToF16Bits(5 * 2 ** -25)).toBe(2);
    expect(numberToF16Bits(2 ** -25 * 1.0001)).toBe(1);
    expect(numberToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x400); // subnormal rounding carries into the exponent
  });

  it('bf16 keeps the top 16 bits, rounding to nearest even', () => {
    for (let h = 0; h < 65536; h += 7) {
      const x = bf16BitsToNumber(h);
      if (!Number.isNaN(x)) expect(numberToBf16Bits(x)).toBe(h);
    }
    const u = new Uint32Array(1), f = new Float32Array(u.buffer);
    u[0] = 0x3f808000; // exactly halfway between 0x3f80 and 0x3f81: ties to even (0x3f80)
    expect(numberToBf16Bits(f[0]!)).toBe(0x3f80);
    u[0] = 0x3f818000; // halfway between 0x3f81 and 0x3f82: ties to even (0x3f82)
    expect(numberToBf16Bits(f[0]!)).toBe(0x3f82);
    u[0] = 0x3f808001;
    expect(numberToBf16Bits(f[0]!)).toBe(0x3f81);
  });
});

describe('malformed safetensors files give clear errors', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = new Uint8Array(8);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /file too short: 0 bytes/],
    ['7-byte file', () => new Uint8Array(7), /file too short: 7 bytes/],
    ['header length overflows the file', () => rawFile(ok, eight, [1000, 0]), /header length 1000 overflows the file/],
    ['huge 64-bit header length', () => rawFile(ok, eight, [0xffffffff, 0xffffffff]), /overflows the file/],
    ['header length just past the end', () => { const f = rawFile(ok, eight); new DataView(f.buffer).setUint32(0, f.length - 7, true); return f; }, /overflows the file/],
    ['zero header length', () => rawFile('', new Uint8Array(0)), /too small/],
    ['non-JSON header', () => rawFile('{"x": nope}', eight), /not valid JSON/],
    ['header not an object', () => rawFile('[1,2]'), /must be a JSON object/],
    ['invalid UTF-8 header', () => { const f = rawFile('{"a":1}'); f[10] = 0xff; return f; }, /not valid UTF-8/],
    ['unknown dtype', () => rawFile({ x: { dtype: 'Q7', shape: [2], data_offsets: [0, 8] } }, eight), /tensor 'x': unknown dtype 'Q7'/],
    ['unsupported spec dtype', () => rawFile({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, eight), /dtype 'F64' is not supported/],
    ['missing dtype', () => rawFile({ x: { shape: [2], data_offsets: [0, 8] } }, eight), /missing dtype/],
    ['bad shape', () => rawFile({ x: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, eight), /shape must be an array of non-negative integers/],
    ['fractional shape', () => rawFile({ x: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, eight), /shape must be/],
    ['shape/offset mismatch', () => rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(12)), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/],
    ['offsets out of range', () => rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, eight), /out of range \(data buffer is 8 bytes\)/],
    ['huge offsets', () => rawFile({ x: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] } }, eight), /out of range/],
    ['reversed offsets', () => rawFile({ x: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, eight), /end before they begin/],
    ['malformed offsets', () => rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0] } }, eight), /data_offsets must be \[begin, end\]/],
    ['overlapping offsets', () => rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight), /'a' \[0, 8\] and 'b' \[4, 8\] overlap/],
    ['tensor entry not an object', () => rawFile({ x: 3 }), /tensor 'x': expected an object/],
    ['metadata not strings', () => rawFile({ __metadata__: { a: 1 } }), /__metadata__ 'a' must be a string/],
    ['metadata not an object', () => rawFile({ __metadata__: 'x' }), /__metadata__ must be an object/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    const bytes = make();
    expect(() => loadSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(bytes)).toThrow(message);
  });

  it('truncating a valid file anywhere gives a SafetensorsError, never a crash', () => {
    const good = saveSafetensors(
      { w: { dtype: 'F32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, i: { dtype: 'I32', shape: [1], data: Int32Array.from([9]) } },
      { note: 'x' },
    );
    for (let n = 0; n < good.length; n++) {
      expect(() => loadSafetensors(good.subarray(0, n))).toThrow(SafetensorsError);
    }
    expect(Object.keys(loadSafetensors(good).tensors)).toEqual(['i', 'w']);
  });

  it('random byte corruption of a valid file either loads or throws SafetensorsError (property)', () => {
    const good = saveSafetensors({ w: { dtype: 'F16', shape: [2, 2], data: Uint16Array.from([1, 2, 3, 4]) } }, { a: 'b' });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const f = good.slice();
        for (const [i, v] of edits) f[i] = v;
        try {
          loadSafetensors(f);
        } catch (e) {
          expect(e).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects invalid records on save', () => {
    expect(() => saveSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/data has 2 elements but shape \[3\] needs 3/);
    expect(() => saveSafetensors({ x: { dtype: 'I32', shape: [1], data: new Float32Array(1) } })).toThrow(/I32 data must be an Int32Array/);
    expect(() => saveSafetensors({ x: { dtype: 'Q' as 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/unsupported dtype 'Q'/);
    expect(() => saveSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
    expect(() => saveSafetensors({}, { a: 1 as unknown as string })).toThrow(/metadata 'a' must be a string/);
  });
});

describe('writeFileAtomic', () => {
  it('writes the bytes, replaces an existing file, and leaves no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-atomic-'));
    try {
      const p = join(dir, 'model.safetensors');
      await writeFileAtomic(p, Uint8Array.from([1, 2, 3]));
      await writeFileAtomic(p, Uint8Array.from([4, 5]));
      expect(Array.from(await readFile(p))).toEqual([4, 5]);
      expect(await readdir(dir)).toEqual(['model.safetensors']);
      await expect(writeFileAtomic(join(dir, 'missing', 'x.bin'), Uint8Array.from([1]))).rejects.toThrow();
      expect(await readdir(dir)).toEqual(['model.safetensors']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
