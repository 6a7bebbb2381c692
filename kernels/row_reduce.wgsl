// row_reduce.wgsl — workgroup reductions of the row kernels (softmax.wgsl, cross_entropy.wgsl,
// layer_norm.wgsl, rms_norm.wgsl) and of sum_squares.wgsl. Not a kernel: placed before them by
// KernelSpec.include (src/backend/webgpu/fused-kernels.ts).
// Provides:
//   red      workgroup memory of the trees: WG f32s;
//   wg_sum, wg_max   the sum / max_nan of one value per lane, by a fixed-shape tree (wg_reduce); every
//            lane gets the result. Call in uniform control flow;
//   max_nan  max that propagates NaN (like the CPU reference's Math.max).
// The including kernel defines: override WG (lanes per workgroup, a power of two).

var<workgroup> red: array<f32, WG>;

fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  return select(a, b, b > a);
}

// One value per lane combined by a fixed-shape tree: red[l] = red[l] op red[l + s] for s = WG / 2,
// WG / 4, ..., 1, op = max_nan when is_max, else +. Every lane gets the result.
fn wg_reduce(lid: u32, v: f32, is_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      if (is_max) { red[lid] = max_nan(red[lid], red[lid + s]); } else { red[lid] = red[lid] + red[lid + s]; }
    }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier(); // red is reused by the next call
  return total;
}
fn wg_sum(lid: u32, v: f32) -> f32 { return wg_reduce(lid, v, false); }
fn wg_max(lid: u32, v: f32) -> f32 { return wg_reduce(lid, v, true); }
