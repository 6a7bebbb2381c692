// matmul_splitk.wgsl — combines split-K partial products: out[batch, i] = sum over s < splits of
// part[batch * splits + s, i], i < M * N, summed in increasing s (a fixed order: deterministic, no
// atomics). The partials are f32 (written by matmul.wgsl / matmul_reg*.wgsl with OUT = f32); the
// result is ELEM, through the matmul's epilogue EPI (matmul_epilogue.wgsl, included).
// Matches: src/backend/cpu/cpu-backend.ts `matmul` (with the k sum regrouped by chunks).
// Bindings: 0 uniform { total = batch * M * N, mn = M * N, splits, n = N }
//           1 part: array<f32> [batch * splits, M, N] (read)   2 out: array<ELEM> [batch, M, N] (write)
// Dispatch: 1-D over total, workgroups of 256 (2-D grid when large: common.wgsl flat_index).
// Substitutions: ELEM, EPI.

struct Params { total: u32, mn: u32, splits: u32, n: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<ELEM>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, 256u);
  if (i >= u.total) { return; }
  let batch = i / u.mn;
  let base = batch * u.splits * u.mn + (i - batch * u.mn);
  var s = 0.0;
  for (var q = 0u; q < u.splits; q++) { s += part[base + q * u.mn]; }
  out[i] = ELEM(EPI(i, i % u.n, s));
}
