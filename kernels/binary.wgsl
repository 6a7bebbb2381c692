// binary.wgsl — broadcasting elementwise binary ops: out[i] = OP(a[ia], b[ib]).
// The flat output index i is decomposed over outShape (row-major); ia / ib are the dot products
// of that coordinate with aStrides / bStrides (0 on broadcast axes). The host merges contiguous
// axes first, so most calls run with rank 1 or 2; the rank is the RANK override (common.wgsl).
// Matches: src/backend/cpu/cpu-backend.ts `binary` with floatBinary / intBinary in
//          src/backend/cpu/elementwise.ts.
// Bindings: 0 uniform StridedParams { n, rank, 0, 0, shape[8], a strides[8], b strides[8] }
//           (strided.wgsl)   1 a: array<ELEM> (read)   2 b: array<ELEM> (read)
//           3 out: array<ELEM> [n] (write)
// Dispatch: WG threads per workgroup, one thread per output element, 2-D grid.
// Includes: strided.wgsl (KernelSpec.include).
// Substitutions: ELEM, CT, OP = f_<op> (float storage, computed in f32) or i_<op> (i32).

@group(0) @binding(1) var<storage, read> a: array<ELEM>;
@group(0) @binding(2) var<storage, read> b: array<ELEM>;
@group(0) @binding(3) var<storage, read_write> out: array<ELEM>;

fn f_add(a: f32, b: f32) -> f32 { return a + b; }
fn f_sub(a: f32, b: f32) -> f32 { return a - b; }
fn f_mul(a: f32, b: f32) -> f32 { return a * b; }
fn f_div(a: f32, b: f32) -> f32 { return a / b; }
// max / min propagate NaN like the CPU reference (WGSL's builtins leave it unspecified).
fn f_max(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  return select(b, a, a > b);
}
fn f_min(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  return select(b, a, a < b);
}
// Math.pow semantics: WGSL pow is undefined for a negative base, so the sign is handled here.
fn f_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  let m = abs(a);
  if (m == 0.0) {
    // 0^b: +0 / +inf for b > 0 / b < 0; -0 with an odd integer b keeps the sign.
    let odd = fract(b * 0.5) == 0.5;
    let neg = a == 0.0 && (bitcast<u32>(a) & 0x80000000u) != 0u && odd;
    let r = select(pos_inf(), 0.0, b > 0.0);
    return select(r, -r, neg);
  }
  var r: f32;
  if (b == 1.0) { r = m; } else if (b == 2.0) { r = m * m; } else { r = exp2(b * log2(m)); }
  if (a < 0.0) {
    if (fract(b) != 0.0) { return quiet_nan(); }
    if (fract(b * 0.5) != 0.0) { r = -r; }
  }
  return r;
}
fn f_lt(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a < b); }
fn f_le(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a <= b); }
fn f_gt(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a > b); }
fn f_ge(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a >= b); }
fn f_eq(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a == b); }
fn f_ne(a: f32, b: f32) -> f32 { return select(0.0, 1.0, !(a == b)); }
// f_geluGrad: common.wgsl (shared with the matmul epilogue).
fn f_reluGrad(x: f32, g: f32) -> f32 { return select(0.0, g, x > 0.0); }

fn i_add(a: i32, b: i32) -> i32 { return a + b; }
fn i_sub(a: i32, b: i32) -> i32 { return a - b; }
fn i_mul(a: i32, b: i32) -> i32 { return a * b; }
// Truncating division; a zero divisor gives 0 (WGSL alone would return a).
fn i_div(a: i32, b: i32) -> i32 { return select(a / b, 0, b == 0); }
fn i_max(a: i32, b: i32) -> i32 { return max(a, b); }
fn i_min(a: i32, b: i32) -> i32 { return min(a, b); }
fn i_lt(a: i32, b: i32) -> i32 { return select(0, 1, a < b); }
fn i_le(a: i32, b: i32) -> i32 { return select(0, 1, a <= b); }
fn i_gt(a: i32, b: i32) -> i32 { return select(0, 1, a > b); }
fn i_ge(a: i32, b: i32) -> i32 { return select(0, 1, a >= b); }
fn i_eq(a: i32, b: i32) -> i32 { return select(0, 1, a == b); }
fn i_ne(a: i32, b: i32) -> i32 { return select(0, 1, a != b); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let o = operand_offsets(i);
  out[i] = ELEM(OP(CT(a[o.x]), CT(b[o.y])));
}
