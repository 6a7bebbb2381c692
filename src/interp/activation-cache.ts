/**
 * ActivationCache: the activations a `runWithCache` call recorded, by hook name, in forward
 * order. The tensors are kept out of tidy scopes and stay on the device until `dispose()`.
 */
import type { Tensor } from '../tensor.js';

/** Named activations from one forward pass. */
export class ActivationCache {
  private readonly store = new Map<string, Tensor>();

  /** @internal Records (or replaces) one activation. */
  set(name: string, t: Tensor): void {
    this.store.get(name)?.dispose();
    this.store.set(name, t);
  }

  /** The activation cached under `name`; throws, listing what is cached, when absent. */
  get(name: string): Tensor {
    const t = this.store.get(name);
    if (!t) {
      const have = this.names;
      const shown = have.length > 8 ? `${have.slice(0, 8).join(', ')}, … (${have.length})` : have.join(', ') || 'nothing';
      throw new Error(`storygrad: the activation cache holds no '${name}' (it holds ${shown}); select it with runWithCache(tokens, { names })`);
    }
    return t;
  }

  /** Whether `name` is cached. */
  has(name: string): boolean {
    return this.store.has(name);
  }

  /** Cached names in forward order. */
  get names(): string[] {
    return [...this.store.keys()];
  }

  /** Number of cached activations. */
  get size(): number {
    return this.store.size;
  }

  /** Bytes held on the device by the cached activations. */
  get bytes(): number {
    let n = 0;
    for (const t of this.store.values()) n += t.size * (t.dtype === 'f16' ? 2 : 4);
    return n;
  }

  /** [name, activation] pairs in forward order. */
  entries(): IterableIterator<[string, Tensor]> {
    return this.store.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, Tensor]> {
    return this.store.entries();
  }

  /** The cache as a plain record. */
  toObject(): Record<string, Tensor> {
    return Object.fromEntries(this.store);
  }

  /** Frees every cached activation. */
  dispose(): void {
    for (const t of this.store.values()) t.dispose();
    this.store.clear();
  }
}
