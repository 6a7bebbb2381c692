/** Small helpers shared by the benchmark scripts: medians, timing loops, table printing. */

/** Median of a non-empty list. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `once` (an async function doing `reps` operations and waiting for them): one warm-up call,
 * then up to `maxRuns` timed calls while the total stays under `budgetMs` (at least `minRuns`).
 * Returns the median milliseconds per operation and the per-run samples.
 */
export async function timeIt(once, { reps = 1, minRuns = 3, maxRuns = 7, budgetMs = 4000 } = {}) {
  await once();
  const samples = [];
  const t0 = performance.now();
  while (samples.length < maxRuns && (samples.length < minRuns || performance.now() - t0 < budgetMs)) {
    const s = performance.now();
    await once();
    samples.push((performance.now() - s) / reps);
  }
  return { ms: median(samples), samples };
}

/**
 * Times several contenders fairly on a shared machine: after one warm-up call each, rounds of one
 * timed call per contender (in turn) run until `minRuns` rounds are done and `budgetMs` has
 * passed (at most `maxRuns`), so a neighbour's load hits every contender alike. Each contender is
 * { name, once } where once() does `reps` operations and waits for them. Returns
 * name -> { ms (median per operation), samples }.
 */
export async function timeInterleaved(contenders, { reps = 1, minRuns = 3, maxRuns = 7, budgetMs = 4000 } = {}) {
  for (const c of contenders) await c.once();
  const samples = new Map(contenders.map((c) => [c.name, []]));
  const t0 = performance.now();
  for (let r = 0; r < maxRuns && (r < minRuns || performance.now() - t0 < budgetMs); r++) {
    for (const c of contenders) {
      const s = performance.now();
      await c.once();
      samples.get(c.name).push((performance.now() - s) / reps);
    }
  }
  return new Map([...samples].map(([k, v]) => [k, { ms: median(v), samples: v }]));
}

/** Picks how many operations one timed call should hold so that it lasts roughly `targetMs`. */
export function repsFor(flops, guessGflops = 3, targetMs = 150) {
  const ms = flops / (guessGflops * 1e6);
  return Math.max(1, Math.min(50, Math.round(targetMs / Math.max(ms, 1e-3))));
}

/** Prints rows (arrays of strings) as an aligned text table with a header. */
export function printTable(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  console.log(line(header));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomData(n, seed) {
  const out = new Float32Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 8) / 8388608 - 1;
  }
  return out;
}

/** Largest |a - b| relative to the largest |b| (0 when both are empty). */
export function relError(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}
