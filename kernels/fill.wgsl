// fill.wgsl — y[i] = value for i in [0, n). The value travels as 32 bits in the uniform:
// f32 bits for f32 / f16 storage (the host pre-rounds f16 values so the conversion is exact),
// i32 bits for i32. Also used to zero-fill scatter_add_rows outputs.
// Matches: src/backend/cpu/cpu-backend.ts `fill`.
// Bindings: 0 uniform Params { n, bits }   1 y: array<ELEM> [n] (write)
// Dispatch: WG threads per workgroup, one thread per element, 2-D grid.
// Substitutions: ELEM, CT (f32 for float storage, i32 for i32).

struct Params { n: u32, bits: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> y: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  y[i] = ELEM(bitcast<CT>(u.bits));
}
