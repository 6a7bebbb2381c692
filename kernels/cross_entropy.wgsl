// cross_entropy.wgsl — softmax + cross-entropy over rows of logits [N, V], forward and backward,
// without materialising probabilities: the backward recomputes them from the saved lse.
//   forward   m = max(row) (NaN propagates); lse = m + log(sum(exp(x - m)));
//             loss[n] = lse - x[n, t] for a valid target t, 0 when t == ignore or t outside [0, V).
//   bwd       dlogits[n, j] = g_n * (exp(x[n, j] - lse[n]) - (j == t)) for valid rows, else 0, with
//             g_n = g[n] (GL = g_row) or, behind a 'mean' reduction (loss_mean.wgsl), the mean's
//             gradient times 1 / count: g_n = g[0] * inv_r[0] (GL = g_mean).
// The forward has two variants: fwd_seq one thread per row looping in order (software adapters),
// fwd_wg one workgroup per row with fixed-shape tree reductions (real GPUs). The backward needs no
// reduction: one workgroup per row, threads striding over the columns (coalesced on GPUs, no
// barriers, no per-element integer division). Deterministic: fixed order, no atomics.
// Matches: src/backend/cpu/fused.ts `softmaxCrossEntropyForward`, `softmaxCrossEntropyBackward`.
// Bindings: 0 uniform Params { N, V, ignore (i32), _ }
//           forward:  1 logits [N, V] (read), 2 targets: i32 [N] (read), 3 loss [N] (write),
//                     4 lse_w: f32 [N] (write)
//           backward: 1 logits (read), 2 targets (read), 5 lse_r: f32 [N] (read),
//                     6 g [N] (read; [1] with g_mean), 7 dlogits [N, V] (write),
//                     8 inv_r: f32 [1] (read; g_mean only)
// Dispatch: fwd_seq: ceil(N / WG) workgroups; fwd_wg and bwd: N workgroups; 2-D grids.
// Includes: row_reduce.wgsl (wg_sum, wg_max), softmax_stats.wgsl (lane_max, lane_sum_exp) (KernelSpec.include).
// Substitutions: ELEM (f32 | f16, computed in f32); GL (g_row | g_mean; backward only).

struct Params { N: u32, V: u32, ignore: i32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> logits: array<ELEM>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> loss: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> lse_w: array<f32>;
@group(0) @binding(5) var<storage, read> lse_r: array<f32>;
@group(0) @binding(6) var<storage, read> g: array<ELEM>;
@group(0) @binding(7) var<storage, read_write> dlogits: array<ELEM>;
@group(0) @binding(8) var<storage, read> inv_r: array<f32>;

override WG: u32 = 64u;

fn row_in(i: u32) -> f32 { return f32(logits[i]); }

// The gradient of row n's loss (GL).
fn g_row(n: u32) -> f32 { return f32(g[n]); }
fn g_mean(n: u32) -> f32 { return f32(g[0]) * inv_r[0]; }

fn valid_target(t: i32) -> bool {
  return t != u.ignore && t >= 0 && u32(t) < u.V;
}

fn write_row(n: u32, lse: f32) {
  lse_w[n] = lse;
  let t = targets[n];
  if (valid_target(t)) {
    loss[n] = ELEM(lse - f32(logits[n * u.V + u32(t)]));
  } else {
    loss[n] = ELEM(0.0);
  }
}

@compute @workgroup_size(WG)
fn fwd_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = flat_index(gid, nwg, WG);
  if (n >= u.N) { return; }
  let o = n * u.V;
  let m = lane_max(o, u.V, 0u, 1u);
  write_row(n, m + log(lane_sum_exp(o, u.V, 0u, 1u, m)));
}

@compute @workgroup_size(WG)
fn fwd_wg(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = flat_group(wid, nwg);
  if (n >= u.N) { return; } // uniform across the workgroup
  let o = n * u.V;
  let m = wg_max(lid.x, lane_max(o, u.V, lid.x, WG));
  let s = wg_sum(lid.x, lane_sum_exp(o, u.V, lid.x, WG, m));
  if (lid.x == 0u) { write_row(n, m + log(s)); }
}

@compute @workgroup_size(WG)
fn bwd(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
       @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = flat_group(wid, nwg);
  if (n >= u.N) { return; }
  let V = u.V;
  let o = n * V;
  let t = targets[n];
  if (!valid_target(t)) {
    for (var j = lid.x; j < V; j += WG) { dlogits[o + j] = ELEM(0.0); }
    return;
  }
  let gn = GL(n);
  let l = lse_r[n];
  for (var j = lid.x; j < V; j += WG) {
    let p = exp(f32(logits[o + j]) - l);
    dlogits[o + j] = ELEM(gn * (p - select(0.0, 1.0, j == u32(t))));
  }
}
