// strided.wgsl — the uniform block of the two-operand strided kernels, binary.wgsl and copy.wgsl.
// Not a kernel: placed before them by KernelSpec.include (src/backend/webgpu/kernels.ts).
// Provides:
//   StridedParams (binding 0, `u`): n, the size of the index space `shape` (row-major, RANK dims,
//   common.wgsl); rank (informational: the RANK override rules); off0, off1, base element offsets
//   of operands 0 and 1 (copy: src and dst; 0 for binary); strides0, strides1, the operands'
//   element strides over `shape` (0 on broadcast axes);
//   override WG (threads per workgroup, default 256);
//   operand_offsets(i)  offsets of flat index i in operands 0 and 1, without off0 / off1.
// The including kernel defines its bindings 1 and up and its entry point.

struct StridedParams {
  n: u32, rank: u32, off0: i32, off1: i32,
  shape: array<vec4<u32>, 2>,
  strides0: array<vec4<i32>, 2>,
  strides1: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: StridedParams;

override WG: u32 = 256u;

fn operand_offsets(i: u32) -> vec2<i32> {
  return strided_offsets(i, u.shape, u.strides0, u.strides1, u.strides1).xy;
}
