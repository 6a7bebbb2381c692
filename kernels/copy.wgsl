// copy.wgsl — strided copy: dst[dst_off + sum_d i_d * ds_d] = src[src_off + sum_d i_d * ss_d]
// over the index space `shape` (row-major flat index i decomposed into coordinates i_d). The host
// merges axes that are contiguous in both src and dst, so plain copies run with rank 1 (the RANK
// override, common.wgsl).
// Matches: src/backend/cpu/cpu-backend.ts `copy`.
// Bindings: 0 uniform Params { n, rank, src_off, dst_off, shape[8], src_strides[8], dst_strides[8] }
//           1 src: array<ELEM> (read)   2 dst: array<ELEM> (read_write; elements outside the
//           index space are left untouched)
// Dispatch: WG threads per workgroup, one thread per element of the index space, 2-D grid.
// Substitutions: ELEM.

struct Params {
  n: u32, rank: u32, src_off: i32, dst_off: i32,
  shape: array<vec4<u32>, 2>,
  src_strides: array<vec4<i32>, 2>,
  dst_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> dst: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let o = strided_offsets(i, u.shape, u.src_strides, u.dst_strides, u.dst_strides);
  dst[u.dst_off + o.y] = src[u.src_off + o.x];
}
