// attention_bwd_common.wgsl — what the two attention backward kernels (attention_bwd_dq.wgsl,
// attention_bwd_dkv.wgsl) share beyond attention_common.wgsl. Not a kernel: included after
// attention_common.wgsl by src/backend/webgpu/attention.ts.
// Provides: ld_g, head elements 4 d4 .. 4 d4 + 3 of a row of dOut (as ld_q: zeros past D).
// The including kernel defines: dout: array<ELEM> (its binding number differs between the two).

fn ld_g(base: u32, d4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var c = 0u; c < head_lanes(d4); c++) { x[c] = f32(dout[base + 4u * d4 + c]); }
  return x;
}
