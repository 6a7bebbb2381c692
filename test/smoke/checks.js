// Smoke checks of the BUILT package, shared by the Node (vitest), Deno and Chromium runners.
// Plain ESM JavaScript so a browser page can import it without a build step. Each check gets the
// storygrad module and throws on a wrong result; values are checked against plain JS loops and
// central finite differences, never against the library itself.

/** Deterministic test values in [-1, 1) without using the library's RNG. */
export function values(n, salt) {
  const out = new Float32Array(n);
  let s = (salt * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Row-major [m,k] x [k,n] in float64. */
export function matmulRef(a, b, m, k, n) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
      out[i * n + j] = acc;
    }
  return out;
}

/** Throws unless |got - want| <= atol + rtol * |want| everywhere. */
export function assertClose(got, want, { atol = 1e-5, rtol = 1e-4, what = 'value' } = {}) {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      throw new Error(`${what}[${i}] = ${g}, expected ${w} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function shapeOf(t) {
  return JSON.stringify([...t.shape]);
}

/** Rows of a flat row-major array, as nested arrays for sg.tensor. */
function nest(flat, rows, cols) {
  return Array.from({ length: rows }, (_, i) => Array.from(flat.subarray(i * cols, (i + 1) * cols)));
}

/**
 * The smoke checks, in order: the first initialises the backend, the last shuts it down.
 * @param {any} sg the storygrad module
 * @param {'webgpu' | 'cpu'} backend
 * @returns {{ name: string, run: () => Promise<void> }[]}
 */
export function smokeChecks(sg, backend) {
  // Every check after init() first confirms it runs on the backend under test.
  const on = (name, run) => ({
    name,
    async run() {
      assert(sg.backendName() === backend, `running on ${sg.backendName()}, expected ${backend} (did init fail?)`);
      await run();
    },
  });
  return [
    {
      name: `init({ backend: '${backend}' })`,
      async run() {
        const d = await sg.init({ backend });
        assert(d && d.backend === backend, `init returned backend ${d && d.backend}, expected ${backend}`);
        assert(sg.backendName() === backend, `backendName() is ${sg.backendName()}`);
        assert(sg.describe().backend === backend, 'describe() disagrees with init()');
        if (backend === 'webgpu') assert(typeof d.adapter === 'string' && d.adapter.length > 0, 'no adapter name');
      },
    },
    on('tensor round trip and sum().item()', async () => {
      const t = sg.tensor([[1, 2, 3], [4, 5, 6]]);
      assert(shapeOf(t) === '[2,3]', `shape ${shapeOf(t)}`);
      assertClose(await t.data(), [1, 2, 3, 4, 5, 6], { what: 'data' });
      const s = t.sum();
      assertClose([await s.item()], [21], { what: 'sum' });
      t.dispose();
      s.dispose();
    }),
    ...[[5, 7, 3], [33, 65, 17]].map(([m, k, n]) =>
      on(`matmul [${m},${k}] x [${k},${n}] against a JS loop`, async () => {
        const a = values(m * k, m + 1), b = values(k * n, n + 2);
        const ta = sg.tensor(nest(a, m, k)), tb = sg.tensor(nest(b, k, n));
        const c = ta.matmul(tb);
        assert(shapeOf(c) === JSON.stringify([m, n]), `matmul shape ${shapeOf(c)}`);
        assertClose(await c.data(), matmulRef(a, b, m, k, n), { atol: 1e-5, rtol: 1e-4, what: 'matmul' });
        for (const t of [ta, tb, c]) t.dispose();
      }),
    ),
    on('backward: d/dx sum(x*x) = 2x', async () => {
      const xs = values(12, 7);
      const x = sg.tensor(Array.from(xs), { requiresGrad: true });
      const loss = x.mul(x).sum();
      loss.backward();
      assert(x.grad, 'x.grad is missing after backward()');
      assertClose(await x.grad.data(), Array.from(xs, (v) => 2 * v), { atol: 1e-6, rtol: 1e-6, what: 'grad' });
      for (const t of [x, loss, x.grad]) t.dispose();
    }),
    on('backward: mean(tanh(x @ w)) against central differences', async () => {
      const m = 3, k = 4, n = 2;
      const xv = values(m * k, 11), wv = values(k * n, 12);
      const x = sg.tensor(nest(xv, m, k));
      const f = async (wflat) => {
        const w = sg.tensor(nest(wflat, k, n));
        const y = x.matmul(w).tanh().mean();
        const v = await y.item();
        w.dispose();
        y.dispose();
        return v;
      };
      const w = sg.tensor(nest(wv, k, n), { requiresGrad: true });
      const loss = x.matmul(w).tanh().mean();
      loss.backward();
      assert(w.grad, 'w.grad is missing after backward()');
      const got = await w.grad.data();
      const eps = 1e-2;
      const want = [];
      for (let i = 0; i < wv.length; i++) {
        const plus = Float32Array.from(wv), minus = Float32Array.from(wv);
        plus[i] += eps;
        minus[i] -= eps;
        want.push(((await f(plus)) - (await f(minus))) / (2 * eps));
      }
      // Also against the exact float64 derivative, to catch a finite-difference fluke.
      const z = matmulRef(xv, wv, m, k, n);
      const exact = new Float64Array(k * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          const d = (1 - Math.tanh(z[i * n + j]) ** 2) / (m * n);
          for (let p = 0; p < k; p++) exact[p * n + j] += xv[i * k + p] * d;
        }
      assertClose(got, exact, { atol: 1e-5, rtol: 1e-3, what: 'dL/dw vs exact' });
      assertClose(got, want, { atol: 2e-4, rtol: 2e-2, what: 'dL/dw vs finite differences' });
      for (const t of [x, w, loss, w.grad]) t.dispose();
    }),
    {
      name: 'shutdown()',
      async run() {
        await sg.shutdown();
      },
    },
  ];
}
