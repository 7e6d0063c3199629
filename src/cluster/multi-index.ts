/**
 * A map from one key to several values that costs little when, as for nearly every address in a
 * cluster, there is only one: the value itself is stored, and an array only once a second comes.
 */
export class MultiIndex<V> {
  private readonly entries = new Map<string, V | V[]>()

  add(key: string, value: V): void {
    const current = this.entries.get(key)
    if (current === undefined) this.entries.set(key, value)
    else if (Array.isArray(current)) {
      if (!current.includes(value)) current.push(value)
    } else if (current !== value) this.entries.set(key, [current, value])
  }

  /** Puts `value` where `old` was under `key` (one lookup), or adds it where `old` was not. */
  replace(key: string, old: V | undefined, value: V): void {
    const current = this.entries.get(key)
    if (old !== undefined && current === old) this.entries.set(key, value)
    else if (old !== undefined && Array.isArray(current) && current.includes(old)) {
      const next = current.filter((v) => v !== value).map((v) => (v === old ? value : v))
      this.entries.set(key, next.length === 1 ? next[0]! : next)
    } else this.add(key, value)
  }

  remove(key: string, value: V): void {
    const current = this.entries.get(key)
    if (current === undefined) return
    if (!Array.isArray(current)) {
      if (current === value) this.entries.delete(key)
      return
    }
    const rest = current.filter((v) => v !== value)
    this.entries.set(key, rest.length === 1 ? rest[0]! : rest)
    if (rest.length === 0) this.entries.delete(key)
  }

  get(key: string): readonly V[] {
    const current = this.entries.get(key)
    if (current === undefined) return []
    return Array.isArray(current) ? current : [current]
  }
}
