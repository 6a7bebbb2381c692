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
//       with subgroupBroadcast, as in matmul_reg_sg.wgsl (see its header: llvmpipe pays per loaded
//       value, not per FMA).
//   group_put_SEG(t, row0, col0, g)      stores the tile into O_SEG at m * g.o_ms + n * g.o_ns,
//       skipping rows and columns past the matrix.

fn group_acc_SEG(t: ptr<function, GroupTile>, row0: u32, col0: u32, sl: u32, g: GroupGeometry) {
  let ar0 = min(row0 + sl, g.M - 1u) * g.a_ms;
  let ar1 = min(row0 + 8u + sl, g.M - 1u) * g.a_ms;
  let bc = vec4<u32>(min(col0, g.N - 1u), min(col0 + 8u, g.N - 1u), min(col0 + 16u, g.N - 1u), min(col0 + 24u, g.N - 1u)) * g.b_ns;
  var c0 = (*t).c[0]; var c1 = (*t).c[1]; var c2 = (*t).c[2]; var c3 = (*t).c[3];
  var c4 = (*t).c[4]; var c5 = (*t).c[5]; var c6 = (*t).c[6]; var c7 = (*t).c[7];
  var c8 = (*t).c[8]; var c9 = (*t).c[9]; var c10 = (*t).c[10]; var c11 = (*t).c[11];
  var c12 = (*t).c[12]; var c13 = (*t).c[13]; var c14 = (*t).c[14]; var c15 = (*t).c[15];
  for (var k = 0u; k < g.inner; k++) {
    let bk = k * g.b_ks;
    let bv = vec4<f32>(f32(B_SEG[bc.x + bk]), f32(B_SEG[bc.y + bk]), f32(B_SEG[bc.z + bk]), f32(B_SEG[bc.w + bk]));
    let ak = k * g.a_ks;
    let g0 = f32(A_SEG[ar0 + ak]);
    let g1 = f32(A_SEG[ar1 + ak]);
    c0 = fma(vec4<f32>(subgroupBroadcast(g0, 0u)), bv, c0);
    c1 = fma(vec4<f32>(subgroupBroadcast(g0, 1u)), bv, c1);
    c2 = fma(vec4<f32>(subgroupBroadcast(g0, 2u)), bv, c2);
    c3 = fma(vec4<f32>(subgroupBroadcast(g0, 3u)), bv, c3);
    c4 = fma(vec4<f32>(subgroupBroadcast(g0, 4u)), bv, c4);
    c5 = fma(vec4<f32>(subgroupBroadcast(g0, 5u)), bv, c5);
    c6 = fma(vec4<f32>(subgroupBroadcast(g0, 6u)), bv, c6);
    c7 = fma(vec4<f32>(subgroupBroadcast(g0, 7u)), bv, c7);
    c8 = fma(vec4<f32>(subgroupBroadcast(g1, 0u)), bv, c8);
    c9 = fma(vec4<f32>(subgroupBroadcast(g1, 1u)), bv, c9);
    c10 = fma(vec4<f32>(subgroupBroadcast(g1, 2u)), bv, c10);
    c11 = fma(vec4<f32>(subgroupBroadcast(g1, 3u)), bv, c11);
    c12 = fma(vec4<f32>(subgroupBroadcast(g1, 4u)), bv, c12);
    c13 = fma(vec4<f32>(subgroupBroadcast(g1, 5u)), bv, c13);
    c14 = fma(vec4<f32>(subgroupBroadcast(g1, 6u)), bv, c14);
    c15 = fma(vec4<f32>(subgroupBroadcast(g1, 7u)), bv, c15);
  }
  (*t).c[0] = c0; (*t).c[1] = c1; (*t).c[2] = c2; (*t).c[3] = c3;
  (*t).c[4] = c4; (*t).c[5] = c5; (*t).c[6] = c6; (*t).c[7] = c7;
  (*t).c[8] = c8; (*t).c[9] = c9; (*t).c[10] = c10; (*t).c[11] = c11;
  (*t).c[12] = c12; (*t).c[13] = c13; (*t).c[14] = c14; (*t).c[15] = c15;
}

fn group_put_SEG(t: ptr<function, GroupTile>, row0: u32, col0: u32, g: GroupGeometry) {
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
