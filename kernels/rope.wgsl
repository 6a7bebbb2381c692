// rope.wgsl — rotary position embedding of x [rows, H * D] (rows = B * T, row r at position
// t = (r0 + r) mod T), adjacent pairs (x[2i], x[2i+1]) of each head rotated by the table angle:
//   y[2i]   = x[2i] * cos[t, i] - x[2i+1] * s
//   y[2i+1] = x[2i] * s + x[2i+1] * cos[t, i],   s = sign * sin[t, i]
// sign = -1 rotates back: the backward pass (the rotation's transpose) is the same kernel. f16
// storage is computed in f32. One thread per pair.
// Matches: src/backend/cpu/fused.ts `rope`; the composition in src/models/rope.ts `applyRopeComposed`.
// Bindings: 0 uniform Params { pairs (in this dispatch), half_d (D / 2), row_pairs (H * D / 2),
//                              T, r0 (first row's index, for the position), sign (f32 bits) }
//           1 x: array<ELEM> [rows, H * D] (read), 2 cos, 3 sin: array<ELEM> [T, D / 2] (read)
//           4 y: array<ELEM> [rows, H * D] (write)
// Dispatch: ceil(pairs / WG) workgroups (2-D grid). Substitutions: ELEM.

struct Params { pairs: u32, half_d: u32, row_pairs: u32, T: u32, r0: u32, sign: f32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read> cos_t: array<ELEM>;
@group(0) @binding(3) var<storage, read> sin_t: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> y: array<ELEM>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = flat_index(gid, nwg, WG);
  if (p >= u.pairs) { return; }
  let r = p / u.row_pairs;
  let i = (p % u.row_pairs) % u.half_d;
  let t = (u.r0 + r) % u.T;
  let c = f32(cos_t[t * u.half_d + i]);
  let s = u.sign * f32(sin_t[t * u.half_d + i]);
  let x0 = f32(x[2u * p]);
  let x1 = f32(x[2u * p + 1u]);
  y[2u * p] = ELEM(x0 * c - x1 * s);
  y[2u * p + 1u] = ELEM(x0 * s + x1 * c);
}
