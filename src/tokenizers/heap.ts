/**
 * A binary min-heap over numeric keys with an integer payload, used by the BPE merge loops
 * (lazy deletion: stale entries are popped and skipped by the caller). Keys are compared with
 * `<`, ties broken by the smaller payload, so the pop order is fully deterministic.
 */
export class MinHeap {
  private keys: number[] = [];
  private vals: number[] = [];

  /** Number of entries (stale ones included). */
  get size(): number {
    return this.keys.length;
  }

  private less(i: number, j: number): boolean {
    const a = this.keys[i]!, b = this.keys[j]!;
    return a < b || (a === b && this.vals[i]! < this.vals[j]!);
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i]!, v = this.vals[i]!;
    this.keys[i] = this.keys[j]!;
    this.vals[i] = this.vals[j]!;
    this.keys[j] = k;
    this.vals[j] = v;
  }

  /** Adds an entry. */
  push(key: number, val: number): void {
    this.keys.push(key);
    this.vals.push(val);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The smallest key (undefined when empty). */
  peekKey(): number | undefined {
    return this.keys[0];
  }

  /** The payload of the smallest entry (undefined when empty). */
  peekVal(): number | undefined {
    return this.vals[0];
  }

  /** Removes the smallest entry. */
  pop(): void {
    const n = this.keys.length - 1;
    if (n < 0) return;
    this.swap(0, n);
    this.keys.pop();
    this.vals.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
