// reduce.wgsl — sum / max over the middle axis of x viewed as [outer, r, inner] -> out [outer, inner].
// Deterministic: fixed summation order, no atomics. Float data accumulates in f32 (f16 storage too).
// Two entry points, chosen by the host from the shape; both give the same result on every run:
//   reduce_tree  one workgroup per output element. Thread t accumulates k = t, t+WG, t+2WG, ...
//                then a fixed-shape tree reduction in workgroup memory (WG a power of two).
//                Used when r is long and there are few outputs (softmax / norm rows: inner = 1).
//   reduce_seq   one thread per output element looping k = 0..r-1 in order; adjacent threads read
//                adjacent inner elements (coalesced). Used when inner is wide or r is short.
// max of an empty axis is -Infinity (float) / -2147483648 (i32); max propagates NaN.
// Matches: src/backend/cpu/cpu-backend.ts `reduce`.
// Bindings: 0 uniform Params { outer, r, inner, n_out }
//           1 x: array<ELEM> [outer * r * inner] (read)
//           2 out: array<ELEM> [outer * inner] (write)
// Dispatch: reduce_tree: n_out workgroups (2-D grid) of WG threads;
//           reduce_seq: ceil(n_out / WG) workgroups (2-D grid).
// Substitutions: ELEM, CT (accumulator type), OP = red_sum | red_max_f | red_max_i,
//                IDENT = ident_zero | ident_max_f | ident_max_i.

struct Params { outer: u32, r: u32, inner: u32, n_out: u32 }

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<ELEM>;
@group(0) @binding(2) var<storage, read_write> out: array<ELEM>;

override WG: u32 = 256u;

var<workgroup> partial: array<CT, WG>;

fn red_sum(a: CT, b: CT) -> CT { return a + b; }
fn red_max_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return quiet_nan(); }
  return select(a, b, b > a);
}
fn red_max_i(a: i32, b: i32) -> i32 { return max(a, b); }

fn ident_zero() -> CT { return CT(0); }
fn ident_max_f() -> f32 { return neg_inf(); }
fn ident_max_i() -> i32 { return i32(-2147483647) - 1; }

@compute @workgroup_size(WG)
fn reduce_tree(@builtin(local_invocation_id) lid: vec3<u32>,
               @builtin(workgroup_id) wid: vec3<u32>,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_group(wid, nwg);
  if (o >= u.n_out) { return; }  // uniform across the workgroup
  let base = (o / u.inner) * u.r * u.inner + (o % u.inner);
  var acc = IDENT();
  for (var k = lid.x; k < u.r; k += WG) {
    acc = OP(acc, CT(x[base + k * u.inner]));
  }
  partial[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) {
      partial[lid.x] = OP(partial[lid.x], partial[lid.x + s]);
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    out[o] = ELEM(partial[0]);
  }
}

@compute @workgroup_size(WG)
fn reduce_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg, WG);
  if (o >= u.n_out) { return; }
  let base = (o / u.inner) * u.r * u.inner + (o % u.inner);
  var acc = IDENT();
  for (var k = 0u; k < u.r; k++) {
    acc = OP(acc, CT(x[base + k * u.inner]));
  }
  out[o] = ELEM(acc);
}
