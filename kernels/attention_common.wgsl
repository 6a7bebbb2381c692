// attention_common.wgsl — what the three fused attention kernels share (attention_fwd.wgsl,
// attention_bwd_dq.wgsl, attention_bwd_dkv.wgsl). Not a kernel: placed before each of them by
// KernelSpec.include (src/backend/webgpu/attention.ts).
// Provides:
//   Params, the uniform block (binding 0, `u`; filled by attention.ts `params`), and the bindings
//   1 q, 2 k, 3 v (read), addressed through the strides in Params (attention_fwd.wgsl, "Layout");
//   override WG (lanes per workgroup); constants R, HD4, BC, PARTIAL, NEG_BIG, LOG2E, LN2;
//   ld_q, ld_k, ld_v       one vec4 of a head row (head_lanes: how many of its elements are real);
//   key_end, query_start   the causal mask (keys a query row sees, first query a key row meets);
//   reg_set, reg_get       write / read one vec4 of a lane's register rows (array<vec4, R * HD4>)
//                          through constant indices only (the code shape of attention_fwd.wgsl);
//   row_dot                the dot product of a register row with a staged row, summed x + y + z + w.
// The including kernel defines its other bindings (4 and up) and its entry point.
// Substitutions: ELEM, DHEAD4, DPARTIAL, BCOLS, RROWS (see the kernels' headers).

struct Params {
  B: u32, H: u32, Hkv: u32, Tq: u32,
  Tk: u32, group: u32, n_bh: u32, causal: u32,
  off: i32, scale_log2: f32, scale: f32, D: u32,
  D4: u32, q_bs: u32, q_hs: u32, q_ps: u32,
  kv_bs: u32, kv_hs: u32, kv_ps: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> q: array<ELEM>;
@group(0) @binding(2) var<storage, read> k: array<ELEM>;
@group(0) @binding(3) var<storage, read> v: array<ELEM>;

override WG: u32 = 8u;
const R: u32 = RROWS;
const HD4: u32 = DHEAD4;
const BC: u32 = BCOLS;
const PARTIAL: bool = DPARTIAL;
const NEG_BIG: f32 = -1e30;
const LOG2E: f32 = 1.4426950408889634;
const LN2: f32 = 0.6931471805599453;

// Elements of vec4 d4 of a head row that lie in the head: 4, or fewer in the last one when D % 4 != 0.
fn head_lanes(d4: u32) -> u32 {
  if (!PARTIAL) { return 4u; }
  return min(4u, u.D - 4u * d4);
}

// Head elements 4 d4 .. 4 d4 + 3 of the row starting at element `base` (zeros past D).
fn ld_q(base: u32, d4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var c = 0u; c < head_lanes(d4); c++) { x[c] = f32(q[base + 4u * d4 + c]); }
  return x;
}
fn ld_k(base: u32, d4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var c = 0u; c < head_lanes(d4); c++) { x[c] = f32(k[base + 4u * d4 + c]); }
  return x;
}
fn ld_v(base: u32, d4: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var c = 0u; c < head_lanes(d4); c++) { x[c] = f32(v[base + 4u * d4 + c]); }
  return x;
}

// Query row i sees keys [0, key_end(i)): all Tk, or j <= i + Tk - Tq when causal.
fn key_end(i: u32) -> u32 {
  if (u.causal == 0u) { return u.Tk; }
  return u32(clamp(i32(i) + u.off + 1, 0, i32(u.Tk)));
}
// Key row j is seen by queries [query_start(j), Tq).
fn query_start(j: u32) -> u32 {
  if (u.causal == 0u) { return 0u; }
  return u32(clamp(i32(j) - u.off, 0, i32(u.Tq)));
}

// reg[r * HD4 + d] = x for a run-time d (each element selected: constant indices only).
fn reg_set(reg: ptr<function, array<vec4<f32>, R * HD4>>, r: u32, d: u32, x: vec4<f32>) {
  for (var e = 0u; e < HD4; e++) { (*reg)[r * HD4 + e] = select((*reg)[r * HD4 + e], x, e == d); }
}
// reg[r * HD4 + d] for a run-time d (constant indices only).
fn reg_get(reg: ptr<function, array<vec4<f32>, R * HD4>>, r: u32, d: u32) -> vec4<f32> {
  var x = vec4<f32>(0.0);
  for (var e = 0u; e < HD4; e++) { x = select(x, (*reg)[r * HD4 + e], e == d); }
  return x;
}

// Register row r · staged row t: vec4 FMAs in head order, then x + y + z + w.
fn row_dot(reg: ptr<function, array<vec4<f32>, R * HD4>>, r: u32, t: ptr<function, array<vec4<f32>, HD4>>) -> f32 {
  var s4 = vec4<f32>(0.0);
  for (var d = 0u; d < HD4; d++) { s4 = fma((*reg)[r * HD4 + d], (*t)[d], s4); }
  return s4.x + s4.y + s4.z + s4.w;
}
