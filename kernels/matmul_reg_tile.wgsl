// matmul_reg_tile.wgsl — the register tile of the 'reg' and 'reg-sg' matmul variants
// (matmul_reg.wgsl, matmul_reg_sg.wgsl): a workgroup of WG lanes owns a 16 x (4 * WG) output tile,
// lane t rows row0 .. row0 + 15 and columns col0 + WG * j (j < 4, col0 = the tile's first column
// + t), held as 16 vec4 accumulators. Not a kernel: included after matmul_common.wgsl (Params,
// bindings) by src/backend/webgpu/matmul.ts.
// Provides:
//   b_columns(b_base, col0)  element offsets of the lane's 4 columns of B (clamped to the matrix:
//                            columns past N are computed from column N - 1, never stored);
//   b_at_k(bc, k)            the lane's 4 values of B row k, as f32;
//   put(z, r, col0, v)       stores row r of the tile through EPI, skipping rows and columns past
//                            the matrix.
// The including kernel defines: override WG (lanes per workgroup).

fn b_columns(b_base: u32, col0: u32) -> vec4<u32> {
  return vec4<u32>(b_base + min(col0, u.N - 1u) * u.b_ns, b_base + min(col0 + WG, u.N - 1u) * u.b_ns,
                   b_base + min(col0 + 2u * WG, u.N - 1u) * u.b_ns, b_base + min(col0 + 3u * WG, u.N - 1u) * u.b_ns);
}

fn b_at_k(bc: vec4<u32>, k: u32) -> vec4<f32> {
  let bk = k * u.b_ks;
  return vec4<f32>(f32(b[bc.x + bk]), f32(b[bc.y + bk]), f32(b[bc.z + bk]), f32(b[bc.w + bk]));
}

fn put(z: u32, r: u32, col0: u32, v: vec4<f32>) {
  if (r >= u.M) { return; }
  let base = (z * u.M + r) * u.N;
  for (var j = 0u; j < 4u; j++) {
    let c = col0 + j * WG;
    if (c < u.N) { out[base + c] = OUT(EPI(base + c, c, v[j])); }
  }
}
