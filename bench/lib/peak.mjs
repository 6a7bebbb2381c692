/**
 * Calibration: the adapter's arithmetic peak, measured by FMA-bound WGSL kernels with no memory
 * traffic in the loop (each invocation runs ITERS steps of `acc = fma(acc, m, c)` on several
 * independent accumulators and writes one number). Several accumulator counts and vector widths
 * are tried (software adapters keep each f32 lane group in a SIMD register, so the best count
 * differs per adapter); the best single run of the best configuration counts (a peak: on a shared
 * machine slower runs measure the neighbours). GFLOP/s = 2 * FMAs / wall time.
 * Reference: none (a calibration kernel; its output is not checked beyond being finite).
 */

function source(acc, ty, wg) {
  const vars = Array.from({ length: acc }, (_, j) => j);
  return `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
override ITERS: u32 = 1024u;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = f32(gid.x) * 1e-9;
  let m = ${ty}(0.9999999 - s);
  let c = ${ty}(1e-7 + s);
  ${vars.map((j) => `var a${j} = ${ty}(s + ${j}.0);`).join('\n  ')}
  for (var i = 0u; i < ITERS; i++) {
    ${vars.map((j) => `a${j} = fma(a${j}, m, c);`).join('\n    ')}
  }
  let t = ${vars.map((j) => `a${j}`).join(' + ')};
  out[gid.x] = ${ty === 'f32' ? 't' : 'dot(t, t)'};
}`;
}

/**
 * Measures the peak of `device` in GFLOP/s (f32 FMA = 2 flops). Returns { gflops, config, all }.
 * @param {GPUDevice} device
 */
export async function measurePeak(device, { runs = 7, iters = 2048, workgroups = 512, wg = 64 } = {}) {
  const configs = [['f32', 1, 8], ['f32', 1, 12], ['f32', 1, 16], ['vec4<f32>', 4, 2], ['vec4<f32>', 4, 4]];
  const invocations = workgroups * wg;
  const buf = device.createBuffer({ size: invocations * 4, usage: GPUBufferUsage.STORAGE });
  const all = [];
  for (const [ty, width, acc] of configs) {
    const module = device.createShaderModule({ code: source(acc, ty, wg) });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: { ITERS: iters } } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
    const once = async () => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(workgroups);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    await once();
    const ms = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await once();
      ms.push(performance.now() - t);
    }
    const flops = 2 * invocations * iters * acc * width;
    all.push({ config: `${acc} x ${ty}`, gflops: flops / Math.min(...ms) / 1e6 });
  }
  buf.destroy();
  const best = all.reduce((x, y) => (y.gflops > x.gflops ? y : x));
  return { gflops: best.gflops, config: best.config, all };
}
