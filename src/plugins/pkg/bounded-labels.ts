/** Past this many distinct values, a label says `other`: a metric's series stay bounded. */
const DEFAULT_LIMIT = 100

/** A label value (a namespace) kept as is for the first `limit` distinct ones, `other` after. */
export class BoundedLabels {
  private readonly seen = new Set<string>()

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  label(value: string): string {
    if (value === '') return 'unknown'
    if (this.seen.has(value)) return value
    if (this.seen.size >= this.limit) return 'other'
    this.seen.add(value)
    return value
  }
}
