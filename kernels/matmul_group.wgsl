// matmul_group.wgsl — grouped projections: the S <= 3 bias-free linear layers that read one input
// (a transformer block's q, k, v projections; its gate and up projections) in ONE dispatch per
// product, with the register tile of matmul_reg_sg.wgsl (software adapters with subgroups of 8
// lanes). With x [R, K] and weights W_s [N_s, K] (row-major, PyTorch layout):
//   group_shared, mode 0  forward          y_s = x W_sᵀ        [R, N_s]
//   group_shared, mode 1  weight gradients dW_s = g_sᵀ x       [N_s, K], computed as dW_sᵀ = xᵀ g_s
//                                          and stored transposed, so that x is the shared A
//                                          operand in both modes
//   group_sum             input gradient   dX = sum_s g_s W_s  [R, K]: each tile walks the k range of
//                                          every segment in turn and adds the segments' tiles (no
//                                          elementwise-add dispatches)
// In group_shared the grid's x axis runs over every segment's 32-column blocks (a workgroup never
// straddles two segments) and y over 16-row blocks; a workgroup (one 8-lane subgroup) computes one
// 16 x 32 tile. f32 accumulation in the k order of matmul_reg_sg.wgsl, so every output equals, bit
// for bit, the composed path of the same adapter (one product per weight, adds in increasing s). Why: on llvmpipe three [512, 64] x [64, 64] products cost more than one dispatch
// over the same tiles, and the input gradient saves S - 1 elementwise adds (bench/RESULTS.md,
// "Grouped projections"). Two pipelines, not three: each costs about 3 s of LLVM compile time at its
// first dispatch on a fresh machine.
// Matches: src/backend/linear-group.ts `linearGroupComposed` (S separate products and adds; the CPU
// backend's implementation).
// Bindings: 0 uniform Params
//           1-3 a0..a2: array<ELEM> (read)   group_shared: x (a0 only); group_sum: g_s
//           4-6 b0..b2: array<ELEM> (read)   group_shared: W_s (mode 0) or g_s (mode 1); group_sum: W_s
//           7-9 o0..o2: array<ELEM> (write)  group_shared: y_s or dW_s; group_sum: dX (o0 only)
// A group of 2 binds its last operand again in the third read slot and a spare buffer in the third
// write slot; nseg = 2 keeps every workgroup off them.
// Dispatch: group_shared (sum over s of ceil(N_s / 32), ceil(M / 16)) with M = R (mode 0) or K
//           (mode 1); group_sum (ceil(K / 32), ceil(R / 16)).
// Includes: matmul_sg_step.wgsl (SgTile, the k step); matmul_group_seg.wgsl once per segment
//           (KernelSpec.repeat: group_acc_s, group_put_s).
// Substitutions: ELEM (f32 | f16, accumulated in f32); A_0..A_2, B_0..B_2, O_0..O_2, the bindings of
//                each segment: group_shared a0 / b_s / o_s, group_sum a_s / b_s / o0.

