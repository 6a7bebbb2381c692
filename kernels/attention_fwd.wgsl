// attention_fwd.wgsl — fused scaled-dot-product attention forward (flash-attention style): for each
// query row an online softmax over the visible keys, so the [Tq, Tk] score matrix never exists in
// memory. Saves the row log-sum-exp for the backward (attention_bwd_dq / attention_bwd_dkv).
// Matches: src/backend/cpu/attention.ts `attentionForwardCpu`.
//
// Algorithm (per query row i of head (b, h), kv head h / group): keys are walked in blocks of BK.
// For a block: s_t = (q_i · k_j) * scale * log2(e) for visible keys (causal: j <= i + off,
// off = Tk - Tq); m' = max(m, max_t s_t); acc = acc * 2^(m - m') + sum_t 2^(s_t - m') v_j;
// l likewise. At the end out = acc / l and lse = (m + log2 l) * ln 2 (natural log). A row that sees
// no key (causal with Tq > Tk) writes zeros and lse = -inf. All math in f32; the key order is
// fixed, so results are deterministic.
// Two entry points, same arithmetic order within a row:
//   fwd_rows   one invocation per query row reading k / v straight from storage. Workgroups hold
//              WG consecutive rows of one head, so every lane reads the same key row at the same
//              time (uniform addresses) and the loop bound is uniform (lanes mask keys they must not
//              see). For software adapters: no barriers (llvmpipe serialises lanes at barriers).
//   fwd_tiled  the same per-row work, but the workgroup first stages BC keys of k and v in
//              workgroup memory (one load per element for all WG rows). For real GPUs.
// Bindings: 0 uniform Params
//           1 q: array<ELEM> [B, H, Tq, HD] (read)     2 k: array<ELEM> [B, Hkv, Tk, HD] (read)
//           3 v: array<ELEM> [B, Hkv, Tk, HD] (read)   4 out: array<ELEM> [B, H, Tq, HD] (write)
//           5 lse: array<f32> [B, H, Tq] (write)
// Dispatch: (ceil(Tq / WG), min(B * H, maxPerDim), ceil(B * H / that)); head bh = wid.y + wid.z *
//           nwg.y, rows wid.x * WG + lid.x.
// Substitutions: ELEM; DHEAD (head size, a literal: private arrays are sized by it); BCOLS (keys per
//                staged tile, fwd_tiled only; 2 * BCOLS * DHEAD * 4 bytes of workgroup memory).
// Overrides: WG (rows per workgroup).

