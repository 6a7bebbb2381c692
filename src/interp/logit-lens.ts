/**
 * Logit lens: the residual stream at each layer read out through the final norm and the
 * unembedding as if it were the last layer, giving per layer and position the top tokens and,
 * with targets, the log-probability of the target. The final norm either recomputes its
 * statistics on each layer's residual (the usual lens) or keeps the scale of the final residual
 * (the frozen read-out direct logit attribution uses); or it is skipped.
 */
import type { GPT } from '../models/gpt.js';
import { linear, logSoftmax } from '../ops/nn.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { runWithCache, type TokensLike } from './hooks.js';
import { applyFinalNorm, finalNormScale, selectPositions, unembedWeight } from './final-norm.js';
import { resolvePositions } from './bounds.js';
import { tokenRows } from './token-ids.js';

/** Options of `logitLens`. */
export interface LogitLensOptions {
  /** Apply ln_final before unembedding (default true); false unembeds the raw residual. */
  applyFinalNorm?: boolean;
  /**
   * 'recompute' (default): ln_final with each layer's own statistics. 'frozen': each layer's
   * residual divided by the final residual's norm scale (LayerNorm still centres it).
   */
  normScale?: 'recompute' | 'frozen';
  /** Positions to read (negative count from the end); default all. */
  positions?: readonly number[];
  /** Tokens listed per layer and position (default 5). */
  topK?: number;
  /**
   * Target ids whose log-probabilities are reported: [T] or [B][T] aligned with `tokens`, or
   * 'next' for the next input token (none at the last position).
   */
  targets?: 'next' | readonly number[] | readonly (readonly number[])[];
  /** 'blocks' (default): resid_pre of each block and the final resid_post; 'sublayers' adds each resid_mid. */
  stages?: 'blocks' | 'sublayers';
}

/** A token and its probability. */
export interface TopToken {
  token: number;
  prob: number;
}

/** One read-out point of the logit lens. */
export interface LogitLensLayer {
  /** The hook whose residual was read (e.g. `blocks.1.hook_resid_pre`). */
  hook: string;
  /** Blocks applied before this point: 0 for the embeddings, nLayer for the final residual (mid-block points: l + 0.5). */
  depth: number;
  /** Top tokens [B][P][topK], most probable first. */
  top: TopToken[][][];
  /** Log-probability of the target [B][P] (null where there is none); null without targets. */
  targetLogProbs: (number | null)[][] | null;
}

/** The result of `logitLens`. */
export interface LogitLensResult {
  /** The input ids [B][T]. */
  tokens: number[][];
  /** The positions read, in [0, T). */
  positions: number[];
  /** The read-out points, embeddings first. */
  layers: LogitLensLayer[];
}

/** The residual hooks read, in forward order, with their depth. */
function lensStages(model: GPT, stages: 'blocks' | 'sublayers'): { hook: string; depth: number }[] {
  const L = model.config.nLayer;
  const out: { hook: string; depth: number }[] = [];
  for (let l = 0; l < L; l++) {
    out.push({ hook: `blocks.${l}.hook_resid_pre`, depth: l });
    if (stages === 'sublayers') out.push({ hook: `blocks.${l}.hook_resid_mid`, depth: l + 0.5 });
  }
  out.push({ hook: `blocks.${L - 1}.hook_resid_post`, depth: L });
  return out;
}

/** Target ids [B][T] (null = none) from the option. */
function targetRows(targets: LogitLensOptions['targets'], rows: number[][], model: GPT): (number | null)[][] | null {
  if (targets === undefined) return null;
  const [B, T] = [rows.length, rows[0]!.length];
  if (targets === 'next') return rows.map((r) => r.map((_, t) => (t + 1 < T ? r[t + 1]! : null)));
  const nested = targets.length > 0 && Array.isArray(targets[0]);
  const tr = (nested ? targets : [targets]) as readonly (readonly number[])[];
  if (tr.length !== B || tr.some((r) => r.length !== T)) {
    throw new Error(`storygrad: logitLens: targets must be shaped like the tokens [${B}, ${T}], got [${tr.length}, ${tr[0]?.length ?? 0}]`);
  }
  const V = model.config.vocabSize;
  return tr.map((r, b) => r.map((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`storygrad: logitLens: target ${id} at [${b}, ${t}] is outside the vocabulary of ${V} tokens`);
    return id;
  }));
}

/** The k largest of logProbs[start .. start + V) as probabilities, most probable first (ties: lower id first). */
function topOf(logProbs: ArrayLike<number>, start: number, V: number, k: number): TopToken[] {
  const best: number[] = []; // ids, sorted by decreasing log-prob
  for (let v = 0; v < V; v++) {
    const x = logProbs[start + v]!;
    if (best.length === k && x <= logProbs[start + best[k - 1]!]!) continue;
    let i = best.length;
    while (i > 0 && logProbs[start + best[i - 1]!]! < x) i--;
    best.splice(i, 0, v);
    if (best.length > k) best.pop();
  }
  return best.map((v) => ({ token: v, prob: Math.exp(logProbs[start + v]!) }));
}

/**
 * Runs the model on `tokens` and reads the residual stream after 0..nLayer blocks through the
 * final norm and the unembedding. Caches only the residual hooks it reads.
 */
export async function logitLens(model: GPT, tokens: TokensLike, opts: LogitLensOptions = {}): Promise<LogitLensResult> {
  const rows = await tokenRows(model, tokens);
  const [B, T] = [rows.length, rows[0]!.length];
  const positions = resolvePositions(opts.positions, T);
  const topK = opts.topK ?? 5;
  const V = model.config.vocabSize;
  if (!Number.isInteger(topK) || topK < 1 || topK > V) throw new Error(`storygrad: logitLens: topK must be an integer in 1..${V}, got ${topK}`);
  const targets = targetRows(opts.targets, rows, model);
  const normScale = opts.normScale ?? 'recompute';
  if (normScale !== 'recompute' && normScale !== 'frozen') throw new Error(`storygrad: logitLens: normScale must be 'recompute' or 'frozen', got '${normScale}'`);
  const useNorm = opts.applyFinalNorm ?? true;
  const stages = lensStages(model, opts.stages ?? 'blocks');
  const finalHook = stages[stages.length - 1]!.hook;

  const { logits, cache } = await runWithCache(model, rows, { names: stages.map((s) => s.hook) });
  logits.dispose();
  try {
    const scale = useNorm && normScale === 'frozen'
      ? noGrad(() => tidy(() => finalNormScale(model, selectPositions(cache.get(finalHook), positions)))) // [B, P, 1]
      : null;
    const layers: LogitLensLayer[] = [];
    try {
      for (const stage of stages) {
        const lp = noGrad(() => tidy(() => {
          const x = selectPositions(cache.get(stage.hook), positions); // [B, P, d]
          const y = useNorm ? applyFinalNorm(model, x, scale ?? undefined) : x;
          return logSoftmax(linear(y, unembedWeight(model))); // [B, P, V]
        }));
        const host = await lp.data();
        lp.dispose();
        const P = positions.length;
        layers.push({
          hook: stage.hook,
          depth: stage.depth,
          top: Array.from({ length: B }, (_, b) => positions.map((_, i) => topOf(host, (b * P + i) * V, V, topK))),
          targetLogProbs: targets && targets.map((tr, b) => positions.map((p, i) => {
            const id = tr[p];
            return id === null || id === undefined ? null : host[(b * P + i) * V + id]!;
          })),
        });
      }
    } finally {
      scale?.dispose();
    }
    return { tokens: rows, positions, layers };
  } finally {
    cache.dispose();
  }
}
