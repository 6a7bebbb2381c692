/**
 * Direct logit attribution: how much each component writing into the residual stream (token and
 * position embeddings, every attention head, each attention output bias, each MLP) adds directly
 * to one logit, or to a logit difference, at one position.
 *
 * The final residual is the sum of the components:
 *   x = e + p + Σ_l (Σ_h z_{l,h} W_O,{l,h}ᵀ + b_O,l) + Σ_l mlp_out_l.
 * With the final norm's scale s frozen at its value on x, the read-out is linear in x:
 *   logit_t = (w ⊙ (x − mean x) / s + b) · U_t      (LayerNorm; RMSNorm: w ⊙ x / s · U_t)
 * so each component c contributes (w ⊙ (c − mean c) / s) · U_t, and the contributions sum to
 * logit_t − b · U_t; `normBias` reports b · U_t, so Σ contributions + normBias = the model's logit.
 * Centering is moved onto the direction: (c − mean c) · u = c · (u − mean u).
 */
import type { GPT } from '../models/gpt.js';
import type { Tensor } from '../tensor.js';
import { div, mul, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { concat, expand, reshape, slice, squeeze, unsqueeze } from '../ops/movement.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';
import { runWithCache, type TokensLike } from './hooks.js';
import { tokenRows } from './token-ids.js';
import { finalNormScale, unembedWeight } from './final-norm.js';
import { checkToken, resolvePosition } from './bounds.js';

/** Options of `directLogitAttribution`: `token`, or `tokenDiff` [a, b] for logit(a) − logit(b). */
export interface DirectLogitAttributionOptions {
  /** The position read (negative counts from the end; default −1, the last). */
  position?: number;
  /** Attribute this token's logit. */
  token?: number;
  /** Attribute logit(a) − logit(b). */
  tokenDiff?: readonly [number, number];
}

/** One component's direct contribution. */
export interface DlaComponent {
  /** 'embed', 'pos_embed', 'L{l}H{h}', 'L{l} attn bias' or 'L{l} MLP'. */
  label: string;
  kind: 'embed' | 'pos_embed' | 'head' | 'attn_bias' | 'mlp';
  /** The block, null for the embeddings. */
  layer: number | null;
  /** The head, null for other kinds. */
  head: number | null;
  /** Contribution per batch row [B]. */
  values: number[];
}

/** The result of `directLogitAttribution`. */
export interface DlaResult {
  /** The position read, in [0, T). */
  position: number;
  /** The components in forward order. */
  components: DlaComponent[];
  /** The final norm's bias read out, b · U (0 for RMSNorm), per batch row. */
  normBias: number[];
  /** Σ contributions + normBias per batch row. */
  total: number[];
  /** The model's own logit (or logit difference) per batch row; equals `total` up to float error. */
  logit: number[];
}

/** The unembedding direction u [d]: U_a or U_a − U_b. */
function readoutDirection(model: GPT, token: number, minus: number | null): Tensor {
  const U = unembedWeight(model);
  const row = (id: number) => squeeze(slice(U, 0, id, id + 1), 0);
  return minus === null ? row(token) : sub(row(token), row(minus));
}

/** Component labels and kinds in forward order (matches the columns built below). */
function componentList(model: GPT): Omit<DlaComponent, 'values'>[] {
  const { nLayer, nHead } = model.config;
  const out: Omit<DlaComponent, 'values'>[] = [{ label: 'embed', kind: 'embed', layer: null, head: null }];
  if (model.pos_embed) out.push({ label: 'pos_embed', kind: 'pos_embed', layer: null, head: null });
  for (let l = 0; l < nLayer; l++) {
    for (let h = 0; h < nHead; h++) out.push({ label: `L${l}H${h}`, kind: 'head', layer: l, head: h });
    if (model.blocks[l]!.attn.b_O) out.push({ label: `L${l} attn bias`, kind: 'attn_bias', layer: l, head: null });
    out.push({ label: `L${l} MLP`, kind: 'mlp', layer: l, head: null });
  }
  return out;
}

/**
 * Attributes the logit of `token` (or the difference `tokenDiff`) at `position` to the model's
 * components through the final norm with its scale frozen (see the file header).
 */
export async function directLogitAttribution(
  model: GPT, tokens: TokensLike, opts: DirectLogitAttributionOptions,
): Promise<DlaResult> {
  if ((opts.token === undefined) === (opts.tokenDiff === undefined)) {
    throw new Error('storygrad: directLogitAttribution: give exactly one of `token` or `tokenDiff: [a, b]`');
  }
  const [a, b] = opts.tokenDiff ? [opts.tokenDiff[0], opts.tokenDiff[1]] : [opts.token!, null];
  checkToken(model, a, 'directLogitAttribution: token');
  if (b !== null) checkToken(model, b, 'directLogitAttribution: token');
  const rows = await tokenRows(model, tokens);
  const [B, T] = [rows.length, rows[0]!.length];
  const pos = resolvePosition(opts.position ?? -1, T);
  const { nLayer, nHead, dHead } = model.config;
  const L = nLayer;
  const names = ['hook_embed', `blocks.${L - 1}.hook_resid_post`];
  for (let l = 0; l < L; l++) names.push(`blocks.${l}.attn.hook_z`, `blocks.${l}.hook_mlp_out`);

  const { logits, cache } = await runWithCache(model, rows, { names });
  try {
    const [contrib, bias, actual] = noGrad(() => tidy(() => {
      const at = (t: Tensor) => squeeze(slice(t, 1, pos, pos + 1), 1); // [B, T, ...] -> [B, ...]
      const scale = finalNormScale(model, at(cache.get(`blocks.${L - 1}.hook_resid_post`))); // [B, 1]
      const ln = model.ln_final;
      const u = readoutDirection(model, a, b); // [d]
      const uw = mul(u, ln.w);
      const dir = ln.kind === 'layer' ? sub(uw, mean(uw)) : uw; // [d]
      const read = (c: Tensor) => div(sum(mul(c, dir), -1, true), scale); // c [B, d] or [d] -> [B, 1]
      const cols: Tensor[] = [read(at(cache.get('hook_embed')))];
      if (model.pos_embed) cols.push(read(squeeze(slice(model.pos_embed.W_pos, 0, pos, pos + 1), 0)));
      model.blocks.forEach((block, l) => {
        // Per head: z_h · (W_O,h ᵀ dir), with W_O [d, H·dHead].
        const wDir = reshape(matmul(unsqueeze(dir, 0), block.attn.W_O), [1, nHead, dHead]);
        const z = at(cache.get(`blocks.${l}.attn.hook_z`)); // [B, H, dHead]
        cols.push(div(sum(mul(z, wDir), -1), scale)); // [B, H]
        if (block.attn.b_O) cols.push(read(block.attn.b_O));
        cols.push(read(at(cache.get(`blocks.${l}.hook_mlp_out`))));
      });
      const all = concat(cols.map((c) => expand(c, [B, c.shape[1]!])), 1); // [B, C]
      const normBias = ln.b ? sum(mul(ln.b, u)) : null; // []
      const lg = at(logits); // [B, V]
      const pick = (id: number) => squeeze(slice(lg, 1, id, id + 1), 1);
      const logit = b === null ? pick(a) : sub(pick(a), pick(b)); // [B]
      return [all, normBias, logit] as const;
    }));
    const values = Array.from(await contrib.data());
    const nb = bias ? (await bias.data())[0]! : 0;
    const logit = Array.from(await actual.data());
    for (const t of [contrib, bias, actual]) t?.dispose();
    const list = componentList(model);
    const C = list.length;
    if (values.length !== B * C) throw new Error(`storygrad: directLogitAttribution: internal column count ${values.length / B} != ${C}`);
    const components = list.map((c, i) => ({ ...c, values: Array.from({ length: B }, (_, r) => values[r * C + i]!) }));
    const total = Array.from({ length: B }, (_, r) => components.reduce((s, c) => s + c.values[r]!, nb));
    return { position: pos, components, normBias: Array.from({ length: B }, () => nb), total, logit };
  } finally {
    logits.dispose();
    cache.dispose();
  }
}
