/**
 * Finding where a run went non-finite: the first parameter, gradient or activation holding NaN
 * or Infinity, by name, so a diverged run's error says where to look.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';

async function firstBad(t: Tensor): Promise<number> {
  const d = await t.data();
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

/** Name and value of the first non-finite parameter (or its gradient), or null. */
export async function findNonFiniteParameter(model: GPT): Promise<string | null> {
  for (const [name, p] of model.namedParameters()) {
    const i = await firstBad(p);
    if (i >= 0) return `parameter ${name} (element ${i})`;
  }
  for (const [name, p] of model.namedParameters()) {
    if (!p.grad) continue;
    const i = await firstBad(p.grad);
    if (i >= 0) return `gradient of ${name} (element ${i})`;
  }
  return null;
}

/** The activations checked, in forward order (attention and MLP outputs locate the sublayer). */
const CHECKED = /^(hook_embed|hook_pos_embed|blocks\.\d+\.hook_(attn_out|resid_mid|mlp_out|resid_post)|ln_final\.hook_normalized)$/;

/**
 * Runs the forward pass on `inputs` [B, T] with the activations cached through the model's hook
 * points and names the first one that holds a non-finite value (embeddings, each block's
 * attention / MLP outputs and residual stream, the final norm, the logits), or null.
 */
export async function findNonFiniteActivation(model: GPT, inputs: Int32Array, B: number, T: number): Promise<string | null> {
  const rows = Array.from({ length: B }, (_, b) => Array.from(inputs.subarray(b * T, (b + 1) * T)));
  const { logits, cache } = await model.runWithCache(rows, { names: CHECKED });
  try {
    for (const [name, t] of [...cache.entries(), ['logits', logits] as [string, Tensor]]) {
      const i = await firstBad(t);
      if (i >= 0) return `activation ${name} (element ${i})`;
    }
    return null;
  } finally {
    cache.dispose();
    logits.dispose();
  }
}
