// matmul_sg_step.wgsl — the k step of the 16 x 4 register tile that matmul_reg_sg.wgsl and the
// grouped projections (matmul_group_seg.wgsl) share. Not a kernel: placed before them by
// KernelSpec.include; needs `enable subgroups;`.
// Provides:
//   SgTile                          16 vec4 accumulators: row i of the lane's tile, 4 columns each;
//   sg_tile_step(t, g0, g1, bv)     row i += A(row0 + i, k) * bv for i < 16, where A(row0 + i, k) is
//                                   the value lane i of the 8-lane subgroup loaded into g0 (i < 8) or
//                                   lane i - 8 into g1 (i >= 8), handed out with subgroupBroadcast;
//                                   bv: the lane's 4 values of B row k. One fma per row, rows in
//                                   order: the k order, and so the rounding, of every product.

struct SgTile { c: array<vec4<f32>, 16> }

fn sg_tile_step(t: ptr<function, SgTile>, g0: f32, g1: f32, bv: vec4<f32>) {
  (*t).c[0] = fma(vec4<f32>(subgroupBroadcast(g0, 0u)), bv, (*t).c[0]);
  (*t).c[1] = fma(vec4<f32>(subgroupBroadcast(g0, 1u)), bv, (*t).c[1]);
  (*t).c[2] = fma(vec4<f32>(subgroupBroadcast(g0, 2u)), bv, (*t).c[2]);
  (*t).c[3] = fma(vec4<f32>(subgroupBroadcast(g0, 3u)), bv, (*t).c[3]);
  (*t).c[4] = fma(vec4<f32>(subgroupBroadcast(g0, 4u)), bv, (*t).c[4]);
  (*t).c[5] = fma(vec4<f32>(subgroupBroadcast(g0, 5u)), bv, (*t).c[5]);
  (*t).c[6] = fma(vec4<f32>(subgroupBroadcast(g0, 6u)), bv, (*t).c[6]);
  (*t).c[7] = fma(vec4<f32>(subgroupBroadcast(g0, 7u)), bv, (*t).c[7]);
  (*t).c[8] = fma(vec4<f32>(subgroupBroadcast(g1, 0u)), bv, (*t).c[8]);
  (*t).c[9] = fma(vec4<f32>(subgroupBroadcast(g1, 1u)), bv, (*t).c[9]);
  (*t).c[10] = fma(vec4<f32>(subgroupBroadcast(g1, 2u)), bv, (*t).c[10]);
  (*t).c[11] = fma(vec4<f32>(subgroupBroadcast(g1, 3u)), bv, (*t).c[11]);
  (*t).c[12] = fma(vec4<f32>(subgroupBroadcast(g1, 4u)), bv, (*t).c[12]);
  (*t).c[13] = fma(vec4<f32>(subgroupBroadcast(g1, 5u)), bv, (*t).c[13]);
  (*t).c[14] = fma(vec4<f32>(subgroupBroadcast(g1, 6u)), bv, (*t).c[14]);
  (*t).c[15] = fma(vec4<f32>(subgroupBroadcast(g1, 7u)), bv, (*t).c[15]);
}
