/**
 * Key/value cache for incremental decoding: per layer, the keys (after RoPE) and values of every
 * position already processed, [B, length, nKvHead, dHead], in the model's dtype (f16 for an f16
 * model: half the memory). `GPT.forward(tokens, { cache })`
 * reads the cached prefix, appends the new positions and advances `length`, so each generated
 * token costs one position's work instead of re-running the whole prefix. Tensors held here are
 * kept out of `tidy` scopes; `dispose()` frees them.
 */
import type { Tensor } from '../tensor.js';
import type { DType } from '../backend/backend.js';
import { keep } from '../memory/scope.js';
import { concat } from '../ops/movement.js';

export class KVCache {
  private keys: (Tensor | null)[];
  private values: (Tensor | null)[];
  private pending = 0;
  /** Positions cached so far. */
  length = 0;

  constructor(readonly nLayer: number) {
    this.keys = new Array<Tensor | null>(nLayer).fill(null);
    this.values = new Array<Tensor | null>(nLayer).fill(null);
  }

  /** dtype of the cached keys and values (the model's), or null while the cache is empty. */
  get dtype(): DType | null {
    return this.keys[0]?.dtype ?? null;
  }

  /**
   * Appends layer `layer`'s new keys and values k, v [B, T, nKvHead, dHead] and returns the full
   * cached k, v [B, length + T, nKvHead, dHead]. Every layer appends once per forward; the cache
   * length advances when the last layer has.
   */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (layer < 0 || layer >= this.nLayer) throw new Error(`storygrad: KVCache: layer ${layer} outside [0, ${this.nLayer})`);
    const oldK = this.keys[layer]!, oldV = this.values[layer]!;
    if (oldK && (oldK.dtype !== k.dtype || oldV.dtype !== v.dtype)) {
      throw new Error(
        `storygrad: KVCache: layer ${layer} holds ${oldK.dtype} keys/values, the new ones are ${k.dtype}/${v.dtype} ` +
        '(a cache belongs to models of one dtype: reset it after model.to())',
      );
    }
    const fullK = keep(oldK ? concat([oldK, k], 1) : k.detach());
    const fullV = keep(oldV ? concat([oldV, v], 1) : v.detach());
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = fullK;
    this.values[layer] = fullV;
    if (++this.pending === this.nLayer) {
      this.pending = 0;
      this.length = fullK.shape[1]!;
    }
    return [fullK, fullV];
  }

  /** Frees every cached tensor and empties the cache. */
  reset(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(null);
    this.values.fill(null);
    this.pending = 0;
    this.length = 0;
  }

  /** Same as reset(). */
  dispose(): void {
    this.reset();
  }
}
