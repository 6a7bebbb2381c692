// where.wgsl — broadcasting select: out[i] = cond[ic] != 0 ? a[ia] : b[ib].
// Index decomposition as in binary.wgsl (RANK override) (row-major over outShape, strides 0 on broadcast axes).
// Matches: src/backend/cpu/cpu-backend.ts `where`.
// Bindings: 0 uniform Params { n, rank, shape[8], c_strides[8], a_strides[8], b_strides[8] }
//           1 cond: array<COND> (read)  2 a: array<ELEM> (read)  3 b: array<ELEM> (read)
//           4 out: array<ELEM> [n] (write)
// Dispatch: WG threads per workgroup, one thread per output element, 2-D grid.
// Substitutions: ELEM (data type), COND (condition storage type: f32 | i32 | f16).

struct Params {
  n: u32, rank: u32, _p0: u32, _p1: u32,
  shape: array<vec4<u32>, 2>,
  c_strides: array<vec4<i32>, 2>,
  a_strides: array<vec4<i32>, 2>,
  b_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> cond: array<COND>;
@group(0) @binding(2) var<storage, read> a: array<ELEM>;
@group(0) @binding(3) var<storage, read> b: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> out: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let o = strided_offsets(i, u.shape, u.c_strides, u.a_strides, u.b_strides);
  out[i] = select(b[o.z], a[o.y], cond[o.x] != COND(0));
}
