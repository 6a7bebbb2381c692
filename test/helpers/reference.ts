/**
 * An independent float64 reference for the op tests: plain JS loops over nested indices, written
 * from the op definitions (PyTorch semantics), sharing no code with src/. Deliberately slow and
 * simple: index -> coordinates -> index, no stride tricks.
 */

/** A reference array: shape plus row-major float64 (or integer-valued) data. */
export interface Arr {
  shape: number[];
  data: number[];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function arr(shape: number[], data: ArrayLike<number>): Arr {
  if (sizeOf(shape) !== data.length) throw new Error(`ref: ${data.length} values for shape [${shape}]`);
  return { shape: shape.slice(), data: Array.from(data) };
}

/** Coordinates of a row-major linear index. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Row-major linear index of coordinates. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + idx[d]!;
  return i;
}

export function get(a: Arr, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)]!;
}

/** NumPy broadcasting rule: right-aligned, each pair equal or one of them 1. Null if impossible. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const v = k - (rank - s.length) >= 0 ? s[k - (rank - s.length)]! : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) return null;
      d = v;
    }
    out.push(d);
  }
  return out;
}

/** Element of a (broadcast) at output coordinates idx. */
function bget(a: Arr, idx: readonly number[]): number {
  const off = idx.length - a.shape.length;
  const own = a.shape.map((d, k) => (d === 1 ? 0 : idx[k + off]!));
  return get(a, own);
}

export function map(a: Arr, f: (x: number) => number): Arr {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

export function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`ref: cannot broadcast [${a.shape}] and [${b.shape}]`);
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(bget(a, idx), bget(b, idx));
  }
  return { shape, data };
}

export function where(c: Arr, a: Arr, b: Arr): Arr {
  const shape = broadcastShape(c.shape, a.shape, b.shape)!;
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = bget(c, idx) !== 0 ? bget(a, idx) : bget(b, idx);
  }
  return { shape, data };
}

/** Scalar math (float64). */
export const gelu = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Reduction over dims (all when undefined); negative dims allowed. */
export function reduce(a: Arr, dims: number[] | undefined, keepdim: boolean, op: 'sum' | 'mean' | 'max'): Arr {
  const rank = a.shape.length;
  const ds = new Set((dims ?? a.shape.map((_, i) => i)).map((d) => (d < 0 ? d + rank : d)));
  const keptShape = a.shape.map((d, i) => (ds.has(i) ? 1 : d));
  const n = sizeOf(keptShape);
  const acc = new Array<number>(n).fill(op === 'max' ? -Infinity : 0);
  const cnt = new Array<number>(n).fill(0);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, k) => (ds.has(k) ? 0 : v));
    const o = ravel(idx, keptShape);
    const v = a.data[i]!;
    if (op === 'max') acc[o] = Math.max(acc[o]!, v);
    else acc[o]! += v;
    cnt[o]!++;
  }
  const data = op === 'mean' ? acc.map((v, i) => v / cnt[i]!) : acc;
  const shape = keepdim ? keptShape : a.shape.filter((_, i) => !ds.has(i));
  return { shape, data };
}

/**
 * torch.matmul semantics: 1-D a is a row vector (dim removed after), 1-D b a column vector; batch
 * dims broadcast. tA / tB transpose the last two dims of a / b (only for rank >= 2).
 */
export function matmul(a: Arr, b: Arr, tA = false, tB = false): Arr {
  let A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : tA ? transposeLast(a) : a;
  let B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : tB ? transposeLast(b) : b;
  const M = A.shape[A.shape.length - 2]!, K = A.shape[A.shape.length - 1]!;
  const K2 = B.shape[B.shape.length - 2]!, N = B.shape[B.shape.length - 1]!;
  if (K !== K2) throw new Error(`ref matmul: ${K} vs ${K2}`);
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2))!;
  const shape = [...batch, M, N];
  const data = new Array<number>(sizeOf(shape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    const bi = idx.slice(0, -2), i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    let s = 0;
    for (let k = 0; k < K; k++) s += bget(A, [...bi, i, k]) * bget(B, [...bi, k, j]);
    data[o] = s;
  }
  A = B = null as any;
  let out: Arr = { shape, data };
  if (a.shape.length === 1) out = { shape: [...shape.slice(0, -2), N], data };
  if (b.shape.length === 1) out = { shape: out.shape.slice(0, -1), data };
  return out;
}

export function transposeLast(a: Arr): Arr {
  const r = a.shape.length;
  const p = a.shape.map((_, i) => i);
  [p[r - 2], p[r - 1]] = [p[r - 1]!, p[r - 2]!];
  return permute(a, p);
}

