import { Counter, Gauge, Histogram } from './prom-client.js'
import { registry } from './registry.js'

/*
 * Metrics counted on the query path. prom-client's own inc/observe hash the label object and
 * validate it on every call; here each label set is looked up once and then counted in plain
 * numbers, and prom-client reads those numbers only when /metrics is scraped. Names, help, labels,
 * buckets and the exposition stay prom-client's.
 */

interface MetricConfig<L extends string> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
}

/** Series by their label values; kept for the process's life, as prom-client keeps its series. */
class SeriesTable<T> {
  private readonly byKey = new Map<string, { labels: Record<string, string>; value: T }>()

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: () => T,
  ) {}

  get(labelValues: readonly string[]): T {
    const key = labelValues.join('\0')
    let series = this.byKey.get(key)
    if (!series) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, labelValues[i]!]))
      this.byKey.set(key, (series = { labels, value: this.create() }))
    }
    return series.value
  }

  *entries(): Iterable<[Record<string, string>, T]> {
    for (const { labels, value } of this.byKey.values()) yield [labels, value]
  }
}

/** A counter's value for one label set: `cell[0]++` per event. */
export type CounterCell = Float64Array

/** A prom-client counter whose label sets count in plain numbers (`cell()`), read at scrape time. */
export class PlainCounter<L extends string> {
  private readonly series: SeriesTable<CounterCell>

  constructor(config: MetricConfig<L>) {
    const series = (this.series = new SeriesTable(config.labelNames, () => new Float64Array(1)))
    // Registers itself; the registry calls collect on every scrape.
    new Counter<L>({
      ...config,
      registers: [registry],
      collect() {
        this.reset()
        // A series appears from its first count on, as with inc().
        for (const [labels, cell] of series.entries()) if (cell[0]! > 0) this.inc(labels as Partial<Record<L, string>>, cell[0]!)
      },
    })
  }

  /** The cell of one label set, values in `labelNames` order: look it up once, count into it. */
  cell(...labelValues: string[]): CounterCell {
    return this.series.get(labelValues)
  }
}

/** A gauge's value for one label set: `cell[0] = value`; NaN until first set. */
export type GaugeCell = Float64Array

/** A prom-client gauge whose label sets hold plain numbers (`cell()`), read at scrape time. */
export class PlainGauge<L extends string> {
  private readonly series: SeriesTable<GaugeCell>

  constructor(config: MetricConfig<L>) {
    const series = (this.series = new SeriesTable(config.labelNames, () => new Float64Array(1).fill(Number.NaN)))
    // Registers itself; the registry calls collect on every scrape.
    new Gauge<L>({
      ...config,
      registers: [registry],
      collect() {
        this.reset()
        // A series appears from its first set on, as with set().
        for (const [labels, cell] of series.entries()) if (!Number.isNaN(cell[0])) this.set(labels as Partial<Record<L, string>>, cell[0]!)
      },
    })
  }

  /** The cell of one label set, values in `labelNames` order: look it up once, set it. */
  cell(...labelValues: string[]): GaugeCell {
    return this.series.get(labelValues)
  }
}

/**
 * A histogram's values for one label set: `counts[i]` observations in bucket i alone (not
 * cumulative), then the count of every observation, then their sum.
 */
export class HistogramCell {
  readonly counts: Float64Array

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 2)
  }

  /** prom-client's rule: the first bound the value does not exceed; above the last, only +Inf. */
  observe(value: number): void {
    const bounds = this.bounds
    const counts = this.counts
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        counts[i]!++
        break
      }
    }
    counts[bounds.length]!++
    counts[bounds.length + 1]! += value
  }
}

/** A prom-client histogram whose label sets count in plain numbers (`cell()`), read at scrape time. */
export class PlainHistogram<L extends string> {
  private readonly series: SeriesTable<HistogramCell>

  constructor(config: MetricConfig<L> & { readonly buckets: readonly number[] }) {
    const bounds = [...config.buckets]
    const series = (this.series = new SeriesTable(config.labelNames, () => new HistogramCell(bounds)))
    // Registers itself; the registry calls getForPromString on every scrape.
    new ScrapedHistogram({ ...config, buckets: bounds }, series)
  }

  /** The cell of one label set, values in `labelNames` order: look it up once, observe into it. */
  cell(...labelValues: string[]): HistogramCell {
    return this.series.get(labelValues)
  }
}

/** One line of the exposition, as prom-client's metrics hand it to the registry. */
interface Sample {
  readonly metricName: string
  readonly labels: Record<string, string | number>
  readonly sharedLabels: Record<string, string>
  readonly value: number
  /** prom-client's buckets carry one (null: this histogram keeps none). */
  readonly exemplar?: null
}

/**
 * prom-client has no way to set a histogram's bucket counts, so this one builds at scrape time the
 * values its own getForPromString would (cumulative `_bucket` with `le` first, `+Inf`, `_sum`,
 * `_count`), and the registry formats them as for any histogram.
 */
class ScrapedHistogram<L extends string> extends Histogram<L> {
  constructor(
    private readonly config: MetricConfig<L> & { readonly buckets: number[] },
    private readonly series: SeriesTable<HistogramCell>,
  ) {
    super({ ...config, registers: [registry] })
  }

  /** What the registry calls on a scrape (prom-client's typings leave it out). */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' }> {
    const { name, help, buckets } = this.config
    const values: Sample[] = []
    const sample = (suffix: string, labels: Record<string, string | number>, sharedLabels: Record<string, string>, value: number): number =>
      values.push({ metricName: `${name}${suffix}`, labels, sharedLabels, value, ...(suffix === '_bucket' && { exemplar: null }) })
    for (const [labels, { counts }] of this.series.entries()) {
      const count = counts[buckets.length]!
      if (count === 0) continue
      let cumulative = 0
      buckets.forEach((le, i) => sample('_bucket', { le }, labels, (cumulative += counts[i]!)))
      sample('_bucket', { le: '+Inf' }, labels, count)
      sample('_sum', {}, labels, counts[buckets.length + 1]!)
      sample('_count', {}, labels, count)
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' }
  }
}
