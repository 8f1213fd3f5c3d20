// A bounded two-generation LRU from a small-integer bucket to a cluster, each entry verified by
// the two 32-bit hash lanes it was stored under (so a bucket collision is a miss, never a wrong
// answer). When the young generation is full it becomes the old one; a hit in the old generation
// moves the entry back to the young one. At most 2 x capacity entries are held.
import type { Cluster } from './cluster.js';

interface Entry {
  a: number;
  b: number;
  cluster: Cluster;
}

export class ClusterCache {
  private young = new Map<number, Entry>();
  private old = new Map<number, Entry>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** The live cluster stored under (key, a, b), if any. */
  get(key: number, a: number, b: number): Cluster | undefined {
    let e = this.young.get(key);
    if (e === undefined) {
      e = this.old.get(key);
      if (e === undefined || e.a !== a || e.b !== b) return undefined;
      this.old.delete(key);
      this.putEntry(key, e);
    } else if (e.a !== a || e.b !== b) {
      return undefined;
    }
    return e.cluster.alive ? e.cluster : undefined;
  }

  set(key: number, a: number, b: number, cluster: Cluster): void {
    this.putEntry(key, { a, b, cluster });
  }

  private putEntry(key: number, e: Entry): void {
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, e);
  }

  clear(): void {
    if (this.young.size > 0) this.young = new Map();
    if (this.old.size > 0) this.old = new Map();
  }
}
