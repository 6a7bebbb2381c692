/**
 * CPU reference of `matmulFused` (../backend.ts): the plain matmul of the CPU table, stored in the
 * storage precision, then the tail applied elementwise in float64 exactly as the separate ops
 * would (bias add, GELU, GELU gradient), and the row sums of op(a) summed in increasing k. So the
 * fused call on the CPU equals the composed ops; the WGSL epilogue (kernels/matmul_epilogue.wgsl)
 * is tested against it.
 */
import type { MatmulArgs, MatmulFused, MatmulFusedArgs } from '../backend.js';
import { checkMatmulFused } from '../matmul-fused-args.js';
import { gelu, geluDerivative } from './elementwise.js';
import type { CpuBackend, CpuStorage } from './cpu-backend.js';

/** matmulFused on the CPU, given the table's plain matmul. */
export function matmulFusedCpu(be: CpuBackend, matmul: (a: MatmulArgs<CpuStorage>) => CpuStorage, args: MatmulFusedArgs<CpuStorage>): MatmulFused<CpuStorage> {
  const epi = checkMatmulFused('storygrad:', args);
  const { a, dtype, batch, M, N, K, transA } = args;
  const o = matmul(args);
  const n = batch * M * N;
  const od = o.data;
  let pre: CpuStorage | null = null;
  if (epi === 'bias' || epi === 'bias_gelu') {
    const bd = args.bias!.data;
    if (bd.length < N) throw new Error(`storygrad: matmulFused: bias holds ${bd.length} elements, needs ${N}`);
    for (let i = 0; i < n; i++) od[i] = od[i]! + bd[i % N]!;
    be.finish(o);
  }
  if (epi === 'bias_gelu' || epi === 'gelu') {
    pre = be.alloc(n, dtype);
    pre.data.set(od.subarray(0, n));
    for (let i = 0; i < n; i++) od[i] = gelu(od[i]!);
    be.finish(o);
  }
  if (epi === 'gelu_grad') {
    const h = args.geluGradOf!.data;
    if (h.length < n) throw new Error(`storygrad: matmulFused: geluGradOf holds ${h.length} elements, needs ${n}`);
    for (let i = 0; i < n; i++) od[i] = od[i]! * geluDerivative(h[i]!);
    be.finish(o);
  }
  let rowSums: CpuStorage | null = null;
  if (args.rowSums) {
    rowSums = be.alloc(M, dtype);
    const ad = a.data;
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += ad[transA ? k * M + m : m * K + k]!;
      rowSums.data[m] = s;
    }
    be.finish(rowSums);
  }
  return { out: o, pre, rowSums };
}