export function permute(a: Arr, dims: number[]): Arr {
  const r = a.shape.length;
  const d = dims.map((v) => (v < 0 ? v + r : v));
  const shape = d.map((i) => a.shape[i]!);
  const data = new Array<number>(a.data.length);
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    const src = new Array<number>(r);
    d.forEach((s, k) => (src[s] = idx[k]!));
    data[o] = get(a, src);
  }
  return { shape, data };
}

/** Python slicing semantics along one dim (negative indices count from the end; clamped). */
export function slice(a: Arr, dim: number, start: number, end?: number): Arr {
  const r = a.shape.length;
  const d = dim < 0 ? dim + r : dim;
  const n = a.shape[d]!;
  const norm = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = norm(start), e = Math.max(s, norm(end ?? n));
  const shape = a.shape.slice();
  shape[d] = e - s;
  const data: number[] = [];
  for (let o = 0; o < sizeOf(shape); o++) {
    const idx = unravel(o, shape);
    idx[d]! += s;
    data.push(get(a, idx));
  }
  return { shape, data };
}

export function concat(xs: Arr[], dim: number): Arr {
  const r = xs[0]!.shape.length;
  const d = dim < 0 ? dim + r : dim;
  const shape = xs[0]!.shape.slice();
  shape[d] = xs.reduce((s, x) => s + x.shape[d]!, 0);
  const data: number[] = [];
  for (let o = 0; o < sizeOf(shape); o++) {
    const idx = unravel(o, shape);
    let k = idx[d]!, which = 0;
    while (k >= xs[which]!.shape[d]!) { k -= xs[which]!.shape[d]!; which++; }
    idx[d] = k;
    data.push(get(xs[which]!, idx));
  }
  return { shape, data };
}

export function expand(a: Arr, shape: number[]): Arr {
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = bget(a, unravel(i, shape));
  return { shape: shape.slice(), data };
}

/** Applies f to every 1-D lane along dim (f maps a lane to a lane of the same length). */
export function lanes(a: Arr, dim: number, f: (lane: number[]) => number[]): Arr {
  const r = a.shape.length;
  const d = dim < 0 ? dim + r : dim;
  const out = a.data.slice();
  const n = a.shape[d]!;
  const other = a.shape.map((v, i) => (i === d ? 1 : v));
  for (let o = 0; o < sizeOf(other); o++) {
    const idx = unravel(o, other);
    const pos = (k: number) => { idx[d] = k; return ravel(idx, a.shape); };
    const lane = Array.from({ length: n }, (_, k) => a.data[pos(k)]!);
    const res = f(lane);
    res.forEach((v, k) => (out[pos(k)] = v));
  }
  return { shape: a.shape.slice(), data: out };
}

export const softmaxLane = (l: number[]): number[] => {
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp(v - m));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
};
export const logSoftmaxLane = (l: number[]): number[] => {
  const m = Math.max(...l);
  const lse = m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0));
  return l.map((v) => v - lse);
};
export const softmax = (a: Arr, dim: number): Arr => lanes(a, dim, softmaxLane);
export const logSoftmax = (a: Arr, dim: number): Arr => lanes(a, dim, logSoftmaxLane);

export function layerNorm(a: Arr, w: number[] | null, b: number[] | null, eps = 1e-5): Arr {
  return lanes(a, -1, (l) => {
    const mu = l.reduce((s, v) => s + v, 0) / l.length;
    const v = l.reduce((s, x) => s + (x - mu) ** 2, 0) / l.length;
    return l.map((x, i) => ((x - mu) / Math.sqrt(v + eps)) * (w ? w[i]! : 1) + (b ? b[i]! : 0));
  });
}

export function rmsNorm(a: Arr, w: number[] | null, eps = 1e-5): Arr {
  return lanes(a, -1, (l) => {
    const ms = l.reduce((s, x) => s + x * x, 0) / l.length;
    return l.map((x, i) => (x / Math.sqrt(ms + eps)) * (w ? w[i]! : 1));
  });
}

