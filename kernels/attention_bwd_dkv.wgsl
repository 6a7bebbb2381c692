// attention_bwd_dkv.wgsl — fused attention backward, pass 2 of 2: dk and dv, one key row each.
// Matches: src/backend/cpu/attention.ts `attentionBackwardCpu` (its dk and dv).
//
// Algorithm (per key row j of kv head (b, hk)): for each query head h of the group (h = hk * group
// + g, g ascending), for each query i that sees j (causal: i >= j - off), in ascending order:
//   p  = 2^(q_i·k_j * scale * log2 e - lse_i * log2 e)
//   dv_j += p * dOut_i
//   ds = p * (dOut_i · v_j - delta_i)             (delta from pass 1, attention_bwd_dq)
//   dk_j += ds * q_i
// then dk_j *= scale. One invocation owns a key row and loops over every query (and group head)
// itself, so dk / dv are summed in a fixed order without atomics: deterministic.
// Two entry points (see attention_fwd.wgsl): dkv_rows reads q / dOut / lse / delta from storage
// with uniform addresses (software adapters); dkv_tiled stages BC queries of them in workgroup
// memory (real GPUs).
// Bindings: 0 uniform Params (as attention_fwd.wgsl; n_bh = B * Hkv here)
//           1 q [B, H, Tq, HD]   2 k [B, Hkv, Tk, HD]   3 v [B, Hkv, Tk, HD]   4 dout [B, H, Tq, HD]
//           5 lse: array<f32> [B, H, Tq]   6 delta: array<f32> [B, H, Tq]   (all read)
//           7 dk [B, Hkv, Tk, HD] (write)   8 dv [B, Hkv, Tk, HD] (write)
// Dispatch: (ceil(Tk / WG), min(B * Hkv, maxPerDim), ceil(B * Hkv / that)); kv head
//           wid.y + wid.z * nwg.y, key rows wid.x * WG + lid.x.
// Substitutions: ELEM, DHEAD, BCOLS (queries per staged tile, dkv_tiled only: 2 * BCOLS * (DHEAD
//                + 1) * 4 bytes of workgroup memory). Overrides: WG.

