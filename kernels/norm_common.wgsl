// norm_common.wgsl — the uniform block, bindings and weight accessors that layer_norm.wgsl and
// rms_norm.wgsl share (same numbers in both; LayerNorm adds 3 b, 5 mean_w, 9 mean_r). Not a
// kernel: placed before them by KernelSpec.include (src/backend/webgpu/fused-kernels.ts).
// Provides: Params { rows, C, eps, _ } (binding 0, `u`); 1 x [rows, C] (read); 2 w [C] (read);
//   4 y [rows, C] (write); 6 rstd_w: f32 [rows] (write); 7 dy [rows, C] (read); 8 dx [rows, C]
//   (write); 10 rstd_r: f32 [rows] (read); the weight accessors w_at (w[c]) and w_one (1: no
//   weight, binding 2 unused), one of which the kernel's W_AT substitution names.
// The including kernel defines its entry points; each uses only the bindings its pipeline binds.
// Substitutions: ELEM.

struct Params { rows: u32, C: u32, eps: f32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read> w: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> y: array<ELEM>;
@group(0) @binding(6) var<storage, read_write> rstd_w: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> dx: array<ELEM>;
@group(0) @binding(10) var<storage, read> rstd_r: array<f32>;

fn w_at(c: u32) -> f32 { return f32(w[c]); }
fn w_one(c: u32) -> f32 { return 1.0; }
