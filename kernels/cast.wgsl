// cast.wgsl — elementwise dtype conversion y[i] = OUT(x[i]). Float -> i32 truncates toward zero
// (WGSL conversion); f16 values go through f32.
// Matches: src/backend/cpu/cpu-backend.ts `cast`.
// Bindings: 0 uniform Params { n }   1 x: array<IN> [n] (read)   2 y: array<OUT> [n] (write)
// Dispatch: WG threads per workgroup, one thread per element, 2-D grid.
// Substitutions: IN, OUT (f32 | i32 | f16), VIA (f32 when either side is f16, else OUT).

struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<IN>;
@group(0) @binding(2) var<storage, read_write> y: array<OUT>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  y[i] = OUT(VIA(x[i]));
}
