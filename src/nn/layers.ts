/** Basic layers: Linear, Embedding, LayerNorm, RMSNorm. Weights are seeded for reproducibility. */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { ones, rand, randn, zeros } from '../ops/creation.js';
import { linear, layerNorm, rmsNorm } from '../ops/nn.js';
import { embedding } from '../ops/indexing.js';
import { sub, mul } from '../ops/elementwise.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/scope.js';

/** Options of Linear. */
export interface LinearOptions {
  bias?: boolean;
  seed?: number;
  /** Standard deviation of a normal init; default is PyTorch's uniform(±1/√in). */
  initStd?: number;
}

/** y = x Wᵀ + b with W [out, in]. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = opts.initStd !== undefined
      ? randn([outFeatures, inFeatures], { seed: opts.seed, scale: opts.initStd, requiresGrad: true })
      : uniform([outFeatures, inFeatures], bound, opts.seed);
    this.bias = opts.bias === false ? null
      : opts.initStd !== undefined ? zeros([outFeatures], { requiresGrad: true })
      : uniform([outFeatures], bound, opts.seed === undefined ? undefined : opts.seed + 1);
  }

  /** x [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

function uniform(shape: number[], bound: number, seed?: number): Tensor {
  const t = noGrad(() => tidy(() => sub(mul(rand(shape, { seed }), 2 * bound), bound)));
  t.requiresGrad = true;
  return t;
}

/** Lookup table [num, dim]. */
export class Embedding extends Module {
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: { seed?: number; initStd?: number } = {}) {
    super();
    this.weight = randn([numEmbeddings, embeddingDim], { seed: opts.seed, scale: opts.initStd ?? 1, requiresGrad: true });
  }

  /** ids i32 [...] -> [..., dim]. */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

/** LayerNorm over the last dim with learned scale and shift. */
export class LayerNorm extends Module {
  weight: Tensor;
  bias: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = ones([dim], { requiresGrad: true });
    this.bias = zeros([dim], { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** RMSNorm over the last dim with a learned scale. */
export class RMSNorm extends Module {
  weight: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = ones([dim], { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
