// common.wgsl — helpers prepended to every kernel by the TypeScript side (src/backend/webgpu/
// pipelines.ts). Not a kernel itself.
//
// Template placeholders used by the kernel files (replaced textually before compilation):
//   ELEM  storage element type of the main data buffers: f32 | i32 | f16
//   CT    compute type: f32 for f32/f16 storage (f16 math is done in f32), i32 for i32
//   OP    name of the op function a kernel applies (one of the fns defined in its file)
// `enable f16;` is prepended when any buffer of the kernel is f16.
//
// Large 1-D index spaces use a 2-D grid of workgroups (maxComputeWorkgroupsPerDimension is
// 65535): the flat index is gid.x + gid.y * (num_workgroups.x * workgroup size).

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>, wg_size: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg_size;
}

// Flat workgroup index for kernels that run one workgroup per output.
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// Infinities built at run time (a constant expression that overflows is a shader error).
fn pos_inf() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}
fn neg_inf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}
fn quiet_nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}
// NaN test on the bit pattern (x != x may be folded away by fast-math compilers).
fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// Element d (0..7) of a rank-8 shape / stride packed as two vec4 in a uniform.
fn dim_u(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d >> 2u][d & 3u];
}
fn dim_i(v: array<vec4<i32>, 2>, d: u32) -> i32 {
  return v[d >> 2u][d & 3u];
}

// Rank of the (collapsed) index space of the strided kernels (binary, where, copy), fixed per
// pipeline so the coordinate loop below unrolls and only rank - 1 integer divisions remain (the
// outermost coordinate needs none). Integer division is scalarised on SIMD software adapters, so
// this is what elementwise kernels cost there.
override RANK: u32 = 8u;

// Offsets of flat row-major index i of `shape` (RANK dims) under three stride sets at once (the
// CPU side of broadcasting: src/backend/cpu/strided.ts); kernels with fewer operands pass a set
// twice. The coordinates are decomposed once for all operands.
fn strided_offsets(i: u32, shape: array<vec4<u32>, 2>, s0: array<vec4<i32>, 2>, s1: array<vec4<i32>, 2>,
                   s2: array<vec4<i32>, 2>) -> vec3<i32> {
  var rem = i;
  var off = vec3<i32>(0);
  for (var d = i32(RANK) - 1; d >= 1; d--) {
    let n = dim_u(shape, u32(d));
    let q = rem / n;
    let c = i32(rem - q * n);
    off += c * vec3<i32>(dim_i(s0, u32(d)), dim_i(s1, u32(d)), dim_i(s2, u32(d)));
    rem = q;
  }
  return off + i32(rem) * vec3<i32>(dim_i(s0, 0u), dim_i(s1, 0u), dim_i(s2, 0u));
}

// GELU (tanh form) and its gradient: the unary / binary ops f_gelu and f_geluGrad, and the
// matmul epilogue (matmul_epilogue.wgsl). Matches src/backend/cpu/elementwise.ts gelu / geluDerivative.
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const GELU_C: f32 = 0.044715;
// 0.5 x (1 + tanh(u)) = x / (1 + e) for u >= 0 and x e / (1 + e) for u < 0, e = exp(-2|u|):
// no tanh call (no overflow, no NaN for any |x|) and no cancellation for negative x.
fn f_gelu(x: f32) -> f32 {
  let u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
  let e = exp(-2.0 * abs(u));
  return x * select(e, 1.0, u >= 0.0) / (1.0 + e);
}
// g * d/dx gelu_tanh(x) = g * (0.5 (1 + t) + 0.5 x (1 - t^2) du/dx), t = tanh(u). With
// e = exp(-2|u|): 0.5 (1 + t) = 1 / (1 + e) (u >= 0) or e / (1 + e) (u < 0) and
// 1 - t^2 = 4 e / (1 + e)^2, which avoids the cancellation of 1 - t*t near saturation.
// Beyond |x| = 20 the f32 result is exactly g or 0 (and x^3 could overflow).
fn f_geluGrad(x: f32, g: f32) -> f32 {
  if (abs(x) > 20.0) { return select(0.0, g, x > 0.0); }
  let x2 = x * x;
  let u = SQRT_2_OVER_PI * (x + GELU_C * x2 * x);
  let e = exp(-2.0 * abs(u));
  let r = 1.0 / (1.0 + e);
  let half_1pt = select(e * r, r, u >= 0.0);
  let sech2 = 4.0 * e * r * r;
  let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x2);
  return g * (half_1pt + 0.5 * x * sech2 * du);
}
