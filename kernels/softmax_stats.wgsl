// softmax_stats.wgsl — the per-row softmax statistics of softmax.wgsl and cross_entropy.wgsl: the
// row max and the sum of exp(x - max), as one lane's partial over its columns. Not a kernel:
// placed before them, with row_reduce.wgsl (max_nan), by KernelSpec.include
// (src/backend/webgpu/fused-kernels.ts).
// A lane's columns of a row of n: c = first, first + step, ... < n, visited in that order: (0, 1)
// for the one-thread-per-row variants (*_seq), (lane, WG) for the one-workgroup-per-row ones
// (*_wg, whose partials are then combined by wg_max / wg_sum).
// Provides:
//   lane_max(o, n, first, step)         max_nan over x[o + c], starting from -inf (NaN propagates);
//   lane_sum_exp(o, n, first, step, m)  sum of exp(x[o + c] - m), starting from 0.
// The including kernel defines: fn row_in(i: u32) -> f32, element i of its input as f32.

fn lane_max(o: u32, n: u32, first: u32, step: u32) -> f32 {
  var m = neg_inf();
  for (var c = first; c < n; c += step) { m = max_nan(m, row_in(o + c)); }
  return m;
}

fn lane_sum_exp(o: u32, n: u32, first: u32, step: u32, m: f32) -> f32 {
  var s = 0.0;
  for (var c = first; c < n; c += step) { s += exp(row_in(o + c) - m); }
  return s;
}
