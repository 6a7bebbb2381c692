/**
 * The model's read-out as the analyses need it: the unembedding matrix, the final norm applied
 * with its own statistics or with a frozen scale, and the scale itself. Freezing the scale makes
 * the read-out linear in the residual stream (the basis of direct logit attribution):
 *   LayerNorm: ln(x) = w ⊙ (x − mean x) / s + b,  s = √(var x + eps)
 *   RMSNorm:   rms(x) = w ⊙ x / s,                s = √(mean x² + eps)
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { layerNorm, rmsNorm } from '../ops/nn.js';
import { concat, slice } from '../ops/movement.js';

/** The unembedding matrix [V, d]: `unembed.W_U`, or `embed.W_E` when the embeddings are tied. */
export function unembedWeight(model: GPT): Tensor {
  return model.unembed ? model.unembed.W_U : model.embed.W_E;
}

/** x [..., d] minus its mean over the last dim. */
export function centered(x: Tensor): Tensor {
  return sub(x, mean(x, -1, true));
}

/** The final norm's divisor for residuals x [..., d] -> [..., 1] (see the header). */
export function finalNormScale(model: GPT, x: Tensor): Tensor {
  const ln = model.ln_final;
  const c = ln.kind === 'layer' ? centered(x) : x;
  return sqrt(add(mean(mul(c, c), -1, true), ln.eps));
}

/**
 * ln_final applied to x [..., d]. Without `scale` the norm uses x's own statistics (exactly the
 * model's ln_final); with `scale` [..., 1] it divides by that instead (LayerNorm still centres x).
 */
export function applyFinalNorm(model: GPT, x: Tensor, scale?: Tensor): Tensor {
  const ln = model.ln_final;
  if (!scale) return ln.kind === 'layer' ? layerNorm(x, ln.w, ln.b, ln.eps) : rmsNorm(x, ln.w, ln.eps);
  const y = mul(div(ln.kind === 'layer' ? centered(x) : x, scale), ln.w);
  return ln.b ? add(y, ln.b) : y;
}

/** x [B, T, ...] at the given positions along dim 1 -> [B, P, ...] (no copy when all, in order). */
export function selectPositions(x: Tensor, positions: readonly number[]): Tensor {
  const T = x.shape[1]!;
  if (positions.length === T && positions.every((p, i) => p === i)) return x;
  return concat(positions.map((p) => slice(x, 1, p, p + 1)), 1);
}