/** Cross-entropy of logits [..., C] with integer targets [...]. */
export function crossEntropy(logits: Arr, targets: number[], ignoreIndex = -100, reduction: 'mean' | 'sum' | 'none' = 'mean'): Arr {
  const C = logits.shape[logits.shape.length - 1]!;
  const lead = logits.shape.slice(0, -1);
  const losses: number[] = [];
  let total = 0, count = 0;
  for (let n = 0; n < targets.length; n++) {
    const row = logits.data.slice(n * C, (n + 1) * C);
    const t = targets[n]!;
    if (t === ignoreIndex) { losses.push(0); continue; }
    const l = -logSoftmaxLane(row)[t]!;
    losses.push(l);
    total += l;
    count++;
  }
  if (reduction === 'none') return { shape: lead, data: losses };
  return { shape: [], data: [reduction === 'sum' ? total : total / count] };
}

/** torch.gather. */
export function gather(a: Arr, dim: number, index: Arr): Arr {
  const r = a.shape.length;
  const d = dim < 0 ? dim + r : dim;
  const data = index.data.map((v, o) => {
    const idx = unravel(o, index.shape);
    idx[d] = v;
    return get(a, idx);
  });
  return { shape: index.shape.slice(), data };
}

export function embedding(table: Arr, ids: Arr): Arr {
  const [V, D] = table.shape as [number, number];
  const data: number[] = [];
  for (const id of ids.data) for (let j = 0; j < D; j++) data.push(id >= 0 && id < V ? table.data[id * D + j]! : 0);
  return { shape: [...ids.shape, D], data };
}

export function pickLast(a: Arr, idx: Arr): Arr {
  const C = a.shape[a.shape.length - 1]!;
  return { shape: idx.shape.slice(), data: idx.data.map((j, n) => (j >= 0 && j < C ? a.data[n * C + j]! : 0)) };
}

/** softmax(q kᵀ / sqrt(D) (+ causal mask)) v; q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv]. */
export function attention(q: Arr, k: Arr, v: Arr, causal: boolean): Arr {
  const D = q.shape[q.shape.length - 1]!;
  const Tq = q.shape[q.shape.length - 2]!, Tk = k.shape[k.shape.length - 2]!;
  let s = map(matmul(q, k, false, true), (x) => x / Math.sqrt(D));
  if (causal) {
    s = { shape: s.shape, data: s.data.map((x, o) => {
      const idx = unravel(o, s.shape);
      const i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
      return j <= i + (Tk - Tq) ? x : -Infinity;
    }) };
  }
  return matmul(softmax(s, -1), v);
}

// ---- random numbers: re-implemented from the formula documented in src/backend/rng.ts ----

/** lowbias32 finalizer, in BigInt arithmetic so it shares nothing with the library's Math.imul. */
export function mix32Ref(x: number): number {
  const M = 0xffffffffn;
  let v = BigInt(x >>> 0);
  v ^= v >> 16n;
  v = (v * 0x7feb352dn) & M;
  v ^= v >> 15n;
  v = (v * 0x846ca68bn) & M;
  v ^= v >> 16n;
  return Number(v);
}

export function bitsRef(seed: number, counter: number): number {
  const key = mix32Ref(((seed ^ 0x9e3779b9) >>> 0));
  return mix32Ref((mix32Ref(((counter + key) % 2 ** 32) >>> 0) ^ key) >>> 0);
}

export function uniformRef(seed: number, i: number): number {
  return Math.floor(bitsRef(seed, i) / 256) / 2 ** 24;
}

export function normalRef(seed: number, i: number): number {
  const u1 = (Math.floor(bitsRef(seed, 2 * i) / 256) + 1) / 2 ** 24;
  const u2 = Math.floor(bitsRef(seed, 2 * i + 1) / 256) / 2 ** 24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// ---- half precision rounding, by arithmetic (not bit twiddling) ----

/** Nearest IEEE binary16 value (round half to even, overflow to ±Infinity). */
export function toHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const s = Math.sign(x), a = Math.abs(x);
  if (a >= 65520) return s * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const q = 2 ** (e - 10);
  const m = a / q;
  let r = Math.round(m);
  if (Math.abs(m - Math.trunc(m) - 0.5) === 0) r = Math.trunc(m) % 2 === 0 ? Math.trunc(m) : Math.trunc(m) + 1;
  return s * r * q;
}

// ---- deterministic test data ----

/** mulberry32: a tiny seeded generator for test data (independent of the library's RNG). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32-representable values uniform in [lo, hi). */
export function randomData(n: number, seed: number, lo = -2, hi = 2): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
}

/** n integers in [lo, hi] (inclusive). */
export function randomInts(n: number, seed: number, lo: number, hi: number): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

export function randomArr(shape: number[], seed: number, lo = -2, hi = 2): Arr {
  return { shape: shape.slice(), data: randomData(sizeOf(shape), seed, lo, hi) };
}
