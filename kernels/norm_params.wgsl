// norm_params.wgsl — parameter gradients of LayerNorm / RMSNorm: column sums over rows,
//   dw[c] = sum_r dy[r, c] * xhat[r, c],  db[c] = sum_r dy[r, c],
// with xhat = (x - mean) * rstd (LayerNorm) or x * rstd (RMSNorm). Deterministic, no atomics:
//   partial_*   one thread per (block, column): sums rows blk*RPB .. min(rows, (blk+1)*RPB) - 1
//               in increasing order into part[blk, c]. Adjacent threads read adjacent columns.
//   finalize_*  one thread per column: sums part[0..n_blocks-1, c] in increasing block order.
// With one block the partial pass writes the final dw / db directly (PART = ELEM, no finalize).
// Matches: src/backend/cpu/fused.ts `layerNormBackward` / `rmsNormBackward` (dw, db), which sum
// all rows in one increasing-order loop (with one block the order here is the same).
// Bindings: 0 uniform Params { rows, C, rows_per_block, n_blocks }
//           partial:  1 dy [rows, C] (read), 2 x [rows, C] (read), 3 mean: f32 [rows] (read; only
//                     for XHAT = xhat_layer), 4 rstd: f32 [rows] (read), 5 pw: PART [n_blocks, C]
//                     (write), 6 pb: PART [n_blocks, C] (write; *_wb entries only)
//           finalize: 7 fw: f32 [n_blocks, C] (read), 8 fb (read; *_wb only),
//                     9 dw: ELEM [C] (write), 10 db: ELEM [C] (write; *_wb only)
// Dispatch: partial: ceil(n_blocks * C / WG) workgroups; finalize: ceil(C / WG); 2-D grids.
// Substitutions: ELEM (f32 | f16), PART (ELEM when n_blocks = 1, else f32),
//                XHAT = xhat_layer | xhat_rms.

struct Params { rows: u32, C: u32, rows_per_block: u32, n_blocks: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> dy: array<ELEM>;
@group(0) @binding(2) var<storage, read> x: array<ELEM>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> pw: array<PART>;
@group(0) @binding(6) var<storage, read_write> pb: array<PART>;
@group(0) @binding(7) var<storage, read> fw: array<f32>;
@group(0) @binding(8) var<storage, read> fb: array<f32>;
@group(0) @binding(9) var<storage, read_write> dw: array<ELEM>;
@group(0) @binding(10) var<storage, read_write> db: array<ELEM>;

override WG: u32 = 64u;

fn xhat_layer(r: u32, i: u32) -> f32 { return (f32(x[i]) - mean[r]) * rstd[r]; }
fn xhat_rms(r: u32, i: u32) -> f32 { return f32(x[i]) * rstd[r]; }

// Partial sums of thread i = (block blk, column c): (sum dy * xhat, sum dy) over rows
// blk * RPB .. min(rows, (blk + 1) * RPB) - 1, in increasing order.
fn block_sums(i: u32) -> vec2<f32> {
  let blk = i / u.C;
  let c = i - blk * u.C;
  let r1 = min(u.rows, (blk + 1u) * u.rows_per_block);
  var aw = 0.0;
  var ab = 0.0;
  for (var r = blk * u.rows_per_block; r < r1; r++) {
    let k = r * u.C + c;
    let g = f32(dy[k]);
    aw += g * XHAT(r, k);
    ab += g;
  }
  return vec2<f32>(aw, ab);
}

@compute @workgroup_size(WG)
fn partial_wb(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n_blocks * u.C) { return; }
  let p = block_sums(i);
  pw[i] = PART(p.x);
  pb[i] = PART(p.y);
}

@compute @workgroup_size(WG)
fn partial_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n_blocks * u.C) { return; }
  pw[i] = PART(block_sums(i).x);  // the sum of dy (.y) is dead code here, removed by the compiler
}

@compute @workgroup_size(WG)
fn finalize_wb(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = flat_index(gid, nwg, WG);
  if (c >= u.C) { return; }
  var aw = 0.0;
  var ab = 0.0;
  for (var k = 0u; k < u.n_blocks; k++) {
    aw += fw[k * u.C + c];
    ab += fb[k * u.C + c];
  }
  dw[c] = ELEM(aw);
  db[c] = ELEM(ab);
}

@compute @workgroup_size(WG)
fn finalize_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = flat_index(gid, nwg, WG);
  if (c >= u.C) { return; }
  var aw = 0.0;
  for (var k = 0u; k < u.n_blocks; k++) { aw += fw[k * u.C + c]; }
  dw[c] = ELEM(aw);
}
