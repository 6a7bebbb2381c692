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
// Dispatch: *_seq: ceil(rows / WG) workgroups (2-D grid); *_wg: rows workgroups (2-D grid).
// Substitutions: ELEM (f32 | f16, computed in f32), W_AT = w_at | w_one.

struct Params { rows: u32, C: u32, eps: f32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read> w: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> y: array<ELEM>;
@group(0) @binding(6) var<storage, read_write> rstd_w: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> dx: array<ELEM>;
@group(0) @binding(10) var<storage, read> rstd_r: array<f32>;

override WG: u32 = 64u;

var<workgroup> red: array<f32, WG>;

fn w_at(c: u32) -> f32 { return f32(w[c]); }
fn w_one(c: u32) -> f32 { return 1.0; }

// Sum of v over the workgroup (fixed tree shape; WG a power of two). Call in uniform control flow.
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

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  var ss = 0.0;
  for (var c = 0u; c < C; c++) {
    let v = f32(x[o + c]);
    ss += v * v;
  }
  let rs = 1.0 / sqrt(ss / f32(C) + u.eps);
  rstd_w[r] = rs;
  for (var c = 0u; c < C; c++) {
    y[o + c] = ELEM(f32(x[o + c]) * rs * W_AT(c));
  }
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; } // uniform across the workgroup
  let C = u.C;
  let o = r * C;
  var ss = 0.0;
  for (var c = lid.x; c < C; c += WG) {
    let v = f32(x[o + c]);
    ss += v * v;
  }
  let rs = 1.0 / sqrt(wg_sum(lid.x, ss) / f32(C) + u.eps);
  if (lid.x == 0u) { rstd_w[r] = rs; }
  for (var c = lid.x; c < C; c += WG) {
    y[o + c] = ELEM(f32(x[o + c]) * rs * W_AT(c));
  }
}

@compute @workgroup_size(WG)
fn bwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  let rs = rstd_r[r];
  var sgx = 0.0;
  for (var c = 0u; c < C; c++) {
    sgx += f32(dy[o + c]) * W_AT(c) * (f32(x[o + c]) * rs);
  }
  let q = sgx / f32(C);
  for (var c = 0u; c < C; c++) {
    let g = f32(dy[o + c]) * W_AT(c);
    dx[o + c] = ELEM(rs * (g - f32(x[o + c]) * rs * q));
  }
}

@compute @workgroup_size(WG)
fn bwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= u.rows) { return; }
  let C = u.C;
  let o = r * C;
  let rs = rstd_r[r];
  var sgx = 0.0;
  for (var c = lid.x; c < C; c += WG) {
    sgx += f32(dy[o + c]) * W_AT(c) * (f32(x[o + c]) * rs);
  }
  let q = wg_sum(lid.x, sgx) / f32(C);
  for (var c = lid.x; c < C; c += WG) {
    let g = f32(dy[o + c]) * W_AT(c);
    dx[o + c] = ELEM(rs * (g - f32(x[o + c]) * rs * q));
  }
}
