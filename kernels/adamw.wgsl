// adamw.wgsl — one AdamW step, updating param, m and v IN PLACE (one thread per element):
//   m = m * b1 + g * (1 - b1)
//   v = v * b2 + (g * g) * (1 - b2)
//   p = p * (1 - lr * wd) - ((m * (1 / c1)) / (sqrt(v * (1 / c2)) + eps)) * lr
// with c1 = 1 - b1^t, c2 = 1 - b2^t. The operations and their order are those of the composed
// optimizer (one f32 rounding each), and the host passes the same f32 constants, so the result
// matches it to rounding (compilers may contract a multiply-add). f16 storage is computed in f32.
// The decay multiply is skipped when wd = 0 (has_decay = 0), like the composed version.
// With a gradient scale (GSCALE = gscale_at: binding 5 holds one f32, e.g. a clip factor) the
// gradient is first g * scale rounded to ELEM, as if the scaled gradient had been stored.
// Matches: src/backend/cpu/fused.ts `adamwStep`.
// Over a parameter arena (src/backend/webgpu/param-arena.ts: every parameter of an optimizer in
// one buffer, each starting at a block of BLOCK elements) one dispatch updates them all: with
// VALID = valid_block, element i of block b is updated only when i % BLOCK < valid[block_base + b]
// (the parameter's length within the block; 0 for a parameter without a gradient this step), so
// the padding between parameters and the skipped parameters are never read or written.
// Bindings: 0 uniform Params { n, has_decay, b1, k1 = 1 - b1, b2, k2 = 1 - b2, ic1 = 1 / c1,
//                              ic2 = 1 / c2, eps, decay = 1 - lr * wd, lr, block_base }
//                              (f32 fields as bits)
//           1 p [n] (read-write), 2 g [n] (read), 3 m [n] (read-write), 4 v [n] (read-write)
//           5 gs: array<f32> [1] (read; GSCALE = gscale_at only)
//           6 valid: array<u32> [blocks] (read; VALID = valid_block only)
// Dispatch: ceil(n / WG) workgroups (2-D grid).
// Substitutions: ELEM (f32 | f16), GSCALE (gscale_one | gscale_at), VALID (valid_all |
// valid_block). Overrides: WG, BLOCK (elements per arena block).

struct Params {
  n: u32, has_decay: u32, b1: f32, k1: f32,
  b2: f32, k2: f32, ic1: f32, ic2: f32,
  eps: f32, decay: f32, lr: f32, block_base: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> p: array<ELEM>;
@group(0) @binding(2) var<storage, read> g: array<ELEM>;
@group(0) @binding(3) var<storage, read_write> m: array<ELEM>;
@group(0) @binding(4) var<storage, read_write> v: array<ELEM>;
@group(0) @binding(5) var<storage, read> gs: array<f32>;
@group(0) @binding(6) var<storage, read> valid: array<u32>;

override WG: u32 = 256u;
override BLOCK: u32 = 256u;

fn gscale_one(x: f32) -> f32 { return x; }
fn gscale_at(x: f32) -> f32 { return f32(ELEM(x * gs[0])); }

fn valid_all(i: u32) -> bool { return i < u.n; }
fn valid_block(i: u32) -> bool { return i < u.n && i % BLOCK < valid[u.block_base + i / BLOCK]; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (!VALID(i)) { return; }
  let gi = GSCALE(f32(g[i]));
  let mi = f32(m[i]) * u.b1 + gi * u.k1;
  let vi = f32(v[i]) * u.b2 + (gi * gi) * u.k2;
  let upd = (mi * u.ic1) / (sqrt(vi * u.ic2) + u.eps);
  var pi = f32(p[i]);
  if (u.has_decay != 0u) { pi = pi * u.decay; }
  m[i] = ELEM(mi);
  v[i] = ELEM(vi);
  p[i] = ELEM(pi - upd * u.lr);
}