struct Params {
  B: u32, H: u32, Hkv: u32, Tq: u32,
  Tk: u32, group: u32, n_bh: u32, causal: u32,
  off: i32, scale_log2: f32, scale: f32, D: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> q: array<ELEM>;
@group(0) @binding(2) var<storage, read> k: array<ELEM>;
@group(0) @binding(3) var<storage, read> v: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> out: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

override WG: u32 = 16u;
const HD: u32 = DHEAD;
const BK: u32 = 8u;
const BC: u32 = BCOLS;
const NEG_BIG: f32 = -1e30;
const LN2: f32 = 0.6931471805599453;

var<workgroup> ks: array<f32, BC * HD>;
var<workgroup> vs: array<f32, BC * HD>;

// Where a workgroup's rows are and which keys they see.
struct Rows {
  bh: u32,       // b * H + h
  kv_base: u32,  // element offset of k / v row 0 of the kv head
  i: u32,        // this invocation's query row (clamped to Tq - 1 for loads)
  live: bool,  // i < Tq
  end_i: u32,    // this row sees keys [0, end_i)
}

fn rows_of(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> Rows {
  var r: Rows;
  r.bh = wid.y + wid.z * nwg.y;
  let b = r.bh / u.H;
  let h = r.bh % u.H;
  r.kv_base = (b * u.Hkv + h / u.group) * u.Tk * u.D;
  let i0 = wid.x * WG;
  let raw_i = i0 + lid;
  r.live = raw_i < u.Tq;
  r.i = min(raw_i, u.Tq - 1u);
  r.end_i = u.Tk;
  if (u.causal != 0u) { r.end_i = u32(clamp(i32(r.i) + u.off + 1, 0, i32(u.Tk))); }
  return r;
}

// The workgroup's rows see keys [0, wg_end) — the loop bound, uniform across the workgroup (a
// separate function so the uniformity analysis sees it depends on workgroup_id only).
fn wg_end(wid: vec3<u32>) -> u32 {
  if (u.causal == 0u) { return u.Tk; }
  let last_row = min(wid.x * WG + WG, u.Tq) - 1u;
  return u32(clamp(i32(last_row) + u.off + 1, 0, i32(u.Tk)));
}

fn write_row(r: Rows, acc: ptr<function, array<f32, HD>>, m: f32, l: f32) {
  if (!r.live) { return; }
  let o_base = (r.bh * u.Tq + r.i) * u.D;
  var inv = 0.0;
  if (l > 0.0) { inv = 1.0 / l; }
  for (var d = 0u; d < u.D; d++) { out[o_base + d] = ELEM((*acc)[d] * inv); }
  var row_lse = neg_inf();
  if (l > 0.0) { row_lse = (m + log2(l)) * LN2; }
  lse[r.bh * u.Tq + r.i] = row_lse;
}

@compute @workgroup_size(WG)
fn fwd_rows(@builtin(local_invocation_id) lid: vec3<u32>,
            @builtin(workgroup_id) wid: vec3<u32>,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  if (wid.y + wid.z * nwg.y >= u.n_bh) { return; }  // uniform across the workgroup
  let r = rows_of(lid.x, wid, nwg);
  let end_wg = wg_end(wid);
  let q_base = (r.bh * u.Tq + r.i) * u.D;
  var qr: array<f32, HD>;
  var acc: array<f32, HD>;
  for (var d = 0u; d < u.D; d++) {
    qr[d] = f32(q[q_base + d]) * u.scale_log2;
    acc[d] = 0.0;
  }
  var m = NEG_BIG;
  var l = 0.0;
  for (var j0 = 0u; j0 < end_wg; j0 += BK) {
    var s: array<f32, BK>;
    var mb = NEG_BIG;
    for (var t = 0u; t < BK; t++) {
      let j = min(j0 + t, end_wg - 1u);  // uniform, in range
      let kb = r.kv_base + j * u.D;
      var dot = 0.0;
      for (var d = 0u; d < u.D; d++) { dot = fma(qr[d], f32(k[kb + d]), dot); }
      s[t] = select(NEG_BIG, dot, j0 + t < r.end_i);
      mb = max(mb, s[t]);
    }
    let m_new = max(m, mb);
    let corr = exp2(m - m_new);
    l = l * corr;
    for (var d = 0u; d < u.D; d++) { acc[d] = acc[d] * corr; }
    for (var t = 0u; t < BK; t++) {
      let j = min(j0 + t, end_wg - 1u);
      let p = select(0.0, exp2(s[t] - m_new), j0 + t < r.end_i);
      l = l + p;
      let vb = r.kv_base + j * u.D;
      for (var d = 0u; d < u.D; d++) { acc[d] = fma(p, f32(v[vb + d]), acc[d]); }
    }
    m = m_new;
  }
  write_row(r, &acc, m, l);
}

@compute @workgroup_size(WG)
fn fwd_tiled(@builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  if (wid.y + wid.z * nwg.y >= u.n_bh) { return; }  // uniform across the workgroup
  let r = rows_of(lid.x, wid, nwg);
  let end_wg = wg_end(wid);
  let q_base = (r.bh * u.Tq + r.i) * u.D;
  var qr: array<f32, HD>;
  var acc: array<f32, HD>;
  for (var d = 0u; d < u.D; d++) {
    qr[d] = f32(q[q_base + d]) * u.scale_log2;
    acc[d] = 0.0;
  }
  var m = NEG_BIG;
  var l = 0.0;
  for (var c0 = 0u; c0 < end_wg; c0 += BC) {
    // Stage keys [c0, c0 + BC) of k and v (zeros past the end).
    for (var e = lid.x; e < BC * u.D; e += WG) {
      let j = c0 + e / u.D;
      var kv = 0.0;
      var vv = 0.0;
      if (j < u.Tk) {
        kv = f32(k[r.kv_base + c0 * u.D + e]);
        vv = f32(v[r.kv_base + c0 * u.D + e]);
      }
      ks[e] = kv;
      vs[e] = vv;
    }
    workgroupBarrier();
    let n_blocks = (min(BC, end_wg - c0) + BK - 1u) / BK;
    for (var blk = 0u; blk < n_blocks; blk++) {
      let j0 = c0 + blk * BK;
      var s: array<f32, BK>;
      var mb = NEG_BIG;
      for (var t = 0u; t < BK; t++) {
        let kb = (blk * BK + t) * u.D;
        var dot = 0.0;
        for (var d = 0u; d < u.D; d++) { dot = fma(qr[d], ks[kb + d], dot); }
        s[t] = select(NEG_BIG, dot, j0 + t < r.end_i);
        mb = max(mb, s[t]);
      }
      let m_new = max(m, mb);
      let corr = exp2(m - m_new);
      l = l * corr;
      for (var d = 0u; d < u.D; d++) { acc[d] = acc[d] * corr; }
      for (var t = 0u; t < BK; t++) {
        let p = select(0.0, exp2(s[t] - m_new), j0 + t < r.end_i);
        l = l + p;
        let vb = (blk * BK + t) * u.D;
        for (var d = 0u; d < u.D; d++) { acc[d] = fma(p, vs[vb + d], acc[d]); }
      }
      m = m_new;
    }
    workgroupBarrier();
  }
  write_row(r, &acc, m, l);
}
