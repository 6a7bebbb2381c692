// attention_key_tiles.wgsl — the query-row side shared by attention_fwd.wgsl and attention_bwd_dq.wgsl:
// a workgroup owns WG * R consecutive query rows of one head and walks the keys in tiles of BC,
// staged in workgroup memory. Not a kernel: included after attention_common.wgsl (whose Params,
// bindings, constants and loaders it uses) by src/backend/webgpu/attention.ts.
// Provides:
//   ks, vs          the staged key and value tile (workgroup memory, 2 * BC * HD4 vec4s);
//   QueryBlock      a workgroup's head bh, its rows i0 .. i0 + rows - 1 and row bases (query_block);
//   wg_end          keys [0, wg_end) cover every row of the workgroup;
//   stage_keys      the lanes' share of copying keys c0 .. c0 + nk - 1 of k and v into ks, vs;
//   tile_row        key t of the staged tile into registers kt, vt.
// The including kernel defines nothing more for it; it places the barriers around stage_keys.

var<workgroup> ks: array<vec4<f32>, BC * HD4>;
var<workgroup> vs: array<vec4<f32>, BC * HD4>;

// Workgroup wid's query rows: head bh = (b, h) (the dispatch's y and z), rows i0 .. i0 + rows - 1;
// query row i starts at element q_base + i * u.q_ps, key row j of its kv head at kv_base + j * u.kv_ps.
struct QueryBlock { bh: u32, q_base: u32, kv_base: u32, i0: u32, rows: u32 }

// Meaningful when bh < u.n_bh (the caller returns otherwise).
fn query_block(wid: vec3<u32>, nwg: vec3<u32>) -> QueryBlock {
  let bh = wid.y + wid.z * nwg.y;
  let b = bh / u.H;
  let h = bh % u.H;
  let i0 = wid.x * WG * R;
  return QueryBlock(bh, b * u.q_bs + h * u.q_hs, b * u.kv_bs + (h / u.group) * u.kv_hs, i0, min(WG * R, u.Tq - i0));
}

// Keys [0, wg_end) cover every row of the workgroup (uniform: depends on workgroup_id only).
fn wg_end(qb: QueryBlock) -> u32 {
  return key_end(qb.i0 + qb.rows - 1u);
}

// Lane `lane`'s share of staging keys c0 .. c0 + nk - 1 (k and v, as f32) into ks and vs.
fn stage_keys(lane: u32, kv_base: u32, c0: u32, nk: u32) {
  for (var e = lane; e < nk * HD4; e += WG) {
    let base = kv_base + (c0 + e / HD4) * u.kv_ps;
    ks[e] = ld_k(base, e % HD4);
    vs[e] = ld_v(base, e % HD4);
  }
}

// Staged key t (of ks, vs) into kt and vt.
fn tile_row(t: u32, kt: ptr<function, array<vec4<f32>, HD4>>, vt: ptr<function, array<vec4<f32>, HD4>>) {
  for (var d = 0u; d < HD4; d++) {
    (*kt)[d] = ks[t * HD4 + d];
    (*vt)[d] = vs[t * HD4 + d];
  }
}
