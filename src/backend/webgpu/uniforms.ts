/**
 * Uniform parameters (shapes, strides, sizes) for dispatches. Each dispatch gets a 256-byte slot
 * in a 64 KiB chunk buffer; the words are staged in a host mirror and written with ONE
 * `queue.writeBuffer` per chunk just before the pending encoder is submitted. Chunks are reused
 * only after that submit (the next epoch's writes are queued after it), so a slot's data can never
 * be overwritten while a pending dispatch still needs it.
 *
 * Packing helpers lay out the WGSL structs: u32/i32 words, rank-8 shapes as array<vec4<u32>, 2>.
 */
import { MAX_RANK } from '../backend.js';
import { ERR } from './errors.js';

const CHUNK_BYTES = 64 * 1024;

interface Chunk {
  buffer: GPUBuffer;
  mirror: Uint32Array;
  used: number; // bytes
}

/** A uniform binding: chunk buffer plus slot offset. */
export interface UniformSlot {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

export class UniformArena {
  private chunks: Chunk[] = [];
  private current = 0;
  readonly slotBytes: number;

  constructor(private readonly device: GPUDevice, minOffsetAlignment: number) {
    this.slotBytes = Math.max(256, minOffsetAlignment);
  }

  /** Stages `words` (each a u32 or i32 value) and returns where it will live. */
  alloc(words: readonly number[]): UniformSlot {
    if (words.length * 4 > this.slotBytes) throw new Error(`${ERR} uniform block too large (${words.length * 4} bytes)`);
    let c = this.chunks[this.current];
    if (c && c.used + this.slotBytes > CHUNK_BYTES) c = this.chunks[++this.current];
    if (!c) {
      c = {
        buffer: this.device.createBuffer({ size: CHUNK_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
        mirror: new Uint32Array(CHUNK_BYTES / 4),
        used: 0,
      };
      this.chunks[this.current] = c;
    }
    const offset = c.used;
    const base = offset / 4;
    for (let i = 0; i < words.length; i++) c.mirror[base + i] = words[i]! >>> 0;
    c.used += this.slotBytes;
    return { buffer: c.buffer, offset, size: this.slotBytes };
  }

  /** Writes every staged slot to the GPU; call right before submitting, then reuse from the start. */
  upload(queue: GPUQueue): void {
    for (let i = 0; i <= this.current && i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (c.used > 0) queue.writeBuffer(c.buffer, 0, c.mirror.buffer, 0, c.used);
      c.used = 0;
    }
    this.current = 0;
  }

  /** Bytes of uniform chunk buffers (not counted as tensor memory). */
  get bytes(): number {
    return this.chunks.length * CHUNK_BYTES;
  }

  destroy(): void {
    for (const c of this.chunks) c.buffer.destroy();
    this.chunks = [];
  }
}

/** A rank-8 shape padded with 1s (array<vec4<u32>, 2>). */
export function shape8(shape: readonly number[]): number[] {
  if (shape.length > MAX_RANK) throw new Error(`${ERR} rank ${shape.length} exceeds ${MAX_RANK}`);
  const out = new Array<number>(MAX_RANK).fill(1);
  shape.forEach((v, i) => (out[i] = v));
  return out;
}

/** Rank-8 strides padded with 0s (array<vec4<i32>, 2>). */
export function strides8(strides: readonly number[]): number[] {
  if (strides.length > MAX_RANK) throw new Error(`${ERR} rank ${strides.length} exceeds ${MAX_RANK}`);
  const out = new Array<number>(MAX_RANK).fill(0);
  strides.forEach((v, i) => (out[i] = v));
  return out;
}

/** f32 bit pattern of a number, as a u32 word. */
export function f32Bits(v: number): number {
  F32[0] = v;
  return U32[0]!;
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
