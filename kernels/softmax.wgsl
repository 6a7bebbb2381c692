// softmax.wgsl — softmax over the last axis of x [rows, C] and its backward.
//   forward   m = max(x) (NaN propagates); s = sum(exp(x - m)); y = exp(x - m) / s.
//   backward  sdy = sum(dy * y); dx = y * (dy - sdy).
// Two variants of each: *_seq one thread per row looping in order (software adapters), *_wg one
// workgroup per row, strided columns, fixed-shape tree reductions (real GPUs). Deterministic.
// Matches: src/backend/cpu/fused.ts `softmaxForward`, `softmaxBackward`.
// Bindings: 0 uniform Params { rows, C, _, _ }
//           forward:  1 x [rows, C] (read), 2 y [rows, C] (write)
//           backward: 3 yr [rows, C] (read: the forward output), 4 dy [rows, C] (read),
//                     5 dx [rows, C] (write)
// Dispatch: *_seq: ceil(rows / WG) workgroups (2-D grid); *_wg: rows workgroups (2-D grid).
// Substitutions: ELEM (f32 | f16, computed in f32).

struct Params { rows: u32, C: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> y: array<ELEM>;
@group(0) @binding(3) var<storage, read> yr: array<ELEM>;
@group(0) @binding(4) var<storage, read> dy: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> dx: array<ELEM>;

override WG: u32 = 64u;

var<workgroup> red: array<f32, WG>;

// max that propagates NaN (like the CPU reference's Math.max).
fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  return select(a, b, b > a);
}

// Workgroup reductions (fixed tree shape; WG a power of two). Call in uniform control flow.
fn wg_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
fn wg_max(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = max_nan(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  var m = neg_inf();
  for (var c = 0u; c < C; c++) { m = max_nan(m, f32(x[o + c])); }
  var s = 0.0;
  for (var c = 0u; c < C; c++) { s += exp(f32(x[o + c]) - m); }
  for (var c = 0u; c < C; c++) { y[o + c] = ELEM(exp(f32(x[o + c]) - m) / s); }
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let C = u.C;
  let o = r * C;
  var m = neg_inf();
  for (var c = lid.x; c < C; c += WG) { m = max_nan(m, f32(x[o + c])); }
  m = wg_max(lid.x, m);
  var s = 0.0;
  for (var c = lid.x; c < C; c += WG) { s += exp(f32(x[o + c]) - m); }
  s = wg_sum(lid.x, s);
  for (var c = lid.x; c < C; c += WG) { y[o + c] = ELEM(exp(f32(x[o + c]) - m) / s); }
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  var sdy = 0.0;
  for (var c = 0u; c < C; c++) { sdy += f32(dy[o + c]) * f32(yr[o + c]); }
  for (var c = 0u; c < C; c++) { dx[o + c] = ELEM(f32(yr[o + c]) * (f32(dy[o + c]) - sdy)); }
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  var sdy = 0.0;
  for (var c = lid.x; c < C; c += WG) { sdy += f32(dy[o + c]) * f32(yr[o + c]); }
  sdy = wg_sum(lid.x, sdy);
  for (var c = lid.x; c < C; c += WG) { dx[o + c] = ELEM(f32(yr[o + c]) * (f32(dy[o + c]) - sdy)); }
}
