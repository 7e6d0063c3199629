import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { PlainCounter, PlainHistogram } from '../../src/metrics/plain-metrics.js'
import { registry } from '../../src/metrics/registry.js'

const BUCKETS = [0, 0.5, 1, 2.5, 10]
const LABELS = ['server', 'proto'] as const
// Label sets in the order each is first counted; one with a value to escape.
const SERIES = [['dns://:53', 'udp'], ['dns://:53', 'tcp'], ['dns://[::1]:53', 'u"d\\p']] as const
// Below, on and between the bounds, above the last, negative and fractional: every bucket rule.
const VALUES = [0, -1, 0.5, 0.25, 1, 1.000001, 2.5, 3, 10, 10.5, 1e9, 0.1 + 0.2]

describe('plain-number metrics', () => {
  it('expose exactly what prom-client exposes when it counts the same events itself', async () => {
    const reference = new Registry()
    const promHistogram = new Histogram({ name: 'plain_test_seconds', help: 'A histogram.', labelNames: LABELS, buckets: BUCKETS, registers: [reference] })
    const promCounter = new Counter({ name: 'plain_test_total', help: 'A counter.', labelNames: LABELS, registers: [reference] })
    const plainHistogram = new PlainHistogram({ name: 'plain_test_seconds', help: 'A histogram.', labelNames: LABELS, buckets: BUCKETS })
    const plainCounter = new PlainCounter({ name: 'plain_test_total', help: 'A counter.', labelNames: LABELS })
    // A label set looked up but never counted has no series, as with prom-client.
    plainHistogram.cell('dns://:53', 'never')
    plainCounter.cell('dns://:53', 'never')

    SERIES.forEach((labels, s) => {
      const histogramCell = plainHistogram.cell(...labels)
      const counterCell = plainCounter.cell(...labels)
      for (const value of VALUES.slice(s)) {
        promHistogram.labels(...labels).observe(value)
        histogramCell.observe(value)
        promCounter.labels(...labels).inc()
        counterCell[0]!++
      }
    })

    for (const name of ['plain_test_seconds', 'plain_test_total']) {
      const expected = await reference.getSingleMetricAsString(name)
      expect(expected).toContain('proto="u\\"d\\\\p"}')
      expect(await registry.getSingleMetricAsString(name)).toBe(expected)
    }
    // The JSON form (prom-client's get()) matches too.
    expect((await registry.getSingleMetric('plain_test_seconds')!.get()).values).toEqual((await promHistogram.get()).values)

    // Counting after a scrape goes on from where it was.
    plainCounter.cell(...SERIES[0])[0]! += 5
    promCounter.labels(...SERIES[0]).inc(5)
    expect(await registry.getSingleMetricAsString('plain_test_total')).toBe(await reference.getSingleMetricAsString('plain_test_total'))
  })
})
