/**
 * Peer libraries for the benchmarks, loaded from bench/peers/node_modules (install with
 * `npm install --prefix bench/peers`): TensorFlow.js with its WebGPU backend and jax-js with its
 * WebGPU backend, both on the process's navigator.gpu (bench/lib/gpu-env.mjs), so they run on the
 * same adapter as storygrad. A peer that cannot be loaded or initialised is returned with `why`
 * instead of `matmul`, and the benchmark goes on without it.
 *
 * Each loaded peer has `matmul(spec, aData, bData)` returning a prepared problem
 * `{ issue(), wait(), read(), dispose() }`: issue() enqueues one product (the previous result is
 * disposed), wait() resolves when the GPU finished everything issued, read() returns the last
 * result as a Float32Array. spec = { batch, M, N, K, transA, transB } with a stored [K, M] when
 * transA and b stored [N, K] when transB, batch > 1 giving 3-D operands.
 */
import { readFileSync } from 'node:fs';

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return '?';
  }
}

function shapes({ batch, M, N, K, transA, transB }) {
  const a = transA ? [K, M] : [M, K];
  const b = transB ? [N, K] : [K, N];
  return batch > 1 ? [[batch, ...a], [batch, ...b]] : [a, b];
}

async function loadTfjs() {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') returned false");
  await tf.ready();
  const be = tf.backend();
  return {
    name: 'tfjs-webgpu',
    version: versionOf('@tensorflow/tfjs-backend-webgpu'),
    matmul(spec, aData, bData) {
      const [sa, sb] = shapes(spec);
      const a = tf.tensor(aData, sa), b = tf.tensor(bData, sb);
      let c = null;
      return {
        issue() {
          c?.dispose();
          c = tf.matMul(a, b, spec.transA, spec.transB);
        },
        async wait() {
          // tfjs batches dispatches in an open pass: end it and submit, then wait for the queue.
          if (be.commandEncoder) {
            be.endComputePassEncoder();
            be.submitQueue();
          }
          await be.device.queue.onSubmittedWorkDone();
        },
        async read() {
          return Float32Array.from(await c.data());
        },
        dispose() {
          c?.dispose();
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

async function loadJax() {
  const jax = await import('@jax-js/jax');
  const ok = await jax.init('webgpu');
  if (!ok.includes('webgpu')) throw new Error(`jax.init('webgpu') gave devices [${ok.join(', ')}]`);
  jax.defaultDevice('webgpu');
  const np = jax.numpy;
  return {
    name: 'jax-js-webgpu',
    version: versionOf('@jax-js/jax'),
    matmul(spec, aData, bData) {
      const [sa, sb] = shapes(spec);
      const a = np.array(aData, { shape: sa }), b = np.array(bData, { shape: sb });
      // jax-js is lazy: each product is kicked off with blockUntilReady() when issued (so none is
      // skipped), and the results of a timed batch are disposed after wait().
      let results = [];
      let pending = [];
      const dropAllButLast = () => {
        for (const r of results.slice(0, -1)) r.dispose();
        results = results.slice(-1);
      };
      return {
        issue() {
          // jax-js arrays are consumed by ops: pass new references (.ref), keep a and b.
          const x = spec.transA ? np.matrixTranspose(a.ref) : a.ref;
          const y = spec.transB ? np.matrixTranspose(b.ref) : b.ref;
          const c = np.matmul(x, y);
          results.push(c);
          pending.push(c.blockUntilReady());
        },
        async wait() {
          await Promise.all(pending);
          pending = [];
          dropAllButLast();
        },
        async read() {
          return Float32Array.from(await results[results.length - 1].ref.data());
        },
        dispose() {
          for (const r of results) r.dispose();
          results = [];
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/** Loads every peer; each entry is { name, version, matmul } or { name, why }. */
export async function loadPeers(names = ['tfjs-webgpu', 'jax-js-webgpu']) {
  const loaders = { 'tfjs-webgpu': loadTfjs, 'jax-js-webgpu': loadJax };
  const out = [];
  for (const name of names) {
    try {
      out.push(await loaders[name]());
    } catch (e) {
      out.push({ name, why: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }
  return out;
}
