/** Odometer iteration over an index space with per-operand strides (the CPU side of broadcasting). */

/**
 * Calls fn(linear, off0, off1, off2) for every index of `shape` in row-major order, where offK is
 * the dot product of the index with stridesK (plus baseK).
 */
export function forEachStrided(
  shape: number[],
  strides: number[][],
  bases: number[],
  fn: (linear: number, offsets: number[]) => void,
): void {
  const rank = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const idx = new Array<number>(rank).fill(0);
  const offs = bases.slice();
  for (let linear = 0; linear < n; linear++) {
    fn(linear, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= strides[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
