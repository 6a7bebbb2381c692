// attention_fwd.wgsl — fused scaled-dot-product attention forward (flash-attention style): an
// online softmax per query row over key tiles staged in workgroup memory, so the [Tq, Tk] score
// matrix never exists in memory. Saves the row log-sum-exp for the backward (attention_bwd_dq,
// attention_bwd_dkv).
// Matches: src/backend/cpu/attention.ts `attentionForwardCpu`.
//
// Algorithm. A workgroup owns WG * R consecutive query rows of one head (b, h); lane lid owns rows
// i0 + lid + WG * r (r < R), held in registers as vec4s: q (pre-scaled by scale * log2 e), the output
// accumulator acc, the running max m and sum l. Keys [0, end) (causal: what the workgroup's last row
// sees) are walked in tiles of BC. For each tile the lanes copy the tile of k and v into
// workgroup memory; then for each key j in order and each row: s = q·k_j (masked to -big for
// j > i + Tk - Tq when causal), m' = max(m, s), acc and l are rescaled by 2^(m - m') and
// p = 2^(s - m') is added to l and p v_j to acc (a masked key changes nothing). One pass per key:
// on llvmpipe this beats scoring a tile first, keeping the scores in workgroup memory and rescaling
// once per tile, because every workgroup-memory access is scalarised per lane there (forward
// process CPU time, B 8, causal, layout 'bthd', in-process interleaved: 1.41x faster at H 4 T 128
// D 16, 1.55x at H 8 T 512 D 8, 1.17x at H 4 T 128 D 32, 1.02x at H 8 T 256 D 64).
// At the end out = acc / l and lse = (m + log2 l) ln 2; a row that sees no key writes zeros and
// lse = -inf. All math in f32 and the key order fixed: deterministic.
// Code shape (llvmpipe compiles it with LLVM, whose time grows fast with block size): the
// register arrays are only indexed by constants (unrolled loops over HD4 and R); rows come in and
// go out through run-time loops over the head that write the registers with selects.
// Configurations (host-chosen): software adapters WG = 8 lanes (one SIMD vector on llvmpipe) with
// R = 1-8 rows each (every workgroup-memory read is scalarised per lane there, so each key read
// feeds R rows); real GPUs WG = 64, R = 1.
// Layout: every operand row is addressed through strides in the uniform (src/backend/
// attention-args.ts `attentionStrides`): row i of head h in batch b starts at b * bs + h * hs + i * ps
// (q_* for q, out, dout, dq; kv_* for k, v, dk, dv), so [B, H, T, D] and [B, T, H, D] both work;
// lse and delta are [B, H, Tq]. The shapes below are those of the default layout, [B, H, T, D].
// Bindings: 0 uniform Params
//           1 q: array<ELEM> [B, H, Tq, D] (read)     2 k: array<ELEM> [B, Hkv, Tk, D] (read)
//           3 v: array<ELEM> [B, Hkv, Tk, D] (read)   4 out: array<ELEM> [B, H, Tq, D] (write)
//           5 lse: array<f32> [B, H, Tq] (write)
//           (0-3 are declared in attention_common.wgsl)
// Includes: attention_common.wgsl, attention_key_tiles.wgsl (KernelSpec.include).
// Dispatch: (ceil(Tq / (WG * R)), min(B * H, maxPerDim), ceil(B * H / that)); head bh = wid.y +
//           wid.z * nwg.y.
// Substitutions: ELEM; DHEAD4 = ceil(D / 4); DPARTIAL = D % 4 != 0; BCOLS (keys per tile: workgroup
//                memory 2 * BC * DHEAD4 * 16 bytes); RROWS. Overrides: WG.

@group(0) @binding(4) var<storage, read_write> out: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let qb = query_block(wid, nwg);
  if (qb.bh >= u.n_bh) { return; }  // uniform across the workgroup
  let end_wg = wg_end(qb);

  var qr: array<vec4<f32>, R * HD4>;
  var acc: array<vec4<f32>, R * HD4>;
  var m: array<f32, R>;
  var l: array<f32, R>;
  var end_i: array<u32, R>;
  for (var r = 0u; r < R; r++) {
    m[r] = NEG_BIG;
    l[r] = 0.0;
    end_i[r] = key_end(qb.i0 + lid.x + WG * r);
    for (var e = 0u; e < HD4; e++) {
      qr[r * HD4 + e] = vec4<f32>(0.0);
      acc[r * HD4 + e] = vec4<f32>(0.0);
    }
  }
  // q rows -> registers (rows past Tq read row Tq - 1 and are never written).
  for (var r = 0u; r < R; r++) {
    let base = qb.q_base + min(qb.i0 + lid.x + WG * r, u.Tq - 1u) * u.q_ps;
    for (var d = 0u; d < u.D4; d++) { reg_set(&qr, r, d, ld_q(base, d) * u.scale_log2); }
  }

  for (var c0 = 0u; c0 < end_wg; c0 += BC) {
    let nk = min(BC, end_wg - c0);
    stage_keys(lid.x, qb.kv_base, c0, nk);
    workgroupBarrier();
    // Online softmax, one key at a time: m' = max(m, s); acc and l are rescaled by 2^(m - m')
    // and p = 2^(s - m') is added (a key the row does not see leaves both unchanged).
    for (var t = 0u; t < nk; t++) {
      var kt: array<vec4<f32>, HD4>;
      var vt: array<vec4<f32>, HD4>;
      tile_row(t, &kt, &vt);
      for (var r = 0u; r < R; r++) {
        let seen = c0 + t < end_i[r];
        let s = select(NEG_BIG, row_dot(&qr, r, &kt), seen);
        let m_new = max(m[r], s);
        let corr = exp2(m[r] - m_new);
        let p = select(0.0, exp2(s - m_new), seen);
        l[r] = l[r] * corr + p;
        for (var d = 0u; d < HD4; d++) { acc[r * HD4 + d] = fma(vec4<f32>(p), vt[d], acc[r * HD4 + d] * corr); }
        m[r] = m_new;
      }
    }
    workgroupBarrier();
  }

  // Output rows and lse straight from the lane (run-time loop over the head, select-reads).
  for (var r = 0u; r < R; r++) {
    let w = lid.x + WG * r;
    if (w < qb.rows) {
      var inv = 0.0;
      var row_lse = neg_inf();
      if (l[r] > 0.0) {
        inv = 1.0 / l[r];
        row_lse = (m[r] + log2(l[r])) * LN2;
      }
      let base = qb.q_base + (qb.i0 + w) * u.q_ps;
      for (var d = 0u; d < u.D4; d++) {
        let x = reg_get(&acc, r, d) * inv;
        for (var c = 0u; c < head_lanes(d); c++) { out[base + 4u * d + c] = ELEM(x[c]); }
      }
      lse[qb.bh * u.Tq + qb.i0 + w] = row_lse;
    }
  }
}
