// gather_rows.wgsl — row gather (embedding lookup): out[n, j] = table[idx[n], j], zeros when
// idx[n] is outside [0, rows).
//   main    the whole table.
//   window  table is rows [row0, row0 + rows) of a larger table (one window of it, see
//           src/backend/webgpu/gather.ts): writes the outputs whose id falls in the window and
//           leaves the others as they are (the host zero-fills the output first).
// Matches: src/backend/cpu/cpu-backend.ts `gatherRows`.
// Bindings: 0 uniform Params { total = nIdx * rowLen, row_len, rows, row0 (window only) }
//           1 table: array<ELEM> [rows, row_len] (read)   2 idx: array<i32> [nIdx] (read)
//           3 out: array<ELEM> [nIdx, row_len] (write)
// Dispatch: WG threads per workgroup, one thread per output element, 2-D grid.
// Substitutions: ELEM.

struct Params { total: u32, row_len: u32, rows: u32, row0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> table: array<ELEM>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let n = i / u.row_len;
  let j = i % u.row_len;
  let r = idx[n];
  if (r >= 0 && u32(r) < u.rows) {
    out[i] = table[u32(r) * u.row_len + j];
  } else {
    out[i] = ELEM(0);
  }
}

@compute @workgroup_size(WG)
fn window(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let n = i / u.row_len;
  let r = idx[n];
  if (r >= i32(u.row0) && u32(r) - u.row0 < u.rows) {
    out[i] = table[(u32(r) - u.row0) * u.row_len + i % u.row_len];
  }
}
