// copy.wgsl — strided copy: dst[dst_off + sum_d i_d * ds_d] = src[src_off + sum_d i_d * ss_d]
// over the index space `shape` (row-major flat index i decomposed into coordinates i_d). The host
// merges axes that are contiguous in both src and dst, so plain copies run with rank 1 (the RANK
// override, common.wgsl).
// Matches: src/backend/cpu/cpu-backend.ts `copy`.
// Bindings: 0 uniform StridedParams { n, rank, src_off, dst_off, shape[8], src_strides[8],
//           dst_strides[8] } (strided.wgsl: operand 0 is src, 1 is dst)
//           1 src: array<ELEM> (read)   2 dst: array<ELEM> (read_write; elements outside the
//           index space are left untouched)
// Dispatch: WG threads per workgroup, one thread per element of the index space, 2-D grid.
// Includes: strided.wgsl (KernelSpec.include).
// Substitutions: ELEM.

@group(0) @binding(1) var<storage, read> src: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> dst: array<ELEM>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let o = operand_offsets(i);
  dst[u.off1 + o.y] = src[u.off0 + o.x];
}
