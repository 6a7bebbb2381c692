// matmul_group_seg.wgsl — one segment's code of matmul_group.wgsl (grouped projections), placed
// once per segment by KernelSpec.repeat with SEG replaced by the segment's index (0, 1, 2); the
// substitutions then name the bindings segment SEG reads (A_SEG, B_SEG) and writes (O_SEG). Not a
// kernel. A copy per segment keeps every load of the loop on one binding: loads that branch on the
// segment ran 15% slower on llvmpipe (bench/RESULTS.md, "Grouped projections").
// Provides:
//   group_acc_SEG(t, row0, col0, sl, g)  adds to the 16 x (4 * 8) register tile t (16 vec4; lane
//       sl of the 8-lane subgroup owns rows row0 .. row0 + 15 and columns col0 + 8 * j, j < 4) the
//       product sum over k < g.inner of A(row, k) * B(k, col), with A(m, k) = A_SEG[m * g.a_ms +
//       k * g.a_ks] and B(k, n) = B_SEG[k * g.b_ks + n * g.b_ns]; rows >= g.M and columns >= g.N are
//       clamped on load (computed, never stored). A values come one per 8 rows and are handed out
//       with subgroupBroadcast by the k step matmul_reg_sg.wgsl uses too (matmul_sg_step.wgsl), so
//       each product rounds exactly as the register kernel's.
//   group_put_SEG(t, row0, col0, g)      stores the tile into O_SEG at m * g.o_ms + n * g.o_ns,
//       skipping rows and columns past the matrix.

fn group_acc_SEG(t: ptr<function, SgTile>, row0: u32, col0: u32, sl: u32, g: GroupGeometry) {
  let ar0 = min(row0 + sl, g.M - 1u) * g.a_ms;
  let ar1 = min(row0 + 8u + sl, g.M - 1u) * g.a_ms;
  let bc = vec4<u32>(min(col0, g.N - 1u), min(col0 + 8u, g.N - 1u), min(col0 + 16u, g.N - 1u), min(col0 + 24u, g.N - 1u)) * g.b_ns;
  for (var k = 0u; k < g.inner; k++) {
    let bk = k * g.b_ks;
    let bv = vec4<f32>(f32(B_SEG[bc.x + bk]), f32(B_SEG[bc.y + bk]), f32(B_SEG[bc.z + bk]), f32(B_SEG[bc.w + bk]));
    let ak = k * g.a_ks;
    let g0 = f32(A_SEG[ar0 + ak]);
    let g1 = f32(A_SEG[ar1 + ak]);
    sg_tile_step(t, g0, g1, bv);
  }
}

fn group_put_SEG(t: ptr<function, SgTile>, row0: u32, col0: u32, g: GroupGeometry) {
  for (var i = 0u; i < 16u; i++) {
    let r = row0 + i;
    if (r >= g.M) { return; }
    let v = (*t).c[i];
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + 8u * j;
      if (c < g.N) { O_SEG[r * g.o_ms + c * g.o_ns] = ELEM(v[j]); }
    }
  }
}
