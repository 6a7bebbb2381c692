// matmul_reg_sg.wgsl — the 'reg-sg' matmul variant: register blocking and subgroup broadcasts,
// no workgroup memory and no barriers. Chosen for software adapters (llvmpipe) that have the
// 'subgroups' feature with subgroups of at least 8 lanes (src/backend/webgpu/matmul.ts).
// Batched out[z, m, n] = sum_k A(z, m, k) * B(z, k, n) with
//   A(z, m, k) = a[batch * a_bs + m * a_ms + k * a_ks],  B(z, k, n) = b[batch * b_bs + k * b_ks + n * b_ns]
// (transposes are strides; a batch stride of 0 broadcasts one matrix over the batch).
// Split-K as in matmul.wgsl: slice z = batch * splits + s sums k in [s * k_chunk, min(K, (s+1) * k_chunk)).
// Algorithm: a workgroup of WG lanes computes a 16 x (4 * WG) output tile. Lane t owns rows
// row0 .. row0 + 15 and columns col0 + t + WG * j (j < 4), as 16 vec4 accumulators. Per k step each
// lane loads its 4 B values and ONE A value per 8 rows (lane l of the subgroup loads row row0 + l
// and row0 + 8 + l); subgroupBroadcast hands every lane the 16 A values. Why: llvmpipe performs a
// storage load lane by lane (about 15 instructions per lane), also for an address that is the same
// in every lane once inside a loop, so loads, not FMAs, bound the kernel; this variant issues
// 6 per-lane loads per 64 FMAs (the 16 x 4 register tile without broadcasts needs 20) and never
// waits at a barrier (each barrier is a coroutine switch on llvmpipe). Rows and columns past the
// matrix are clamped on load (computed, never stored), so any M, N, K works. f32 accumulation in a
// fixed k order: deterministic.
// Matches: src/backend/cpu/cpu-backend.ts `matmul`.
// Row sums of A (ROWSUM = true, splits = 1 only): sa[z, m] = sum_k A(z, m, k), from the A values the
// lanes load anyway (two adds per k step), written by the workgroups of column block 0 — the bias
// gradient of a linear layer in the pass that computes its weight gradient (dW = dYᵀ X, db = rows of dYᵀ).
// Bindings: 0 uniform Params (as matmul.wgsl) 1 a: array<ELEM> 2 b: array<ELEM> (read)
//           3 out: array<OUT> [batch * splits, M, N] (write)   8 sa: array<ELEM> [batch, M] (write, ROWSUM only)
//           5-7 the epilogue's (matmul_epilogue.wgsl)   (0-3 declared in matmul_common.wgsl)
// Overrides: WG — lanes per workgroup, a multiple of 8 (default 8: one llvmpipe subgroup).
// Dispatch: (ceil(N / (4 * WG)), ceil(M / 16), slices in this call); slice z = workgroup_id.z + batch_base.
// Includes: matmul_common.wgsl, matmul_reg_tile.wgsl (B columns, stores), matmul_sg_step.wgsl (the
//           k step of the tile), matmul_epilogue.wgsl (KernelSpec.include).
// Substitutions: ELEM, OUT, EPI (the store's epilogue: matmul_epilogue.wgsl), ROWSUM
//                (true | false) and SA_STORE (sa_store | sa_skip, to match). Needs `enable subgroups;`
//                (KernelSpec.subgroups).

@group(0) @binding(8) var<storage, read_write> sa: array<ELEM>;

override WG: u32 = 8u;
const ROW_SUMS: bool = ROWSUM;

// SA_STORE: sa_store with ROWSUM = true, else sa_skip (which leaves binding 8 unused).
fn sa_store(i: u32, v: f32) { sa[i] = ELEM(v); }
fn sa_skip(i: u32, v: f32) {}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(subgroup_invocation_id) sl: u32) {
  let z = wid.z + u.batch_base;
  let s = matmul_slice(z);
  let row0 = wid.y * 16u;
  let col0 = wid.x * 4u * WG + lid.x;
  let ar0 = s.a_base + min(row0 + sl, u.M - 1u) * u.a_ms;
  let ar1 = s.a_base + min(row0 + 8u + sl, u.M - 1u) * u.a_ms;
  let bc = b_columns(s.b_base, col0);

  var t: SgTile; // zero-initialised
  var s0 = 0.0; var s1 = 0.0;  // row sums of A (rows row0 + sl, row0 + 8 + sl), ROW_SUMS only

  for (var k = s.k_begin; k < s.k_end; k++) {
    let bv = b_at_k(bc, k);
    let ak = k * u.a_ks;
    let g0 = f32(a[ar0 + ak]);
    let g1 = f32(a[ar1 + ak]);
    if (ROW_SUMS) { s0 += g0; s1 += g1; }
    sg_tile_step(&t, g0, g1, bv);
  }

  if (ROW_SUMS && wid.x == 0u && lid.x < 8u) {
    if (row0 + sl < u.M) { SA_STORE(z * u.M + row0 + sl, s0); }
    if (row0 + 8u + sl < u.M) { SA_STORE(z * u.M + row0 + 8u + sl, s1); }
  }
  for (var i = 0u; i < 16u; i++) { put(z, row0 + i, col0, t.c[i]); }
}
