/**
 * Entries by key, the least recently used first; past `max` entries, that one goes (and `evicted`
 * is told). A Map in use order: it grows with what it holds, where lru-cache allocates its arrays
 * for `max` entries up front (430 KiB for kubeadm's one cache, empty).
 */
export class RecentlyUsed<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(
    private readonly max: number,
    private readonly evicted: () => void,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The value of `key`, now the most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.max) {
      this.entries.delete(this.entries.keys().next().value!)
      this.evicted()
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key)
  }
}
