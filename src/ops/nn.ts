/**
 * Neural-network functions: softmax, logSoftmax, layerNorm, rmsNorm, crossEntropy, dropout,
 * linear, geluMlp. layerNorm, rmsNorm, crossEntropy and last-dim softmax run on the fused kernels
 * (ops/fused.ts), linear and geluMlp on the fused matmul (ops/linear.ts); their compositions from primitive ops stay exported (`*Composed`) as
 * independent references for tests. Autograd differentiates the compositions.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor.js';
import { fmt, normDim } from '../shape.js';
import { add, cast, exp, gelu, log, mul, ne, neg, rsqrt, sub, where, ge, div } from './elementwise.js';
import { max, mean, sum } from './reduce.js';
import { pickLast } from './indexing.js';
import { matmul } from './matmul.js';
import { requireDtype, requireFloat, scalar, wrap } from './common.js';
import { nextSeed } from './creation.js';
import { layerNormFused, rmsNormFused, softmaxCrossEntropyFused, softmaxCrossEntropyMeanFused, softmaxLastFused } from './fused.js';
import { geluMlpFusable, geluMlpFused, linearFusable, linearFused, linearGroupFusable, linearGroupFused } from './linear.js';

function shiftByMax(x: Tensor, d: number): Tensor {
  // Subtracting the (constant) row max does not change softmax, so it needs no gradient.
  const m = noGrad(() => max(x, d, true));
  const out = sub(x, m);
  m.dispose();
  return out;
}

/** softmax along dim (the fused kernel when dim is the last one). */
export function softmax(x: Tensor, dim = -1): Tensor {
  requireFloat('softmax', x);
  const d = normDim('softmax', dim, x.rank);
  return d === x.rank - 1 && x.rank > 0 ? softmaxLastFused(x) : softmaxComposed(x, d);
}

/** softmax along dim composed from primitive ops (max, sub, exp, sum, div): the reference. */
export function softmaxComposed(x: Tensor, dim = -1): Tensor {
  requireFloat('softmax', x);
  const d = normDim('softmax', dim, x.rank);
  const e = exp(shiftByMax(x, d));
  return div(e, sum(e, d, true));
}

/** log(softmax(x)) along dim, computed stably. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  requireFloat('logSoftmax', x);
  const d = normDim('logSoftmax', dim, x.rank);
  const z = shiftByMax(x, d);
  return sub(z, log(sum(exp(z), d, true)));
}

/** LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias (fused kernels). */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return layerNormFused(x, weight, bias, eps);
}

