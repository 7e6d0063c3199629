/** An entry and its neighbours in use order. */
interface Node<K, V> {
  readonly key: K
  readonly value: V
  older: Node<K, V> | null
  newer: Node<K, V> | null
}

/**
 * Entries by key, the least recently used first; past `max` entries, that one goes (and `evicted`
 * is told). A Map of nodes linked in use order: it grows with what it holds, where lru-cache
 * allocates its arrays for `max` entries up front (430 KiB for kubeadm's one cache, empty). The
 * order is kept in the links, not in the Map's own order: taking a Map's first key walks past
 * every entry deleted since it last rehashed (4 µs an insertion in a full cache).
 */
export class RecentlyUsed<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>()
  private oldest: Node<K, V> | null = null
  private newest: Node<K, V> | null = null

  constructor(
    private readonly max: number,
    private readonly evicted: () => void,
  ) {}

  get size(): number {
    return this.nodes.size
  }

  /** The value of `key`, now the most recently used. */
  get(key: K): V | undefined {
    const node = this.nodes.get(key)
    if (node === undefined) return undefined
    this.touch(node)
    return node.value
  }

  /**
   * A new value gets a new node: a field V8 has only seen written when its object was made counts
   * as constant, and the first write after that deoptimizes every function that read it. Writing
   * `value` in place did that to the answer cache's freshness check at the first refresh of a name,
   * in the middle of its load.
   */
  set(key: K, value: V): void {
    const node = this.nodes.get(key)
    if (node !== undefined) this.remove(node)
    const added: Node<K, V> = { key, value, older: this.newest, newer: null }
    if (this.newest) this.newest.newer = added
    else this.oldest = added
    this.newest = added
    this.nodes.set(key, added)
    if (this.nodes.size > this.max) {
      this.remove(this.oldest!)
      this.evicted()
    }
  }

  delete(key: K): boolean {
    const node = this.nodes.get(key)
    if (node === undefined) return false
    this.remove(node)
    return true
  }

  private remove(node: Node<K, V>): void {
    this.unlink(node)
    this.nodes.delete(node.key)
  }

  private unlink(node: Node<K, V>): void {
    if (node.older) node.older.newer = node.newer
    else this.oldest = node.newer
    if (node.newer) node.newer.older = node.older
    else this.newest = node.older
  }

  private touch(node: Node<K, V>): void {
    if (node === this.newest) return
    this.unlink(node)
    node.older = this.newest
    node.newer = null
    this.newest!.newer = node
    this.newest = node
  }
}
