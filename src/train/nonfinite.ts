/**
 * Finding where a run went non-finite: the first parameter, gradient or activation holding NaN
 * or Infinity, by name, so a diverged run's error says where to look.
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { tensor } from '../ops/creation.js';
import { embedding } from '../ops/indexing.js';
import { add } from '../ops/elementwise.js';
import { slice } from '../ops/movement.js';
import { linear } from '../ops/nn.js';
import { ropeTables } from '../models/rope.js';
import { withBackend } from '../runtime.js';

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

/**
 * Runs the forward pass stage by stage on `inputs` [B, T] and names the first activation that
 * holds a non-finite value (embedding, each block's output, the final norm, the logits), or null.
 */
export async function findNonFiniteActivation(model: GPT, inputs: Int32Array, B: number, T: number): Promise<string | null> {
  const backend = model.embed.W_E.backend;
  const cfg = model.config;
  const stages: [string, Tensor][] = [];
  withBackend(backend, () => noGrad(() => tidy(() => {
    let x = embedding(model.embed.W_E, tensor(inputs, { shape: [B, T] })); // [B, T, d]
    if (model.pos_embed) x = add(x, slice(model.pos_embed.W_pos, 0, 0, T));
    stages.push(['hook_embed (token + position embedding)', x]);
    const rope = cfg.arch === 'llama' ? ropeTables(x, T, cfg.dHead, cfg.ropeTheta) : null;
    model.blocks.forEach((block, l) => {
      const mid = add(x, block.attn.forward(block.ln1.forward(x), rope));
      stages.push([`blocks.${l}.hook_resid_mid (after attention)`, mid]);
      x = add(mid, block.mlp.forward(block.ln2.forward(mid)));
      stages.push([`blocks.${l}.hook_resid_post (after MLP)`, x]);
    });
    const normed = model.ln_final.forward(x);
    stages.push(['ln_final.hook_normalized', normed]);
    stages.push(['logits', linear(normed, model.unembed ? model.unembed.W_U : model.embed.W_E)]);
    return stages.map(([, t]) => t);
  })));
  try {
    for (const [name, t] of stages) {
      const i = await firstBad(t);
      if (i >= 0) return `activation ${name} (element ${i})`;
    }
    return null;
  } finally {
    for (const [, t] of stages) t.dispose();
  }
}