struct Params {
  B: u32, H: u32, Hkv: u32, Tq: u32,
  Tk: u32, group: u32, n_bh: u32, causal: u32,
  off: i32, scale_log2: f32, scale: f32, D: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> q: array<ELEM>;
@group(0) @binding(2) var<storage, read> k: array<ELEM>;
@group(0) @binding(3) var<storage, read> v: array<ELEM>;
@group(0) @binding(4) var<storage, read> dout: array<ELEM>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> dv: array<ELEM>;

override WG: u32 = 16u;
const HD: u32 = DHEAD;
const BC: u32 = BCOLS;
const LOG2E: f32 = 1.4426950408889634;

var<workgroup> qs: array<f32, BC * HD>;
var<workgroup> gs: array<f32, BC * HD>;
var<workgroup> ls: array<f32, BC>;
var<workgroup> ds_: array<f32, BC>;

// This invocation's key row: kv head, clamped key index, first query that sees it.
struct Key { bk: u32, b: u32, hk: u32, j: u32, live: bool, start_j: u32 }

fn key_of(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> Key {
  var r: Key;
  r.bk = wid.y + wid.z * nwg.y;
  r.b = r.bk / u.Hkv;
  r.hk = r.bk % u.Hkv;
  let raw_j = wid.x * WG + lid;
  r.live = raw_j < u.Tk;
  r.j = min(raw_j, u.Tk - 1u);
  r.start_j = 0u;
  if (u.causal != 0u) { r.start_j = u32(clamp(i32(r.j) - u.off, 0, i32(u.Tq))); }
  return r;
}

// The first query any key row of the workgroup sees (uniform; the query loop starts there).
fn wg_start(wid: vec3<u32>) -> u32 {
  if (u.causal == 0u) { return 0u; }
  return u32(clamp(i32(wid.x * WG) - u.off, 0, i32(u.Tq)));
}

// Loads k_j (pre-scaled by scale * log2 e) and v_j, zeroes the accumulators.
fn load_key(r: Key, kr: ptr<function, array<f32, HD>>, vr: ptr<function, array<f32, HD>>,
            gk: ptr<function, array<f32, HD>>, gv: ptr<function, array<f32, HD>>) {
  let base = (r.bk * u.Tk + r.j) * u.D;
  for (var d = 0u; d < u.D; d++) {
    (*kr)[d] = f32(k[base + d]) * u.scale_log2;
    (*vr)[d] = f32(v[base + d]);
    (*gk)[d] = 0.0;
    (*gv)[d] = 0.0;
  }
}

fn write_key(r: Key, gk: ptr<function, array<f32, HD>>, gv: ptr<function, array<f32, HD>>) {
  if (!r.live) { return; }
  let base = (r.bk * u.Tk + r.j) * u.D;
  for (var d = 0u; d < u.D; d++) {
    dk[base + d] = ELEM((*gk)[d] * u.scale);
    dv[base + d] = ELEM((*gv)[d]);
  }
}

@compute @workgroup_size(WG)
fn dkv_rows(@builtin(local_invocation_id) lid: vec3<u32>,
            @builtin(workgroup_id) wid: vec3<u32>,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  if (wid.y + wid.z * nwg.y >= u.n_bh) { return; }  // uniform across the workgroup
  let r = key_of(lid.x, wid, nwg);
  let start = wg_start(wid);
  var kr: array<f32, HD>;
  var vr: array<f32, HD>;
  var gk: array<f32, HD>;
  var gv: array<f32, HD>;
  load_key(r, &kr, &vr, &gk, &gv);
  for (var g = 0u; g < u.group; g++) {
    let bh = r.b * u.H + r.hk * u.group + g;
    for (var i = start; i < u.Tq; i++) {
      let row = bh * u.Tq + i;
      let qb = row * u.D;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < u.D; d++) {
        s = fma(kr[d], f32(q[qb + d]), s);
        dp = fma(vr[d], f32(dout[qb + d]), dp);
      }
      let p = select(0.0, exp2(s - lse[row] * LOG2E), i >= r.start_j);
      let ds = p * (dp - delta[row]);
      for (var d = 0u; d < u.D; d++) {
        gv[d] = fma(p, f32(dout[qb + d]), gv[d]);
        gk[d] = fma(ds, f32(q[qb + d]), gk[d]);
      }
    }
  }
  write_key(r, &gk, &gv);
}

@compute @workgroup_size(WG)
fn dkv_tiled(@builtin(local_invocation_id) lid: vec3<u32>,
             @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  if (wid.y + wid.z * nwg.y >= u.n_bh) { return; }  // uniform across the workgroup
  let r = key_of(lid.x, wid, nwg);
  let start = wg_start(wid);
  let bk = wid.y + wid.z * nwg.y;
  let b = bk / u.Hkv;
  let hk = bk % u.Hkv;
  var kr: array<f32, HD>;
  var vr: array<f32, HD>;
  var gk: array<f32, HD>;
  var gv: array<f32, HD>;
  load_key(r, &kr, &vr, &gk, &gv);
  for (var g = 0u; g < u.group; g++) {
    let bh = b * u.H + hk * u.group + g;
    for (var c0 = start; c0 < u.Tq; c0 += BC) {
      // Stage queries [c0, c0 + BC) of q, dOut, lse, delta (neutral values past the end).
      let qbase = (bh * u.Tq + c0) * u.D;
      for (var e = lid.x; e < BC * u.D; e += WG) {
        var qv = 0.0;
        var gvv = 0.0;
        if (c0 + e / u.D < u.Tq) {
          qv = f32(q[qbase + e]);
          gvv = f32(dout[qbase + e]);
        }
        qs[e] = qv;
        gs[e] = gvv;
      }
      for (var e = lid.x; e < BC; e += WG) {
        var lv = 0.0;
        var dv_ = 0.0;
        if (c0 + e < u.Tq) {
          lv = lse[bh * u.Tq + c0 + e] * LOG2E;
          dv_ = delta[bh * u.Tq + c0 + e];
        }
        ls[e] = lv;
        ds_[e] = dv_;
      }
      workgroupBarrier();
      let n = min(BC, u.Tq - c0);
      for (var t = 0u; t < n; t++) {
        var s = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < u.D; d++) {
          s = fma(kr[d], qs[t * u.D + d], s);
          dp = fma(vr[d], gs[t * u.D + d], dp);
        }
        let p = select(0.0, exp2(s - ls[t]), c0 + t >= r.start_j);
        let dsv = p * (dp - ds_[t]);
        for (var d = 0u; d < u.D; d++) {
          gv[d] = fma(p, gs[t * u.D + d], gv[d]);
          gk[d] = fma(dsv, qs[t * u.D + d], gk[d]);
        }
      }
      workgroupBarrier();
    }
  }
  write_key(r, &gk, &gv);
}
