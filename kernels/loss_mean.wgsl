// loss_mean.wgsl — the 'mean' reduction of a per-row loss over the rows that count, in one
// dispatch (the composed mean took six: two sums, a compare, a cast and a division):
//   count = #{n : targets[n] != ignore};  mean[0] = sum_n loss[n] / count;  inv_count[0] = 1 / count.
// cross_entropy.wgsl writes 0 for ignored rows, and rows with an out-of-range target count in the
// denominator, as `crossEntropy` documents. No counted row: mean NaN (0 / 0), inv_count 0.
// One workgroup: lane l sums rows l, l + WG, ... in order, then a fixed-shape tree
// (row_reduce.wgsl): deterministic. Counts are f32, exact up to 2^24 rows.
// Matches: src/backend/cpu/fused.ts `lossMean`.
// Bindings: 0 uniform Params { N, ignore (i32), _, _ }
//           1 loss: ELEM [N] (read)   2 targets: i32 [N] (read)
//           3 mean: ELEM [1] (write)  4 inv_count: f32 [1] (write)
// Dispatch: one workgroup. Includes: row_reduce.wgsl (wg_sum) (KernelSpec.include).
// Substitutions: ELEM (f32 | f16, summed in f32).

struct Params { N: u32, ignore: i32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> loss: array<ELEM>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> mean: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> inv_count: array<f32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  var c = 0.0;
  for (var n = lid.x; n < u.N; n += WG) {
    s += f32(loss[n]);
    c += select(0.0, 1.0, targets[n] != u.ignore);
  }
  let total = wg_sum(lid.x, s);
  let count = wg_sum(lid.x, c);
  if (lid.x == 0u) {
    if (count == 0.0) {
      mean[0] = ELEM(quiet_nan());
      inv_count[0] = 0.0;
    } else {
      mean[0] = ELEM(total / count);
      inv_count[0] = 1.0 / count;
    }
  }
}
