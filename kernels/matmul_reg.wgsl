// matmul_reg.wgsl — the 'reg' matmul variant: the register-blocked kernel of matmul_reg_sg.wgsl
// for adapters without (or with too narrow) subgroups: the same 16 x (4 * WG) workgroup tile and
// 16 x 4 register tile per lane, no workgroup memory, no barriers, but every lane loads its 16 A
// values itself (20 per-lane loads per 64 FMAs instead of 6). Chosen for software adapters without
// usable subgroups (src/backend/webgpu/matmul.ts).
// Batched out[z, m, n] = sum_k A(z, m, k) * B(z, k, n) with
//   A(z, m, k) = a[batch * a_bs + m * a_ms + k * a_ks],  B(z, k, n) = b[batch * b_bs + k * b_ks + n * b_ns]
// Split-K as in matmul.wgsl. Rows and columns past the matrix are clamped on load (never stored).
// f32 accumulation in a fixed k order: deterministic.
// Matches: src/backend/cpu/cpu-backend.ts `matmul`.
// Bindings: 0 uniform Params (as matmul.wgsl) 1 a: array<ELEM> 2 b: array<ELEM> (read)
//           3 out: array<OUT> [batch * splits, M, N] (write)   (0-3 declared in matmul_common.wgsl)
//           5-7 the epilogue's (matmul_epilogue.wgsl)
// Overrides: WG — lanes per workgroup (default 8).
// Dispatch: (ceil(N / (4 * WG)), ceil(M / 16), slices in this call); slice z = workgroup_id.z + batch_base.
// Includes: matmul_common.wgsl, matmul_reg_tile.wgsl (B columns, stores), matmul_epilogue.wgsl
//           (KernelSpec.include).
// Substitutions: ELEM, OUT, EPI (the store's epilogue: matmul_epilogue.wgsl).

override WG: u32 = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let z = wid.z + u.batch_base;
  let s = matmul_slice(z);
  let row0 = wid.y * 16u;
  let col0 = wid.x * 4u * WG + lid.x;
  let ar0 = s.a_base + min(row0 + 0u, u.M - 1u) * u.a_ms;
  let ar1 = s.a_base + min(row0 + 1u, u.M - 1u) * u.a_ms;
  let ar2 = s.a_base + min(row0 + 2u, u.M - 1u) * u.a_ms;
  let ar3 = s.a_base + min(row0 + 3u, u.M - 1u) * u.a_ms;
  let ar4 = s.a_base + min(row0 + 4u, u.M - 1u) * u.a_ms;
  let ar5 = s.a_base + min(row0 + 5u, u.M - 1u) * u.a_ms;
  let ar6 = s.a_base + min(row0 + 6u, u.M - 1u) * u.a_ms;
  let ar7 = s.a_base + min(row0 + 7u, u.M - 1u) * u.a_ms;
  let ar8 = s.a_base + min(row0 + 8u, u.M - 1u) * u.a_ms;
  let ar9 = s.a_base + min(row0 + 9u, u.M - 1u) * u.a_ms;
  let ar10 = s.a_base + min(row0 + 10u, u.M - 1u) * u.a_ms;
  let ar11 = s.a_base + min(row0 + 11u, u.M - 1u) * u.a_ms;
  let ar12 = s.a_base + min(row0 + 12u, u.M - 1u) * u.a_ms;
  let ar13 = s.a_base + min(row0 + 13u, u.M - 1u) * u.a_ms;
  let ar14 = s.a_base + min(row0 + 14u, u.M - 1u) * u.a_ms;
  let ar15 = s.a_base + min(row0 + 15u, u.M - 1u) * u.a_ms;
  let bc = b_columns(s.b_base, col0);

  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  var c8 = vec4<f32>(0.0); var c9 = vec4<f32>(0.0); var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0); var c14 = vec4<f32>(0.0); var c15 = vec4<f32>(0.0);

  for (var k = s.k_begin; k < s.k_end; k++) {
    let bv = b_at_k(bc, k);
    let ak = k * u.a_ks;
    c0 = fma(vec4<f32>(f32(a[ar0 + ak])), bv, c0);
    c1 = fma(vec4<f32>(f32(a[ar1 + ak])), bv, c1);
    c2 = fma(vec4<f32>(f32(a[ar2 + ak])), bv, c2);
    c3 = fma(vec4<f32>(f32(a[ar3 + ak])), bv, c3);
    c4 = fma(vec4<f32>(f32(a[ar4 + ak])), bv, c4);
    c5 = fma(vec4<f32>(f32(a[ar5 + ak])), bv, c5);
    c6 = fma(vec4<f32>(f32(a[ar6 + ak])), bv, c6);
    c7 = fma(vec4<f32>(f32(a[ar7 + ak])), bv, c7);
    c8 = fma(vec4<f32>(f32(a[ar8 + ak])), bv, c8);
    c9 = fma(vec4<f32>(f32(a[ar9 + ak])), bv, c9);
    c10 = fma(vec4<f32>(f32(a[ar10 + ak])), bv, c10);
    c11 = fma(vec4<f32>(f32(a[ar11 + ak])), bv, c11);
    c12 = fma(vec4<f32>(f32(a[ar12 + ak])), bv, c12);
    c13 = fma(vec4<f32>(f32(a[ar13 + ak])), bv, c13);
    c14 = fma(vec4<f32>(f32(a[ar14 + ak])), bv, c14);
    c15 = fma(vec4<f32>(f32(a[ar15 + ak])), bv, c15);
  }

  put(z, row0, col0, c0); put(z, row0 + 1u, col0, c1); put(z, row0 + 2u, col0, c2); put(z, row0 + 3u, col0, c3);
  put(z, row0 + 4u, col0, c4); put(z, row0 + 5u, col0, c5); put(z, row0 + 6u, col0, c6); put(z, row0 + 7u, col0, c7);
  put(z, row0 + 8u, col0, c8); put(z, row0 + 9u, col0, c9); put(z, row0 + 10u, col0, c10); put(z, row0 + 11u, col0, c11);
  put(z, row0 + 12u, col0, c12); put(z, row0 + 13u, col0, c13); put(z, row0 + 14u, col0, c14); put(z, row0 + 15u, col0, c15);
}
