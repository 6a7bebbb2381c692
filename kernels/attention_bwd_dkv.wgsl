// attention_bwd_dkv.wgsl — fused attention backward, pass 2 of 2: dk and dv, by key rows.
// Matches: src/backend/cpu/attention.ts `attentionBackwardCpu` (its dk and dv).
//
// Algorithm (per key row j of kv head (b, hk)): for each query head h of the group (h = hk * group
// + g, g ascending), for each query i that sees j (causal: i >= j - (Tk - Tq)), in ascending order:
//   p  = 2^(q_i·k_j * scale * log2 e - lse_i * log2 e)
//   dv_j += p * dOut_i
//   ds = p * (dOut_i · v_j - delta_i)             (delta from pass 1, attention_bwd_dq)
//   dk_j += ds * q_i
// then dk_j *= scale. A lane owns its key rows and loops over every query (and group head) itself,
// so dk / dv are summed in a fixed order without atomics: deterministic.
// Layout and code shape as attention_fwd.wgsl with the roles swapped: a workgroup owns WG * R key rows (lane lid:
// rows lid + WG * r) held in registers as vec4s (k, v and the dk, dv accumulators); query tiles
// of q and dOut (plus their lse and delta) are staged in workgroup memory.
// Layout: every operand row is addressed through strides in the uniform (src/backend/
// attention-args.ts `attentionStrides`): row i of head h in batch b starts at b * bs + h * hs + i * ps
// (q_* for q, out, dout, dq; kv_* for k, v, dk, dv), so [B, H, T, D] and [B, T, H, D] both work;
// lse and delta are [B, H, Tq]. The shapes below are those of the default layout, [B, H, T, D].
// Bindings: 0 uniform Params (attention_common.wgsl; n_bh = B * Hkv here)
//           1 q [B, H, Tq, D]   2 k [B, Hkv, Tk, D]   3 v [B, Hkv, Tk, D]   4 dout [B, H, Tq, D]
//           5 lse: array<f32> [B, H, Tq]   6 delta: array<f32> [B, H, Tq]   (all read)
//           7 dk [B, Hkv, Tk, D] (write)   8 dv [B, Hkv, Tk, D] (write)
//           (0-3 are declared in attention_common.wgsl)
// Includes: attention_common.wgsl, attention_bwd_common.wgsl (ld_g) (KernelSpec.include).
// Dispatch: (ceil(Tk / (WG * R)), min(B * Hkv, maxPerDim), ceil(B * Hkv / that)).
// Substitutions: ELEM, DHEAD4, DPARTIAL, RROWS, BCOLS (queries per staged tile: 2 * BCOLS * (DHEAD4 * 16 +
//                4) bytes of workgroup memory). Overrides: WG.

@group(0) @binding(4) var<storage, read> dout: array<ELEM>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<ELEM>;
@group(0) @binding(8) var<storage, read_write> dv: array<ELEM>;

var<workgroup> qs: array<vec4<f32>, BC * HD4>;
var<workgroup> gs: array<vec4<f32>, BC * HD4>;
var<workgroup> ls: array<f32, BC>;
var<workgroup> dls: array<f32, BC>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let bk = wid.y + wid.z * nwg.y;
  if (bk >= u.n_bh) { return; }  // uniform across the workgroup
  let b = bk / u.Hkv;
  let hk = bk % u.Hkv;
  let kv_base = b * u.kv_bs + hk * u.kv_hs;
  let j0 = wid.x * WG * R;
  let rows = min(WG * R, u.Tk - j0);
  let start = query_start(j0);  // the first query any key row of the workgroup meets (uniform)

  var kr: array<vec4<f32>, R * HD4>;
  var vr: array<vec4<f32>, R * HD4>;
  var gk: array<vec4<f32>, R * HD4>;
  var gv: array<vec4<f32>, R * HD4>;
  var start_j: array<u32, R>;
  for (var r = 0u; r < R; r++) {
    start_j[r] = query_start(j0 + lid.x + WG * r);
    for (var d = 0u; d < HD4; d++) {
      kr[r * HD4 + d] = vec4<f32>(0.0);
      vr[r * HD4 + d] = vec4<f32>(0.0);
      gk[r * HD4 + d] = vec4<f32>(0.0);
      gv[r * HD4 + d] = vec4<f32>(0.0);
    }
  }

  // k and v rows -> registers (rows past Tk read row Tk - 1 and are never written).
  for (var r = 0u; r < R; r++) {
    let base = kv_base + min(j0 + lid.x + WG * r, u.Tk - 1u) * u.kv_ps;
    for (var d = 0u; d < u.D4; d++) {
      reg_set(&kr, r, d, ld_k(base, d) * u.scale_log2);
      reg_set(&vr, r, d, ld_v(base, d));
    }
  }

  for (var g = 0u; g < u.group; g++) {
    let h = hk * u.group + g;
    let bh = b * u.H + h;
    let q_base = b * u.q_bs + h * u.q_hs;
    for (var c0 = start; c0 < u.Tq; c0 += BC) {
      let nq = min(BC, u.Tq - c0);
      for (var e = lid.x; e < nq * HD4; e += WG) {
        let base = q_base + (c0 + e / HD4) * u.q_ps;
        qs[e] = ld_q(base, e % HD4);
        gs[e] = ld_g(base, e % HD4);
      }
      for (var e = lid.x; e < nq; e += WG) {
        ls[e] = lse[bh * u.Tq + c0 + e] * LOG2E;
        dls[e] = delta[bh * u.Tq + c0 + e];
      }
      workgroupBarrier();
      for (var t = 0u; t < nq; t++) {
        var qt: array<vec4<f32>, HD4>;
        var gt: array<vec4<f32>, HD4>;
        for (var d = 0u; d < HD4; d++) {
          qt[d] = qs[t * HD4 + d];
          gt[d] = gs[t * HD4 + d];
        }
        let lt = ls[t];
        let dt = dls[t];
        for (var r = 0u; r < R; r++) {
          let p = select(0.0, exp2(row_dot(&kr, r, &qt) - lt), c0 + t >= start_j[r]);
          let ds = p * (row_dot(&vr, r, &gt) - dt);
          for (var d = 0u; d < HD4; d++) {
            gv[r * HD4 + d] = fma(vec4<f32>(p), gt[d], gv[r * HD4 + d]);
            gk[r * HD4 + d] = fma(vec4<f32>(ds), qt[d], gk[r * HD4 + d]);
          }
        }
      }
      workgroupBarrier();
    }
  }

  // dk, dv rows straight from the lane (run-time loop over the head, select-reads).
  for (var r = 0u; r < R; r++) {
    let w = lid.x + WG * r;
    if (w < rows) {
      let base = kv_base + (j0 + w) * u.kv_ps;
      for (var d = 0u; d < u.D4; d++) {
        let xk = reg_get(&gk, r, d) * u.scale;
        let xv = reg_get(&gv, r, d);
        for (var c = 0u; c < head_lanes(d); c++) {
          dk[base + 4u * d + c] = ELEM(xk[c]);
          dv[base + 4u * d + c] = ELEM(xv[c]);
        }
      }
    }
  }
}
