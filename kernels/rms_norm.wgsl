// rms_norm.wgsl — RMSNorm over the last axis of x [rows, C], forward and input gradient.
//   forward   rstd = 1 / sqrt(sum(x²) / C + eps); y = x * rstd * w. Writes y and rstd [rows] (f32).
//   backward  xhat = x * rstd, g = dy * w; dx = rstd * (g - xhat * sum(g xhat) / C).
//             dw (a sum over rows) is norm_params.wgsl.
// Two variants of each (see layer_norm.wgsl): *_seq one thread per row, *_wg one workgroup per
// row with a fixed-shape tree. Deterministic: fixed order, no atomics.
// Matches: src/backend/cpu/fused.ts `rmsNormForward`, `rmsNormBackward` (dx).
// Bindings: 0 uniform Params { rows, C, eps (f32), _ }
//           forward:  1 x [rows, C] (read), 2 w [C] (read; absent when W_AT = w_one),
//                     4 y [rows, C] (write), 6 rstd_w: f32 [rows] (write)
//           backward: 1 x (read), 2 w (read; optional), 7 dy [rows, C] (read),
//                     8 dx [rows, C] (write), 10 rstd_r: f32 [rows] (read)
//           (all declared in norm_common.wgsl)
// Dispatch: *_seq: ceil(rows / WG) workgroups (2-D grid); *_wg: rows workgroups (2-D grid).
// Includes: norm_common.wgsl, row_reduce.wgsl (wg_sum) (KernelSpec.include).
// Substitutions: ELEM (f32 | f16, computed in f32), W_AT = w_at | w_one.

override WG: u32 = 64u;

// A lane's columns c = first, first + step, ... of row r, in that order: (0, 1) for the *_seq
// entry points, (lane, WG) for *_wg (whose partials wg_sum then combines).
// The lane's part of sum(x²).
fn lane_sq(r: u32, first: u32, step: u32) -> f32 {
  let o = r * u.C;
  var ss = 0.0;
  for (var c = first; c < u.C; c += step) {
    let v = f32(x[o + c]);
    ss += v * v;
  }
  return ss;
}
// y = x * rs * w over the lane's columns.
fn put_y(r: u32, first: u32, step: u32, rs: f32) {
  let o = r * u.C;
  for (var c = first; c < u.C; c += step) { y[o + c] = ELEM(f32(x[o + c]) * rs * W_AT(c)); }
}
// The lane's part of sum(g xhat), g = dy * w, xhat = x * rstd.
fn lane_grad_dot(r: u32, first: u32, step: u32) -> f32 {
  let o = r * u.C;
  let rs = rstd_r[r];
  var sgx = 0.0;
  for (var c = first; c < u.C; c += step) { sgx += f32(dy[o + c]) * W_AT(c) * (f32(x[o + c]) * rs); }
  return sgx;
}
// dx = rstd * (g - xhat * q) over the lane's columns (q = sum(g xhat) / C).
fn put_dx(r: u32, first: u32, step: u32, q: f32) {
  let o = r * u.C;
  let rs = rstd_r[r];
  for (var c = first; c < u.C; c += step) {
    let g = f32(dy[o + c]) * W_AT(c);
    dx[o + c] = ELEM(rs * (g - f32(x[o + c]) * rs * q));
  }
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let rs = 1.0 / sqrt(lane_sq(r, 0u, 1u) / f32(u.C) + u.eps);
  rstd_w[r] = rs;
  put_y(r, 0u, 1u, rs);
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let rs = 1.0 / sqrt(wg_sum(lid.x, lane_sq(r, lid.x, WG)) / f32(u.C) + u.eps);
  if (lid.x == 0u) { rstd_w[r] = rs; }
  put_y(r, lid.x, WG, rs);
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  put_dx(r, 0u, 1u, lane_grad_dot(r, 0u, 1u) / f32(u.C));
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  put_dx(r, lid.x, WG, wg_sum(lid.x, lane_grad_dot(r, lid.x, WG)) / f32(u.C));
}
