/**
 * Argument checks of `matmulFused` (./backend.ts) shared by every backend, so both reject bad
 * combinations with the same message; and the name of the epilogue a call asks for.
 */
import type { MatmulFusedArgs } from './backend.js';

/** The elementwise tail of a fused matmul (kernels/matmul_epilogue.wgsl names them epi_<name>). */
export type MatmulEpilogue = 'none' | 'bias' | 'bias_gelu' | 'gelu' | 'gelu_grad';

/** Throws a clear error unless the fused options fit together; returns the epilogue. */
export function checkMatmulFused(prefix: string, a: MatmulFusedArgs<unknown>): MatmulEpilogue {
  const act = a.activation ?? null;
  if (act !== null && act !== 'gelu') throw new Error(`${prefix} matmulFused: unknown activation '${String(act)}' (expected 'gelu' or null)`);
  if (a.geluGradOf && (a.bias || act)) {
    throw new Error(`${prefix} matmulFused: geluGradOf (a GELU backward) cannot be combined with a bias or an activation`);
  }
  if (a.rowSums && a.batch !== 1) throw new Error(`${prefix} matmulFused: rowSums needs batch 1, got batch ${a.batch}`);
  if (a.geluGradOf) return 'gelu_grad';
  if (act) return a.bias ? 'bias_gelu' : 'gelu';
  return a.bias ? 'bias' : 'none';
}
