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
// Dispatch: *_seq: ceil(rows / WG) workgroups (2-D grid); *_wg: rows workgroups (2-D grid).
// Substitutions: ELEM (f32 | f16, computed in f32), W_AT = w_at | w_one, B_AT = b_at | b_zero.

struct Params { rows: u32, C: u32, eps: f32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read> w: array<ELEM>;
@group(0) @binding(3) var<storage, read> b: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> y: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> mean_w: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd_w: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> dx: array<ELEM>;
@group(0) @binding(9) var<storage, read> mean_r: array<f32>;
@group(0) @binding(10) var<storage, read> rstd_r: array<f32>;

override WG: u32 = 64u;

var<workgroup> red: array<f32, WG>;

fn w_at(c: u32) -> f32 { return f32(w[c]); }
fn w_one(c: u32) -> f32 { return 1.0; }
fn b_at(c: u32) -> f32 { return f32(b[c]); }
fn b_zero(c: u32) -> f32 { return 0.0; }

// Sum of v over the workgroup (fixed tree shape; WG a power of two). Call in uniform control flow.
fn wg_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier(); // red is reused by the next call
  return total;
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  var s = 0.0;
  for (var c = 0u; c < C; c++) { s += f32(x[o + c]); }
  let mu = s / f32(C);
  var ss = 0.0;
  for (var c = 0u; c < C; c++) {
    let d = f32(x[o + c]) - mu;
    ss += d * d;
  }
  let rs = 1.0 / sqrt(ss / f32(C) + u.eps);
  mean_w[r] = mu;
  rstd_w[r] = rs;
  for (var c = 0u; c < C; c++) {
    y[o + c] = ELEM((f32(x[o + c]) - mu) * rs * W_AT(c) + B_AT(c));
  }
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let C = u.C;
  let o = r * C;
  var s = 0.0;
  for (var c = lid.x; c < C; c += WG) { s += f32(x[o + c]); }
  let mu = wg_sum(lid.x, s) / f32(C);
  var ss = 0.0;
  for (var c = lid.x; c < C; c += WG) {
    let d = f32(x[o + c]) - mu;
    ss += d * d;
  }
  let rs = 1.0 / sqrt(wg_sum(lid.x, ss) / f32(C) + u.eps);
  if (lid.x == 0u) {
    mean_w[r] = mu;
    rstd_w[r] = rs;
  }
  for (var c = lid.x; c < C; c += WG) {
    y[o + c] = ELEM((f32(x[o + c]) - mu) * rs * W_AT(c) + B_AT(c));
  }
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  let mu = mean_r[r];
  let rs = rstd_r[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = 0u; c < C; c++) {
    let g = f32(dy[o + c]) * W_AT(c);
    sg += g;
    sgx += g * ((f32(x[o + c]) - mu) * rs);
  }
  let a = sg / f32(C);
  let q = sgx / f32(C);
  for (var c = 0u; c < C; c++) {
    let g = f32(dy[o + c]) * W_AT(c);
    let xh = (f32(x[o + c]) - mu) * rs;
    dx[o + c] = ELEM(rs * (g - a - xh * q));
  }
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  let mu = mean_r[r];
  let rs = rstd_r[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = lid.x; c < C; c += WG) {
    let g = f32(dy[o + c]) * W_AT(c);
    sg += g;
    sgx += g * ((f32(x[o + c]) - mu) * rs);
  }
  let a = wg_sum(lid.x, sg) / f32(C);
  let q = wg_sum(lid.x, sgx) / f32(C);
  for (var c = lid.x; c < C; c += WG) {
    let g = f32(dy[o + c]) * W_AT(c);
    let xh = (f32(x[o + c]) - mu) * rs;
    dx[o + c] = ELEM(rs * (g - a - xh * q));
  }
}