/** LayerNorm composed from primitive ops: the reference for the fused kernels. */
export function layerNormComposed(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  requireFloat('layerNorm', x);
  checkParam('layerNorm', x, weight, 'weight');
  checkParam('layerNorm', x, bias, 'bias');
  const xc = sub(x, mean(x, -1, true));
  let y = mul(xc, rsqrt(add(mean(mul(xc, xc), -1, true), eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** RMSNorm over the last dim: x / sqrt(mean(x²) + eps) * weight (fused kernels). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-5): Tensor {
  return rmsNormFused(x, weight, eps);
}

/** RMSNorm composed from primitive ops: the reference for the fused kernels. */
export function rmsNormComposed(x: Tensor, weight?: Tensor | null, eps = 1e-5): Tensor {
  requireFloat('rmsNorm', x);
  checkParam('rmsNorm', x, weight, 'weight');
  const y = mul(x, rsqrt(add(mean(mul(x, x), -1, true), eps)));
  return weight ? mul(y, weight) : y;
}

function checkParam(op: string, x: Tensor, p: Tensor | null | undefined, what: string): void {
  const C = x.shape[x.rank - 1];
  if (p && (p.rank !== 1 || p.shape[0] !== C)) {
    throw new Error(`storygrad: ${op}: ${what} must be [${C}] for input ${x.describe()}, got ${p.describe()}`);
  }
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Targets equal to this are ignored (default -100). */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default), 'sum', or 'none' (per-position losses). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of logits [..., C] against i32 class targets [...]. Targets outside [0, C) other
 * than ignoreIndex contribute 0 (they cannot be checked without reading the GPU) but count in the
 * 'mean' denominator, which is the number of targets not equal to ignoreIndex. Runs on the fused
 * softmax-cross-entropy kernels: no [..., C] probabilities are materialised.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const ignore = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  if (reduction === 'mean') return softmaxCrossEntropyMeanFused(logits, targets, ignore);
  const nll = softmaxCrossEntropyFused(logits, targets, ignore); // [...]
  if (reduction === 'none') return nll;
  return sum(nll);
}

/** crossEntropy composed from primitive ops (logSoftmax, pick): the reference for the fused kernels. */
export function crossEntropyComposed(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  requireFloat('crossEntropy', logits);
  requireDtype('crossEntropy', targets, 'i32', 'targets');
  const lead = logits.shape.slice(0, -1);
  if (lead.length !== targets.rank || lead.some((v, i) => v !== targets.shape[i])) {
    throw new Error(`storygrad: crossEntropy: targets ${fmt(targets.shape)} must have shape ${fmt(lead)} for logits ${logits.describe()}`);
  }
  const ignore = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  const valid = ne(targets, ignore); // i32 1/0
  const safeTargets = where(valid, targets, -1);
  const nll = neg(pickLast(logSoftmax(logits, -1), safeTargets)); // [...]
  if (reduction === 'none') return nll;
  const total = sum(nll);
  if (reduction === 'sum') return total;
  return div(total, cast(sum(valid), logits.dtype));
}

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Seed of the mask (default: drawn from the global generator). */
  seed?: number;
  /** When false, dropout is the identity (default true). */
  training?: boolean;
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p); seeded. */
export function dropout(x: Tensor, p: number, opts: DropoutOptions = {}): Tensor {
  requireFloat('dropout', x);
  if (!(p >= 0 && p < 1)) throw new Error(`storygrad: dropout: p must be in [0, 1), got ${p}`);
  if (opts.training === false || p === 0) return x;
  const b = x.backend;
  const seed = opts.seed ?? nextSeed();
  const u = wrap(b, b.kernels.rand('uniform', x.size, seed >>> 0, 0), x.shape, 'f32');
  const keepMask = cast(ge(u, p), x.dtype);
  u.dispose();
  const scale = scalar(b, 1 / (1 - p), x.dtype);
  return mul(x, mul(keepMask, scale));
}

/**
 * x @ weightᵀ + bias, with weight [out, in] (PyTorch's Linear layout). One fused matmul (bias in
 * its stores, bias gradient in the weight-gradient matmul: src/ops/linear.ts) when weight is 2-D
 * and bias is [out]; other shapes broadcast through the composed ops.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearFusable(x, weight, bias) ? linearFused(x, weight, bias) : linearComposed(x, weight, bias);
}

/**
 * Several bias-free linear layers of the same input, `weights.map((w) => linear(x, w))`, as one
 * op where possible: a transformer block's q, k, v projections, or its gate and up projections.
 * With 2 or 3 weights whose shapes fit, the forward and the backward each take one fused call
 * (src/ops/linear.ts `linearGroupFused`; on software adapters one dispatch each way instead of
 * one matmul per weight and adds for the input gradient); otherwise one `linear` per weight.
 * x [..., in], weights[s] [out_s, in] -> one [..., out_s] tensor per weight.
 */
export function linearGroup(x: Tensor, weights: readonly Tensor[]): Tensor[] {
  return linearGroupFusable(x, weights) ? linearGroupFused(x, weights) : weights.map((w) => linear(x, w));
}

/** `linear` composed of matmul and add (the reference the fused op is tested against). */
export function linearComposed(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = matmul(x, weight, { transposeB: true });
  return bias ? add(y, bias) : y;
}

/**
 * The GPT-2 MLP, linear(gelu(linear(x, wIn, bIn)), wOut, bOut), as one op on two fused matmuls
 * whose backward applies the GELU derivative inside a matmul (src/ops/linear.ts); composed when
 * the operands do not fit the fused path.
 */
export function geluMlp(x: Tensor, wIn: Tensor, bIn: Tensor | null, wOut: Tensor, bOut: Tensor | null): Tensor {
  return geluMlpFusable(x, wIn, bIn, wOut, bOut) ? geluMlpFused(x, wIn, bIn, wOut, bOut) : geluMlpComposed(x, wIn, bIn, wOut, bOut);
}

/** `geluMlp` composed of linearComposed and gelu (the reference). */
export function geluMlpComposed(x: Tensor, wIn: Tensor, bIn: Tensor | null, wOut: Tensor, bOut: Tensor | null): Tensor {
  return linearComposed(gelu(linearComposed(x, wIn, bIn)), wOut, bOut);
}
