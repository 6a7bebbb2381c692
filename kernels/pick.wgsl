// pick.wgsl — per-row element pick and its backward (cross-entropy with ignore_index).
//   pick           out[n] = x[n, idx[n]]; 0 when idx[n] is outside [0, c).
//   pick_backward  out[n, j] = (j == idx[n]) ? g[n] : 0.
// Matches: src/backend/cpu/cpu-backend.ts `pick` and `pickBackward`.
// Bindings: 0 uniform Params { n, c, total (n for pick, n * c for pick_backward) }
//           1 src: array<ELEM> (x [n, c] for pick, g [n] for pick_backward) (read)
//           2 idx: array<i32> [n] (read)
//           3 out: array<ELEM> ([n] for pick, [n, c] for pick_backward) (write)
// Dispatch: WG threads per workgroup, one thread per output element, 2-D grid.
// Substitutions: ELEM.

struct Params { n: u32, c: u32, total: u32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<ELEM>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn pick(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let j = idx[i];
  if (j >= 0 && u32(j) < u.c) {
    out[i] = src[i * u.c + u32(j)];
  } else {
    out[i] = ELEM(0);
  }
}

@compute @workgroup_size(WG)
fn pick_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let n = i / u.c;
  let j = i % u.c;
  if (idx[n] == i32(j)) {
    out[i] = src[n];
  } else {
    out[i] = ELEM(0);
  }
}
