// rand.wgsl — counter-based random numbers (f32), a port of src/backend/rng.ts in u32 arithmetic
// (u32 multiplication wraps mod 2^32 like Math.imul(...) >>> 0):
//   key = mix32(seed ^ 0x9e3779b9);  bits(c) = mix32(mix32(c + key) ^ key)
//   uniform  out[i] = (bits(offset + i) >> 8) * 2^-24                       bit-identical to uniformAt
//   normal   c = 2 (offset + i); u1 = ((bits(c) >> 8) + 1) * 2^-24; u2 = (bits(c + 1) >> 8) * 2^-24
//            out[i] = sqrt(-2 ln u1) * cos(2 pi u2)                          matches normalAt to ~1e-6
// The normal path does not rely on the driver's log / cos accuracy (WGSL only promises 2^-21 and
// 2^-11 absolute): ln u1 uses an atanh series near 1, and cos(2 pi u2) reduces u2 (exact in f32)
// to [0, 1/8] turn by symmetry and evaluates short Taylor polynomials.
// Matches: src/backend/cpu/cpu-backend.ts `rand` (uniformAt / normalAt of src/backend/rng.ts).
// Bindings: 0 uniform Params { n, seed, offset }   1 out: array<f32> [n] (write)
// Dispatch: WG threads per workgroup, one thread per element, 2-D grid.
// Entry points: rand_uniform, rand_normal.

struct Params { n: u32, seed: u32, offset: u32, _p0: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u;

const INV_2_24: f32 = 5.9604644775390625e-8;  // 2^-24
const TWO_PI: f32 = 6.283185307179586;

fn mix32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  return x ^ (x >> 16u);
}

fn random_bits(seed: u32, counter: u32) -> u32 {
  let key = mix32(seed ^ 0x9e3779b9u);
  return mix32(mix32(counter + key) ^ key);
}

// ln(q * 2^-24) for an integer q in [1, 2^24].
fn log_unit(q: u32) -> f32 {
  let v = f32(16777216u - q) * INV_2_24;  // 1 - u, exact
  if (v < 0.25) {
    // ln(1 - v) = -2 atanh(s), s = v / (2 - v) <= 1/7: odd series, relative error < 1e-9.
    let s = v / (2.0 - v);
    let s2 = s * s;
    let p = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0)))));
    return -2.0 * s * p;
  }
  return log(f32(q) * INV_2_24);
}

// sin / cos of x in [0, pi/4] by Taylor polynomials (error < 1e-9).
fn sin_small(x: f32) -> f32 {
  let x2 = x * x;
  return x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0 * (1.0 - x2 / 110.0)))));
}
fn cos_small(x: f32) -> f32 {
  let x2 = x * x;
  return 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0 * (1.0 - x2 / 90.0))));
}

// cos(2 pi t) for t in [0, 1) a multiple of 2^-24 (every step below is exact in f32).
fn cos_turns(t: f32) -> f32 {
  let h = min(t, 1.0 - t);                     // [0, 1/2]
  let neg = h > 0.25;
  let q = select(h, 0.5 - h, neg);             // [0, 1/4]
  var c: f32;
  if (q > 0.125) { c = sin_small(TWO_PI * (0.25 - q)); } else { c = cos_small(TWO_PI * q); }
  return select(c, -c, neg);
}

@compute @workgroup_size(WG)
fn rand_uniform(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  out[i] = f32(random_bits(u.seed, u.offset + i) >> 8u) * INV_2_24;
}

@compute @workgroup_size(WG)
fn rand_normal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let c = 2u * (u.offset + i);
  let q1 = (random_bits(u.seed, c) >> 8u) + 1u;
  let u2 = f32(random_bits(u.seed, c + 1u) >> 8u) * INV_2_24;
  out[i] = sqrt(-2.0 * log_unit(q1)) * cos_turns(u2);
}
