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
