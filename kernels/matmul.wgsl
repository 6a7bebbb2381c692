// matmul.wgsl — the 'tiled' matmul variant (src/backend/webgpu/matmul.ts chooses among variants):
// batched out[z, m, n] = sum_k A(z, m, k) * B(z, k, n), tiled in workgroup memory.
// A(z, m, k) = a[z * a_bs + m * a_ms + k * a_ks]   (transA: a_ms = 1, a_ks = M; else a_ms = K, a_ks = 1)
// B(z, k, n) = b[z * b_bs + k * b_ks + n * b_ns]   (transB: b_ks = 1, b_ns = K; else b_ks = N, b_ns = 1)
// A batch stride of 0 broadcasts one matrix over the batch.
// Split-K: slice z = batch * splits + s sums k in [s * k_chunk, min(K, (s + 1) * k_chunk)) and
// writes out[z, m, n] (partials, combined in a fixed order by matmul_splitk.wgsl); splits = 1 is
// the plain matmul (z = batch, k_chunk >= K).
// Algorithm: each workgroup computes a BM x BN = 64 x 64 output tile with 8 x 8 threads, each
// thread an 8 x 8 micro-tile (rows ty + 8 i, columns tx + 8 j, i, j < 8: conflict-free
// workgroup-memory reads). The K axis is walked in steps of BK = 16: the A tile [64 x 16] and
// B tile [16 x 64] are staged in workgroup memory (16 elements of each per thread; out-of-range
// elements are zero, so any M, N, K works), then multiplied into 64 register accumulators.
// (Few, fat threads: 6x faster than 16 x 16 threads with 2 x 2 micro-tiles on llvmpipe.) Accumulation is f32 (f16 storage too) and
// the k order is fixed, so results are deterministic.
// Matches: src/backend/cpu/cpu-backend.ts `matmul`.
// Bindings: 0 uniform Params { M, N, K, batch_base, a_bs, b_bs, a_ms, a_ks, b_ks, b_ns, splits, k_chunk }
//           1 a: array<ELEM> (read)   2 b: array<ELEM> (read)
//           3 out: array<OUT> [batch * splits, M, N] (write)   (0-3 declared in matmul_common.wgsl)
//           5-7 the epilogue's (matmul_epilogue.wgsl)
// Dispatch: (ceil(N / 64), ceil(M / 64), slices in this call); slice z = workgroup_id.z +
//           batch_base (the host splits slices above maxComputeWorkgroupsPerDimension).
// Includes: matmul_common.wgsl, matmul_epilogue.wgsl (KernelSpec.include).
// Substitutions: ELEM (a, b), OUT (out: ELEM, or f32 for split-K partials), EPI (the store's
//                epilogue, matmul_epilogue.wgsl; epi_none for split-K partials).

const BM: u32 = 64u;
const BN: u32 = 64u;
const BK: u32 = 16u;
const TILE_ELEMS: u32 = 1024u;  // BM * BK == BK * BN

var<workgroup> As: array<f32, 1024>;  // [BK][BM]: As[k * BM + m]
var<workgroup> Bs: array<f32, 1024>;  // [BK][BN]: Bs[k * BN + n]

// A(batch, m, k) as f32; 0 outside the matrix or the slice's k range.
fn a_elem(s: Slice, m: u32, k: u32) -> f32 {
  if (m < u.M && k < s.k_end) { return f32(a[s.a_base + m * u.a_ms + k * u.a_ks]); }
  return 0.0;
}
// B(batch, k, n) as f32; 0 outside the matrix or the slice's k range.
fn b_elem(s: Slice, k: u32, n: u32) -> f32 {
  if (n < u.N && k < s.k_end) { return f32(b[s.b_base + k * u.b_ks + n * u.b_ns]); }
  return 0.0;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let z = wid.z + u.batch_base;
  let s = matmul_slice(z);
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 8u + tx;

  var acc: array<f32, 64>;  // acc[i * 8 + j] for row ty + 8 i, column tx + 8 j
  for (var q = 0u; q < 64u; q++) { acc[q] = 0.0; }

  for (var k0 = s.k_begin; k0 < s.k_end; k0 += BK) {
    // Stage the tiles, sixteen elements of each per thread: A element (m = e % BM, k = e / BM) and
    // B element (n = e % BN, k = e / BN), so consecutive threads walk m and n.
    for (var e = t; e < TILE_ELEMS; e += 64u) {
      As[e] = a_elem(s, row0 + e % BM, k0 + e / BM);
      Bs[e] = b_elem(s, k0 + e / BN, col0 + e % BN);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var av: array<f32, 8>;
      var bv: array<f32, 8>;
      for (var i = 0u; i < 8u; i++) {
        av[i] = As[k * BM + ty + 8u * i];
        bv[i] = Bs[k * BN + tx + 8u * i];
      }
      for (var i = 0u; i < 8u; i++) {
        for (var j = 0u; j < 8u; j++) {
          acc[i * 8u + j] = fma(av[i], bv[j], acc[i * 8u + j]);
        }
      }
    }
    workgroupBarrier();
  }

  let o_base = z * u.M * u.N;
  for (var i = 0u; i < 8u; i++) {
    let r = row0 + ty + 8u * i;
    if (r >= u.M) { continue; }
    for (var j = 0u; j < 8u; j++) {
      let c = col0 + tx + 8u * j;
      let oi = o_base + r * u.N + c;
      if (c < u.N) { out[oi] = OUT(EPI(oi, c, acc[i * 8u + j])); }
    }
  }
}
