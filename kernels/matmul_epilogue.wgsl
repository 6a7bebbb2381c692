// matmul_epilogue.wgsl — the elementwise tail of a matmul, applied as each output is stored, so a
// linear layer's bias (and GELU, or the GELU backward) costs no extra pass over memory. Not a
// kernel: appended (KernelSpec.include) to matmul.wgsl, matmul_reg.wgsl, matmul_reg_sg.wgsl and
// matmul_splitk.wgsl, which store `OUT(EPI(i, c, x))` for flat output index i of [batch, M, N],
// column c and f32 sum x. EPI is substituted by one of the functions below; only its bindings are
// used, so the pipeline binds exactly those (src/backend/webgpu/matmul.ts `epilogueBindings`).
//   epi_none       x
//   epi_bias       x + bias[c]
//   epi_bias_gelu  h = x + bias[c]; pre[i] = h; gelu(h)     (pre: the input of the GELU, saved for its backward)
//   epi_gelu       pre[i] = x; gelu(x)
//   epi_gelu_grad  f_geluGrad(h[i], x) = x * gelu'(h[i])   (the backward of a GELU whose input was h)
// GELU and its gradient: common.wgsl f_gelu, f_geluGrad.
// Matches: src/backend/cpu/cpu-backend.ts `matmulFused` (the same tail applied to the CPU product).
// Bindings: 5 ep_bias: array<ELEM> [N] (read)   6 ep_pre: array<ELEM> [batch, M, N] (write)
//           7 ep_h: array<ELEM> [batch, M, N] (read)
// Substitutions: ELEM, EPI.

@group(0) @binding(5) var<storage, read> ep_bias: array<ELEM>;
@group(0) @binding(6) var<storage, read_write> ep_pre: array<ELEM>;
@group(0) @binding(7) var<storage, read> ep_h: array<ELEM>;

fn epi_none(i: u32, c: u32, x: f32) -> f32 { return x; }
fn epi_bias(i: u32, c: u32, x: f32) -> f32 { return x + f32(ep_bias[c]); }
fn epi_bias_gelu(i: u32, c: u32, x: f32) -> f32 {
  // The GELU reads h as stored (rounded to ELEM), as a separate gelu op would.
  let h = ELEM(x + f32(ep_bias[c]));
  ep_pre[i] = h;
  return f_gelu(f32(h));
}
fn epi_gelu(i: u32, c: u32, x: f32) -> f32 {
  let h = ELEM(x);
  ep_pre[i] = h;
  return f_gelu(f32(h));
}
fn epi_gelu_grad(i: u32, c: u32, x: f32) -> f32 {
  // x is rounded to ELEM first, as the gradient a separate matmul would have stored.
  return f_geluGrad(f32(ep_h[i]), f32(ELEM(x)));
}
