// swiglu.wgsl — the SwiGLU gate of the llama MLP, elementwise over n elements:
//   fwd: h = silu(g) * l = g * sigmoid(g) * l
//   bwd: dl = dh * silu(g);  dg = dh * l * sigmoid(g) * (1 + g * (1 - sigmoid(g)))
// computed in f32 (f16 storage rounded once per output). One thread per element.
// Matches: src/backend/cpu/fused.ts `swigluForward` / `swigluBackward`; the composition
// mul(mul(g, sigmoid(g)), l) in src/models/gpt.ts (MLP, hooked path).
// Bindings: 0 uniform Params { n }
//   fwd: 1 g (read), 2 l (read), 3 h (write)
//   bwd: 1 g (read), 2 l (read), 4 dh (read), 5 dg (write), 6 dl (write)
// Dispatch: ceil(n / WG) workgroups (2-D grid). Substitutions: ELEM. Includes: none.

struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> g: array<ELEM>;
@group(0) @binding(2) var<storage, read> l: array<ELEM>;
@group(0) @binding(3) var<storage, read_write> h: array<ELEM>;
@group(0) @binding(4) var<storage, read> dh: array<ELEM>;
@group(0) @binding(5) var<storage, read_write> dg: array<ELEM>;
@group(0) @binding(6) var<storage, read_write> dl: array<ELEM>;

override WG: u32 = 256u;

// The logistic function as unary.wgsl's f_sigmoid (stable for both signs).
fn sigm(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

@compute @workgroup_size(WG)
fn fwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let gi = f32(g[i]);
  h[i] = ELEM(gi * sigm(gi) * f32(l[i]));
}

@compute @workgroup_size(WG)
fn bwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let gi = f32(g[i]);
  let s = sigm(gi);
  let d = f32(dh[i]);
  dl[i] = ELEM(d * gi * s);
  dg[i] = ELEM(d * f32(l[i]) * s * (1.0 + gi * (1.0 - s)));
}
