// unary.wgsl — elementwise unary ops: y[i] = OP(x[i]), i in [0, n).
// Matches: src/backend/cpu/cpu-backend.ts `unary` with the scalar definitions in
//          src/backend/cpu/elementwise.ts (floatUnary / intUnary).
// Bindings: 0 uniform Params { n }
//           1 x: array<ELEM> [n] (read)
//           2 y: array<ELEM> [n] (write)
// Dispatch: WG threads per workgroup, one thread per element, 2-D grid (see common.wgsl).
// Substitutions: ELEM, CT, OP = f_<op> (f32/f16 storage, computed in f32) or i_<op> (i32).

struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> y: array<ELEM>;

override WG: u32 = 256u;

// tanh with its argument clamped: tanh(+-15) is +-1 in f32 and some drivers give NaN for large |x|.
fn safe_tanh(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }

fn f_neg(x: f32) -> f32 { return -x; }
fn f_abs(x: f32) -> f32 { return abs(x); }
fn f_sign(x: f32) -> f32 { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }
fn f_square(x: f32) -> f32 { return x * x; }
fn f_exp(x: f32) -> f32 { return exp(x); }
fn f_log(x: f32) -> f32 { return log(x); }
fn f_sqrt(x: f32) -> f32 { return sqrt(x); }
fn f_rsqrt(x: f32) -> f32 { return 1.0 / sqrt(x); }
fn f_recip(x: f32) -> f32 { return 1.0 / x; }
fn f_tanh(x: f32) -> f32 { return select(safe_tanh(x), x, is_nan(x)); }
// Stable logistic: never exponentiates a positive number.
fn f_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn f_relu(x: f32) -> f32 { return select(0.0, x, x > 0.0); }
// f_gelu: common.wgsl (shared with the matmul epilogue).
fn f_sin(x: f32) -> f32 { return sin(x); }
fn f_cos(x: f32) -> f32 { return cos(x); }

fn i_neg(x: i32) -> i32 { return -x; }
fn i_abs(x: i32) -> i32 { return select(x, -x, x < 0); }
fn i_sign(x: i32) -> i32 { return select(select(0, -1, x < 0), 1, x > 0); }
fn i_square(x: i32) -> i32 { return x * x; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  y[i] = ELEM(OP(CT(x[i])));
}
