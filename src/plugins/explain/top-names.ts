/** One name (and type) counted, with the plugin that last answered it. */
export interface Counted {
  readonly name: string
  readonly type: number
  readonly count: number
  readonly plugin: string
}

/**
 * The names seen most, in bounded memory (the Space-Saving algorithm): `capacity` counters; a new
 * name takes over the smallest, starting from its count, so a name seen often is never lost.
 */
export class TopNames {
  private readonly counts = new Map<string, { name: string; type: number; count: number; plugin: string }>()

  constructor(private readonly capacity: number) {}

  add(name: string, type: number, plugin: string): void {
    const key = `${type}|${name}`
    const known = this.counts.get(key)
    if (known) {
      known.count++
      known.plugin = plugin
      return
    }
    let floor = 0
    if (this.counts.size >= this.capacity) {
      let smallest: string | null = null
      for (const [k, v] of this.counts) {
        if (smallest === null || v.count < floor) {
          smallest = k
          floor = v.count
        }
      }
      this.counts.delete(smallest!)
    }
    this.counts.set(key, { name, type, count: floor + 1, plugin })
  }

  top(n: number): Counted[] {
    return [...this.counts.values()].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1)).slice(0, n).map((c) => ({ ...c }))
  }
}
