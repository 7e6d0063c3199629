import { registry } from '../../src/metrics/registry.js'

/** The sum of the samples of metric `name` whose labels include `labels` (0 before the first). */
export async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const wanted = Object.entries(labels)
  return (await metric.get()).values.filter((v) => wanted.every(([k, value]) => v.labels[k] === value)).reduce((sum, v) => sum + v.value, 0)
}
