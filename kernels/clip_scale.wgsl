// clip_scale.wgsl — the factor of a global gradient-norm clip from squared norms, in one
// dispatch (the composed version took five: a sum, a sqrt, an add, a division and a minimum):
//   norm[0] = sqrt(sum_i sq[i]);  scale[0] = min(max_norm / (norm + 1e-6), 1), NaN when norm is NaN.
// sq holds partial sums of squares (sum_squares.wgsl), added in index order by one thread:
// deterministic. The optimizer applies `scale` inside its update (adamw.wgsl, GSCALE).
// Matches: src/backend/cpu/fused.ts `clipScale`; the composition in src/optim/clip.ts.
// Bindings: 0 uniform Params { n, max_norm (f32 bits), _, _ }
//           1 sq: f32 [n] (read)   2 norm: f32 [1] (write)   3 scale: f32 [1] (write)
// Dispatch: one workgroup of one thread.

struct Params { n: u32, max_norm: f32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> sq: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> scale: array<f32>;

@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < u.n; i++) { s += sq[i]; }
  let r = sqrt(s);
  norm[0] = r;
  let f = u.max_norm / (r + 1e-6);
  if (is_nan(f)) {
    scale[0] = quiet_nan();
  } else {
    scale[0] = select(1.0, f, f < 1.0);
  }
}
