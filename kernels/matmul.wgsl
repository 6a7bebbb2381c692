// matmul.wgsl — batched matmul out[z, m, n] = sum_k A(z, m, k) * B(z, k, n), tiled in workgroup memory.
// A(z, m, k) = a[z * a_bs + m * a_ms + k * a_ks]   (transA: a_ms = 1, a_ks = M; else a_ms = K, a_ks = 1)
// B(z, k, n) = b[z * b_bs + k * b_ks + n * b_ns]   (transB: b_ks = 1, b_ns = K; else b_ks = N, b_ns = 1)
// A batch stride of 0 broadcasts one matrix over the batch.
// Algorithm: each workgroup computes a BM x BN = 32 x 32 output tile with 16 x 16 threads, each
// thread a 2 x 2 micro-tile (rows ty, ty + 16; columns tx, tx + 16). The K axis is walked in
// steps of BK = 16: the A tile [32 x 16] and B tile [16 x 32] are staged in workgroup memory
// (out-of-range elements are zero), then multiplied. Accumulation is f32 (f16 storage too) and
// the k order is fixed, so results are deterministic.
// Matches: src/backend/cpu/cpu-backend.ts `matmul`.
// Bindings: 0 uniform Params { M, N, K, batch_base, a_bs, b_bs, a_ms, a_ks, b_ks, b_ns }
//           1 a: array<ELEM> (read)   2 b: array<ELEM> (read)
//           3 out: array<ELEM> [batch, M, N] (write)
// Dispatch: (ceil(N / 32), ceil(M / 32), batches in this call); batch z = workgroup_id.z +
//           batch_base (the host splits batches above maxComputeWorkgroupsPerDimension).
// Substitutions: ELEM.

struct Params {
  M: u32, N: u32, K: u32, batch_base: u32,
  a_bs: u32, b_bs: u32, a_ms: u32, a_ks: u32,
  b_ks: u32, b_ns: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> a: array<ELEM>;
@group(0) @binding(2) var<storage, read> b: array<ELEM>;
@group(0) @binding(3) var<storage, read_write> out: array<ELEM>;

const BM: u32 = 32u;
const BN: u32 = 32u;
const BK: u32 = 16u;

var<workgroup> As: array<f32, 512>;  // [BK][BM]: As[k * BM + m]
var<workgroup> Bs: array<f32, 512>;  // [BK][BN]: Bs[k * BN + n]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let z = wid.z + u.batch_base;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 16u + tx;
  let a_base = z * u.a_bs;
  let b_base = z * u.b_bs;

  var c00 = 0.0; var c01 = 0.0; var c10 = 0.0; var c11 = 0.0;

  for (var k0 = 0u; k0 < u.K; k0 += BK) {
    // Stage the tiles: 512 elements each, two per thread.
    for (var e = t; e < 512u; e += 256u) {
      // A tile: element (m = e % BM, k = e / BM); consecutive threads walk m.
      let am = e % BM;
      let ak = e / BM;
      let gm = row0 + am;
      let gk = k0 + ak;
      var av = 0.0;
      if (gm < u.M && gk < u.K) { av = f32(a[a_base + gm * u.a_ms + gk * u.a_ks]); }
      As[ak * BM + am] = av;
      // B tile: element (n = e % BN, k = e / BN); consecutive threads walk n.
      let bn = e % BN;
      let bk = e / BN;
      let gn = col0 + bn;
      let gk2 = k0 + bk;
      var bv = 0.0;
      if (gn < u.N && gk2 < u.K) { bv = f32(b[b_base + gk2 * u.b_ks + gn * u.b_ns]); }
      Bs[bk * BN + bn] = bv;
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let a0 = As[k * BM + ty];
      let a1 = As[k * BM + ty + 16u];
      let b0 = Bs[k * BN + tx];
      let b1 = Bs[k * BN + tx + 16u];
      c00 = fma(a0, b0, c00);
      c01 = fma(a0, b1, c01);
      c10 = fma(a1, b0, c10);
      c11 = fma(a1, b1, c11);
    }
    workgroupBarrier();
  }

  let o_base = z * u.M * u.N;
  let r0 = row0 + ty;
  let r1 = r0 + 16u;
  let n0 = col0 + tx;
  let n1 = n0 + 16u;
  if (r0 < u.M && n0 < u.N) { out[o_base + r0 * u.N + n0] = ELEM(c00); }
  if (r0 < u.M && n1 < u.N) { out[o_base + r0 * u.N + n1] = ELEM(c01); }
  if (r1 < u.M && n0 < u.N) { out[o_base + r1 * u.N + n0] = ELEM(c10); }
  if (r1 < u.M && n1 < u.N) { out[o_base + r1 * u.N + n1] = ELEM(c11); }
}
