// matmul_common.wgsl — what the three matmul variants share: matmul.wgsl ('tiled'), matmul_reg.wgsl
// ('reg') and matmul_reg_sg.wgsl ('reg-sg'). Not a kernel: placed before them, with
// matmul_epilogue.wgsl, by KernelSpec.include (src/backend/webgpu/matmul.ts).
// Provides:
//   Params { M, N, K, batch_base, a_bs, b_bs, a_ms, a_ks, b_ks, b_ns, splits, k_chunk } (binding 0,
//   `u`) and the bindings 1 a, 2 b: array<ELEM> (read), 3 out: array<OUT> [batch * splits, M, N]
//   (write), with A(z, m, k) = a[batch * a_bs + m * a_ms + k * a_ks] and
//   B(z, k, n) = b[batch * b_bs + k * b_ks + n * b_ns] (matmul.wgsl explains the strides);
//   Slice, matmul_slice(z)  slice z = batch * splits + s: its batch, its k range
//                           [k_begin, k_end) = [s * k_chunk, min(K, (s + 1) * k_chunk)) and the
//                           element offsets of its A and B (a_base, b_base).
// The including kernel defines its entry point; the stores go through EPI (matmul_epilogue.wgsl).
// Substitutions: ELEM, OUT.

struct Params {
  M: u32, N: u32, K: u32, batch_base: u32,
  a_bs: u32, b_bs: u32, a_ms: u32, a_ks: u32,
  b_ks: u32, b_ns: u32, splits: u32, k_chunk: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> a: array<ELEM>;
@group(0) @binding(2) var<storage, read> b: array<ELEM>;
@group(0) @binding(3) var<storage, read_write> out: array<OUT>;

struct Slice { batch: u32, k_begin: u32, k_end: u32, a_base: u32, b_base: u32 }

fn matmul_slice(z: u32) -> Slice {
  let batch = z / u.splits;
  let k_begin = (z % u.splits) * u.k_chunk;
  return Slice(batch, k_begin, min(u.K, k_begin + u.k_chunk), batch * u.a_bs, batch * u.b_bs);
}
