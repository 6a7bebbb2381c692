// layer_norm.wgsl — LayerNorm over the last axis of x [rows, C], forward and input gradient.
//   forward   mean = sum(x) / C; rstd = 1 / sqrt(sum((x - mean)²) / C + eps) (two passes);
//             y = (x - mean) * rstd * w + b. Writes y, mean [rows], rstd [rows] (f32).
//   backward  xhat = (x - mean) * rstd, g = dy * w; dx = rstd * (g - sum(g) / C - xhat * sum(g xhat) / C).
//             dw and db (sums over rows) are norm_params.wgsl.
// Two variants of each, same result on every run (fixed order, no atomics):
//   *_seq  one thread per row looping over the row in order (software adapters: barriers
//          serialise the SIMD lanes there, so a per-row tree is 5-20x slower).
//   *_wg   one workgroup per row: thread t takes columns t, t+WG, ...; fixed-shape tree
//          reductions in workgroup memory (real GPUs).
// Matches: src/backend/cpu/fused.ts `layerNormForward`, `layerNormBackward` (dx).
// Bindings: 0 uniform Params { rows, C, eps (f32), _ }
//           forward:  1 x [rows, C] (read), 2 w [C] (read; absent when W_AT = w_one),
//                     3 b [C] (read; absent when B_AT = b_zero), 4 y [rows, C] (write),
//                     5 mean_w: f32 [rows] (write), 6 rstd_w: f32 [rows] (write)
//           backward: 1 x (read), 2 w (read; optional as above), 7 dy [rows, C] (read),
//                     8 dx [rows, C] (write), 9 mean_r: f32 [rows] (read), 10 rstd_r (read)
//           (0, 1, 2, 4, 6, 7, 8 and 10 are declared in norm_common.wgsl)
// Dispatch: *_seq: ceil(rows / WG) workgroups (2-D grid); *_wg: rows workgroups (2-D grid).
// Includes: norm_common.wgsl, row_reduce.wgsl (wg_sum) (KernelSpec.include).
// Substitutions: ELEM (f32 | f16, computed in f32), W_AT = w_at | w_one, B_AT = b_at | b_zero.

@group(0) @binding(3) var<storage, read> b: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> mean_w: array<f32>;
@group(0) @binding(9) var<storage, read> mean_r: array<f32>;

override WG: u32 = 64u;

fn b_at(c: u32) -> f32 { return f32(b[c]); }
fn b_zero(c: u32) -> f32 { return 0.0; }

// A lane's columns c = first, first + step, ... of row r, in that order: (0, 1) for the *_seq
// entry points, (lane, WG) for *_wg (whose partials wg_sum then combines).
// The lane's part of sum(x).
fn lane_sum(r: u32, first: u32, step: u32) -> f32 {
  let o = r * u.C;
  var s = 0.0;
  for (var c = first; c < u.C; c += step) { s += f32(x[o + c]); }
  return s;
}
// The lane's part of sum((x - mu)²).
fn lane_sq_dev(r: u32, first: u32, step: u32, mu: f32) -> f32 {
  let o = r * u.C;
  var ss = 0.0;
  for (var c = first; c < u.C; c += step) {
    let d = f32(x[o + c]) - mu;
    ss += d * d;
  }
  return ss;
}
// y = (x - mu) * rs * w + b over the lane's columns.
fn put_y(r: u32, first: u32, step: u32, mu: f32, rs: f32) {
  let o = r * u.C;
  for (var c = first; c < u.C; c += step) {
    y[o + c] = ELEM((f32(x[o + c]) - mu) * rs * W_AT(c) + B_AT(c));
  }
}
// The lane's parts of (sum(g), sum(g xhat)), g = dy * w, xhat = (x - mean) * rstd.
fn lane_grad_sums(r: u32, first: u32, step: u32) -> vec2<f32> {
  let o = r * u.C;
  let mu = mean_r[r];
  let rs = rstd_r[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = first; c < u.C; c += step) {
    let g = f32(dy[o + c]) * W_AT(c);
    sg += g;
    sgx += g * ((f32(x[o + c]) - mu) * rs);
  }
  return vec2<f32>(sg, sgx);
}
// dx = rstd * (g - a - xhat * q) over the lane's columns (a = sum(g) / C, q = sum(g xhat) / C).
fn put_dx(r: u32, first: u32, step: u32, a: f32, q: f32) {
  let o = r * u.C;
  let mu = mean_r[r];
  let rs = rstd_r[r];
  for (var c = first; c < u.C; c += step) {
    let g = f32(dy[o + c]) * W_AT(c);
    let xh = (f32(x[o + c]) - mu) * rs;
    dx[o + c] = ELEM(rs * (g - a - xh * q));
  }
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let mu = lane_sum(r, 0u, 1u) / f32(u.C);
  let rs = 1.0 / sqrt(lane_sq_dev(r, 0u, 1u, mu) / f32(u.C) + u.eps);
  mean_w[r] = mu;
  rstd_w[r] = rs;
  put_y(r, 0u, 1u, mu, rs);
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let mu = wg_sum(lid.x, lane_sum(r, lid.x, WG)) / f32(u.C);
  let rs = 1.0 / sqrt(wg_sum(lid.x, lane_sq_dev(r, lid.x, WG, mu)) / f32(u.C) + u.eps);
  if (lid.x == 0u) {
    mean_w[r] = mu;
    rstd_w[r] = rs;
  }
  put_y(r, lid.x, WG, mu, rs);
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let sums = lane_grad_sums(r, 0u, 1u);
  put_dx(r, 0u, 1u, sums.x / f32(u.C), sums.y / f32(u.C));
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  let sums = lane_grad_sums(r, lid.x, WG);
  let a = wg_sum(lid.x, sums.x) / f32(u.C);
  let q = wg_sum(lid.x, sums.y) / f32(u.C);
  put_dx(r, lid.x, WG, a, q);
}
