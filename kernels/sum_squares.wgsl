// sum_squares.wgsl — squared L2 norms of several tensors in one dispatch (the first pass of a
// global gradient-norm clip): out[base + t] = sum over i < n_t of x_t[i]^2, for the `count` (<= 6)
// tensors bound here. One workgroup per tensor: lane l sums elements l, l + WG, l + 2 WG, ... in
// order, then the WG partial sums are added by a fixed tree in workgroup memory (row_reduce.wgsl
// wg_sum). f32 accumulation, fixed order, no atomics: deterministic.
// Matches: src/backend/cpu/fused.ts `sumSquares` (which sums in index order: the two agree to
// rounding, not bitwise).
// Bindings: 0 uniform Params { base, count, _, _, n: sizes of x0..x5 (two vec4) }
//           1..6 x0..x5: array<ELEM> (read; unused slots repeat the last tensor and are never read)
//           7 out: array<f32> [total tensors] (write)
// Dispatch: (count, 1, 1); the tensor index is workgroup_id.x.
// Includes: row_reduce.wgsl (KernelSpec.include).
// Substitutions: ELEM. Overrides: WG (a power of two).
//
// Entry `arena`: partial sums of squares over a gradient arena (src/backend/webgpu/param-arena.ts:
// many gradients in one buffer, each starting at a block of BLOCK elements). Workgroup w sums the
// blocks [w * count, w * count + count) of the bound window x0, in each block b only its first
// valid[first_block + b] elements (the gradient's length there; 0 for a parameter without one), in
// block order, each lane every WG-th element, then the same fixed tree: out[base + w]. The caller
// adds the partials (a fixed-order reduction), so the norm is deterministic; padding is never read.
//   Params: base = index of this dispatch's first partial in out, count = blocks per workgroup,
//           blocks = blocks in the window, first_block = the window's first block in `valid`.
//   Bindings: 0 uniform, 1 x0 (the window), 7 out, 8 valid: array<u32> (read).
//   Dispatch: ceil(blocks / count) workgroups (2-D grid). Overrides: WG, BLOCK.

struct Params {
  base: u32, count: u32, blocks: u32, first_block: u32,
  n: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x0: array<ELEM>;
@group(0) @binding(2) var<storage, read> x1: array<ELEM>;
@group(0) @binding(3) var<storage, read> x2: array<ELEM>;
@group(0) @binding(4) var<storage, read> x3: array<ELEM>;
@group(0) @binding(5) var<storage, read> x4: array<ELEM>;
@group(0) @binding(6) var<storage, read> x5: array<ELEM>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read> valid: array<u32>;

override WG: u32 = 64u;
override BLOCK: u32 = 256u;

fn load(t: u32, i: u32) -> f32 {
  switch t {
    case 0u: { return f32(x0[i]); }
    case 1u: { return f32(x1[i]); }
    case 2u: { return f32(x2[i]); }
    case 3u: { return f32(x3[i]); }
    case 4u: { return f32(x4[i]); }
    default: { return f32(x5[i]); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.x;
  let n = dim_u(u.n, t);
  var s = 0.0;
  for (var i = lid.x; i < n; i += WG) {
    let x = load(t, i);
    s = fma(x, x, s);
  }
  let total = wg_sum(lid.x, s);
  if (lid.x == 0u) { out[u.base + t] = total; }
}

@compute @workgroup_size(WG)
fn arena(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
         @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = flat_group(wid, nwg);
  let b0 = w * u.count;
  let b1 = min(b0 + u.count, u.blocks);
  var s = 0.0;
  for (var b = b0; b < b1; b++) {
    let len = valid[u.first_block + b];
    for (var j = lid.x; j < len; j += WG) {
      let x = f32(x0[b * BLOCK + j]);
      s = fma(x, x, s);
    }
  }
  let total = wg_sum(lid.x, s);
  if (lid.x == 0u) { out[u.base + w] = total; }
}
