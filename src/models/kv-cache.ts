/**
 * Key/value cache for incremental decoding: per layer, the keys (after RoPE) and values of every
 * position already processed, [B, length, nKvHead, dHead]. `GPT.forward(tokens, { cache })`
 * reads the cached prefix, appends the new positions and advances `length`, so each generated
 * token costs one position's work instead of re-running the whole prefix. Tensors held here are
 * kept out of `tidy` scopes; `dispose()` frees them.
 */
import type { Tensor } from '../tensor.js';
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

  /**
   * Appends layer `layer`'s new keys and values k, v [B, T, nKvHead, dHead] and returns the full
   * cached k, v [B, length + T, nKvHead, dHead]. Every layer appends once per forward; the cache
   * length advances when the last layer has.
   */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (layer < 0 || layer >= this.nLayer) throw new Error(`storygrad: KVCache: layer ${layer} outside [0, ${this.nLayer})`);
    const oldK = this.keys[layer]!, oldV = this.values[layer]!;
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