struct Params {
  R: u32, K: u32, nseg: u32,
  // group_shared: 0 forward, 1 weight gradients.
  mode: u32,
  // Per segment s: (first 32-column block of s, N_s, 0, 0).
  seg: array<vec4<u32>, 3>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> a0: array<ELEM>;
@group(0) @binding(2) var<storage, read> a1: array<ELEM>;
@group(0) @binding(3) var<storage, read> a2: array<ELEM>;
@group(0) @binding(4) var<storage, read> b0: array<ELEM>;
@group(0) @binding(5) var<storage, read> b1: array<ELEM>;
@group(0) @binding(6) var<storage, read> b2: array<ELEM>;
@group(0) @binding(7) var<storage, read_write> o0: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> o1: array<ELEM>;
@group(0) @binding(9) var<storage, read_write> o2: array<ELEM>;

// One product: A(m, k) = A[m * a_ms + k * a_ks] (m < M), B(k, n) = B[k * b_ks + n * b_ns] (n < N),
// k < inner; output element (m, n) at m * o_ms + n * o_ns.
struct GroupGeometry { M: u32, N: u32, inner: u32, a_ms: u32, a_ks: u32, b_ks: u32, b_ns: u32, o_ms: u32, o_ns: u32 }

fn zero_tile() -> SgTile {
  var t: SgTile;
  for (var i = 0u; i < 16u; i++) { t.c[i] = vec4<f32>(0.0); }
  return t;
}

// The segment a 32-column block belongs to.
fn segment_of(block: u32) -> u32 {
  var s = 0u;
  if (u.nseg > 1u && block >= u.seg[1].x) { s = 1u; }
  if (u.nseg > 2u && block >= u.seg[2].x) { s = 2u; }
  return s;
}

@compute @workgroup_size(8)
fn group_shared(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                @builtin(subgroup_invocation_id) sl: u32) {
  let s = segment_of(wid.x);
  let n = u.seg[s].y;
  var g = GroupGeometry(u.R, n, u.K, u.K, 1u, 1u, u.K, n, 1u); // y_s = x W_sᵀ: B(k, j) = W_s[j, k]
  if (u.mode == 1u) {
    g = GroupGeometry(u.K, n, u.R, 1u, u.K, n, 1u, 1u, u.K);   // dW_sᵀ = xᵀ g_s, stored as dW_s[j, c]
  }
  let row0 = wid.y * 16u;
  let col0 = (wid.x - u.seg[s].x) * 32u + lid.x;
  var t = zero_tile();
  if (s == 0u) {
    group_acc_0(&t, row0, col0, sl, g);
    group_put_0(&t, row0, col0, g);
  } else if (s == 1u) {
    group_acc_1(&t, row0, col0, sl, g);
    group_put_1(&t, row0, col0, g);
  } else {
    group_acc_2(&t, row0, col0, sl, g);
    group_put_2(&t, row0, col0, g);
  }
}

// t + other, element by element.
fn add_tile(t: ptr<function, SgTile>, other: SgTile) {
  for (var i = 0u; i < 16u; i++) { (*t).c[i] = (*t).c[i] + other.c[i]; }
}

@compute @workgroup_size(8)
fn group_sum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(subgroup_invocation_id) sl: u32) {
  let row0 = wid.y * 16u;
  let col0 = wid.x * 32u + lid.x;
  // dX(r, c) = sum_s P_s(r, c), P_s = g_s W_s: A = g_s [R, N_s], B = W_s [N_s, K]. Each P_s is
  // accumulated from zero in its own tile and the tiles are added as (P_0 + P_1) + P_2: bit for bit
  // what one product per weight and the autograd's adds give (a llama block's gradients, and so a
  // training run, are unchanged).
  let n0 = u.seg[0].y;
  var p0 = zero_tile();
  group_acc_0(&p0, row0, col0, sl, GroupGeometry(u.R, u.K, n0, n0, 1u, u.K, 1u, u.K, 1u));
  var p1 = zero_tile();
  if (u.nseg > 1u) {
    let n1 = u.seg[1].y;
    group_acc_1(&p1, row0, col0, sl, GroupGeometry(u.R, u.K, n1, n1, 1u, u.K, 1u, u.K, 1u));
  }
  var p2 = zero_tile();
  if (u.nseg > 2u) {
    let n2 = u.seg[2].y;
    group_acc_2(&p2, row0, col0, sl, GroupGeometry(u.R, u.K, n2, n2, 1u, u.K, 1u, u.K, 1u));
  }
  var t = p0;
  if (u.nseg > 1u) { add_tile(&t, p1); }
  if (u.nseg > 2u) { add_tile(&t, p2); }
  group_put_0(&t, row0, col0, GroupGeometry(u.R, u.K, 0u, 0u, 0u, 0u, 0u, u.K, 1u));
}
