/**
 * CPU reference of the fused attention primitives (`attentionForward` / `attentionBackward`, see
 * ../backend.ts), written plainly from the definition: for every (b, h, i) the scores of the
 * visible keys are computed, soft-maxed in two passes (max, then sum of exponentials) and applied
 * to v. The backward recomputes the probabilities from the saved log-sum-exp. This is the oracle
 * the WGSL kernels (kernels/attention_*.wgsl) are tested against; it shares nothing with them.
 *
 *   P[i, j]  = exp(scale * q_i·k_j - lse_i)          for visible j (causal: j <= i + Tk - Tq)
 *   out_i    = sum_j P[i, j] v_j
 *   delta_i  = dOut_i · out_i
 *   dS[i, j] = P[i, j] (dOut_i·v_j - delta_i)
 *   dq_i     = scale * sum_j dS[i, j] k_j
 *   dk_j     = scale * sum_{h in group, i} dS[i, j] q_i,   dv_j = sum_{h in group, i} P[i, j] dOut_i
 * Rows are addressed through the layout's strides (attentionStrides): base of row i of head h in
 * batch b = b * batch + h * head + i * pos, the D head elements consecutive from there.
 */
import type { AttentionArgs, AttentionBackwardArgs, DType } from '../backend.js';
import { attentionStrides, checkAttentionArgs } from '../attention-args.js';
import type { CpuStorage } from './cpu-backend.js';

/** What the reference needs of the CPU backend: zeroed allocation and f16 rounding. */
export interface CpuAlloc {
  alloc(n: number, dtype: DType): CpuStorage;
  finish(s: CpuStorage): CpuStorage;
}

const PREFIX = 'storygrad:';

function checkLengths(args: AttentionArgs<CpuStorage>, op: string, extra: [string, CpuStorage, number][] = []): void {
  const { B, H, Hkv, Tq, Tk, D } = args;
  const all: [string, CpuStorage, number][] = [
    ['q', args.q, B * H * Tq * D], ['k', args.k, B * Hkv * Tk * D], ['v', args.v, B * Hkv * Tk * D], ...extra,
  ];
  for (const [name, s, n] of all) {
    if (s.freed) throw new Error(`${PREFIX} ${op}: ${name} storage used after it was freed`);
    if (s.data.length < n) throw new Error(`${PREFIX} ${op}: ${name} holds ${s.data.length} elements, needs ${n}`);
  }
}

/** Index of the last key query i sees (-1: none). */
function lastKey(i: number, Tq: number, Tk: number, causal: boolean): number {
  return causal ? Math.min(Tk - 1, i + Tk - Tq) : Tk - 1;
}

/** out (laid out as q) and lse f32 [B, H, Tq]. */
export function attentionForwardCpu(be: CpuAlloc, args: AttentionArgs<CpuStorage>): { out: CpuStorage; lse: CpuStorage } {
  checkAttentionArgs(PREFIX, 'attentionForward', args);
  checkLengths(args, 'attentionForward');
  const { B, H, Hkv, Tq, Tk, D, scale, causal, dtype } = args;
  const st = attentionStrides(args);
  const q = args.q.data, k = args.k.data, v = args.v.data;
  const out = be.alloc(B * H * Tq * D, dtype);
  const lse = be.alloc(B * H * Tq, 'f32');
  const o = out.data, l = lse.data;
  const group = H / Hkv;
  const p = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvHead = b * st.kv.batch + Math.floor(h / group) * st.kv.head; // k, v row j at kvHead + j * st.kv.pos
      for (let i = 0; i < Tq; i++) {
        const qi = b * st.q.batch + h * st.q.head + i * st.q.pos; // q, out row i
        const row = (b * H + h) * Tq + i; // lse [B, H, Tq]
        const last = lastKey(i, Tq, Tk, causal);
        if (last < 0) { l[row] = -Infinity; continue; } // out row stays 0
        let m = -Infinity;
        for (let j = 0; j <= last; j++) {
          const kj = kvHead + j * st.kv.pos;
          let s = 0;
          for (let d = 0; d < D; d++) s += q[qi + d]! * k[kj + d]!;
          p[j] = s * scale;
          m = Math.max(m, p[j]!);
        }
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          p[j] = Math.exp(p[j]! - m);
          sum += p[j]!;
        }
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j <= last; j++) acc += p[j]! * v[kvHead + j * st.kv.pos + d]!;
          o[qi + d] = acc / sum;
        }
        l[row] = m + Math.log(sum);
      }
    }
  }
  return { out: be.finish(out), lse: be.finish(lse) };
}

/** dq (laid out as q); dk, dv (laid out as k), summed over each kv head's query heads. */
export function attentionBackwardCpu(be: CpuAlloc, args: AttentionBackwardArgs<CpuStorage>): { dq: CpuStorage; dk: CpuStorage; dv: CpuStorage } {
  checkAttentionArgs(PREFIX, 'attentionBackward', args);
  const { B, H, Hkv, Tq, Tk, D, scale, causal, dtype } = args;
  checkLengths(args, 'attentionBackward', [
    ['out', args.out, B * H * Tq * D], ['lse', args.lse, B * H * Tq], ['dOut', args.dOut, B * H * Tq * D],
  ]);
  const st = attentionStrides(args);
  const q = args.q.data, k = args.k.data, v = args.v.data;
  const o = args.out.data, lse = args.lse.data, dO = args.dOut.data;
  const dqS = be.alloc(B * H * Tq * D, dtype), dkS = be.alloc(B * Hkv * Tk * D, dtype), dvS = be.alloc(B * Hkv * Tk * D, dtype);
  const dq = dqS.data, dk = dkS.data, dv = dvS.data;
  const group = H / Hkv;
  const p = new Float64Array(Tk), dp = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvHead = b * st.kv.batch + Math.floor(h / group) * st.kv.head;
      for (let i = 0; i < Tq; i++) {
        const qi = b * st.q.batch + h * st.q.head + i * st.q.pos; // q, out, dOut, dq row i
        const row = (b * H + h) * Tq + i; // lse
        const last = lastKey(i, Tq, Tk, causal);
        if (last < 0) continue; // no visible key: no gradient
        let delta = 0;
        for (let d = 0; d < D; d++) delta += dO[qi + d]! * o[qi + d]!;
        for (let j = 0; j <= last; j++) {
          const kj = kvHead + j * st.kv.pos;
          let s = 0, t = 0;
          for (let d = 0; d < D; d++) {
            s += q[qi + d]! * k[kj + d]!;
            t += dO[qi + d]! * v[kj + d]!;
          }
          p[j] = Math.exp(s * scale - lse[row]!);
          dp[j] = t;
        }
        for (let j = 0; j <= last; j++) {
          const ds = p[j]! * (dp[j]! - delta);
          const kj = kvHead + j * st.kv.pos;
          for (let d = 0; d < D; d++) {
            dq[qi + d]! += scale * ds * k[kj + d]!;
            dk[kj + d]! += scale * ds * q[qi + d]!;
            dv[kj + d]! += p[j]! * dO[qi + d]!;
          }
        }
      }
    }
  }
  return { dq: be.finish(dqS), dk: be.finish(dkS), dv: be.finish(dvS) };
}
