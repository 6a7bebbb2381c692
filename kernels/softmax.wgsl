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
// Includes: row_reduce.wgsl (wg_sum, wg_max), softmax_stats.wgsl (lane_max, lane_sum_exp) (KernelSpec.include).
// Substitutions: ELEM (f32 | f16, computed in f32).

struct Params { rows: u32, C: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> y: array<ELEM>;
@group(0) @binding(3) var<storage, read> yr: array<ELEM>;
@group(0) @binding(4) var<storage, read> dy: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> dx: array<ELEM>;

override WG: u32 = 64u;

fn row_in(i: u32) -> f32 { return f32(x[i]); }

// A lane's columns c = first, first + step, ... of row r, in that order: (0, 1) for the *_seq
// entry points, (lane, WG) for *_wg (whose partials wg_max / wg_sum then combine); the row max and
// sum of exp are softmax_stats.wgsl's lane_max, lane_sum_exp.
// y = exp(x - m) / s over the lane's columns.
fn put_y(r: u32, first: u32, step: u32, m: f32, s: f32) {
  let o = r * u.C;
  for (var c = first; c < u.C; c += step) { y[o + c] = ELEM(exp(f32(x[o + c]) - m) / s); }
}
// The lane's part of sum(dy * y).
fn lane_dot(r: u32, first: u32, step: u32) -> f32 {
  let o = r * u.C;
  var sdy = 0.0;
  for (var c = first; c < u.C; c += step) { sdy += f32(dy[o + c]) * f32(yr[o + c]); }
  return sdy;
}
// dx = y * (dy - sdy) over the lane's columns.
fn put_dx(r: u32, first: u32, step: u32, sdy: f32) {
  let o = r * u.C;
  for (var c = first; c < u.C; c += step) { dx[o + c] = ELEM(f32(yr[o + c]) * (f32(dy[o + c]) - sdy)); }
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let m = lane_max(r * u.C, u.C, 0u, 1u);
  put_y(r, 0u, 1u, m, lane_sum_exp(r * u.C, u.C, 0u, 1u, m));
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let m = wg_max(lid.x, lane_max(r * u.C, u.C, lid.x, WG));
  put_y(r, lid.x, WG, m, wg_sum(lid.x, lane_sum_exp(r * u.C, u.C, lid.x, WG, m)));
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  put_dx(r, 0u, 1u, lane_dot(r, 0u, 1u));
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  put_dx(r, lid.x, WG, wg_sum(lid.x, lane_dot(r, lid.x, WG)));
}
