// scatter_add_rows.wgsl — deterministic scatter-add, the backward of gather_rows:
//   out[r, j] = sum over n with idx[n] == r of grad[n, j], summed in increasing n (no atomics).
// Ids outside [0, rows) are ignored. The host zero-fills `out` first (fill.wgsl), then runs:
//   link        one thread per n: links[2n] = next n' > n with idx[n'] == idx[n] (or -1),
//               links[2n+1] = 1 when n is the first occurrence of its id (no n' < n matches).
//               Each thread scans backwards / forwards and stops at the first match.
//   accumulate  one thread per (n, j) with n a first occurrence: walks the chain n -> next -> ...
//               adding grad[., j] into an f32 accumulator starting at 0, in increasing n, and
//               writes out[idx[n], j]. Each output row is written by exactly one chain.
// For f32 the result is bitwise equal to the CPU loop (same order, same f32 rounding).
// Matches: src/backend/cpu/cpu-backend.ts `scatterAddRows`.
// Bindings: link:       0 uniform Params, 2 idx: array<i32> [nIdx] (read),
//                       3 links_w: array<i32> [2 * nIdx] (write)
//           accumulate: 0 uniform Params, 1 grad: array<ELEM> [nIdx, row_len] (read),
//                       2 idx (read), 4 links_r: array<i32> [2 * nIdx] (read),
//                       5 out: array<ELEM> [rows, row_len] (write)
//           Params { n_idx, row_len, rows, total = n_idx * row_len, row0 }: `out` holds rows
//           [row0, row0 + rows) of the result (row0 = 0 unless the result exceeds the binding
//           limit and is written in windows, src/backend/webgpu/gather.ts); other ids are skipped.
// Dispatch: link: ceil(n_idx / WG) workgroups; accumulate: ceil(total / WG); both 2-D grids.
// Substitutions: ELEM.

struct Params { n_idx: u32, row_len: u32, rows: u32, total: u32, row0: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> grad: array<ELEM>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> links_w: array<i32>;
@group(0) @binding(4) var<storage, read> links_r: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn link(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = flat_index(gid, nwg, WG);
  if (n >= u.n_idx) { return; }
  let r = idx[n];
  var next = -1;
  for (var m = n + 1u; m < u.n_idx; m++) {
    if (idx[m] == r) { next = i32(m); break; }
  }
  var head = 1;
  for (var m = i32(n) - 1; m >= 0; m--) {
    if (idx[m] == r) { head = 0; break; }
  }
  links_w[2u * n] = next;
  links_w[2u * n + 1u] = head;
}

@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let n = i / u.row_len;
  let j = i % u.row_len;
  let id = idx[n];
  if (links_r[2u * n + 1u] == 0 || id < i32(u.row0) || u32(id) - u.row0 >= u.rows) { return; }
  let r = u32(id) - u.row0;
  var acc = 0.0;
  var m = i32(n);
  loop {
    acc = acc + f32(grad[u32(m) * u.row_len + j]);
    m = links_r[2u * u32(m)];
    if (m < 0) { break; }
  }
  out[r * u.row_len + j] = ELEM(acc);
}
