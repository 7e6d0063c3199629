import { createRequire } from 'node:module'
import type * as PromClient from 'prom-client'

/*
 * The parts of prom-client this server uses, loaded file by file. Its index also loads the
 * Pushgateway (http, https, zlib), the cluster aggregator, Summary (tdigest) and, through its CPU
 * metric, @opentelemetry/api: 7 MiB more RSS for the idle server (kubeadm's Corefile, the idle row
 * of `npm run bench:api`) for code /metrics never runs. Types still come from the package.
 */
const require = createRequire(import.meta.url)
const lib = (file: string): unknown => require(`prom-client/lib/${file}`)

export const Registry = lib('registry') as typeof PromClient.Registry
export const Counter = lib('counter') as typeof PromClient.Counter
export const Gauge = lib('gauge') as typeof PromClient.Gauge
export const Histogram = lib('histogram') as typeof PromClient.Histogram
export type Registry = PromClient.Registry
export type Counter<T extends string = string> = PromClient.Counter<T>
export type Gauge<T extends string = string> = PromClient.Gauge<T>
export type Histogram<T extends string = string> = PromClient.Histogram<T>
export type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration, MetricObjectWithValues, MetricValue } from 'prom-client'

type DefaultMetric = (registry: PromClient.Registry, config: Record<string, unknown>) => void

/** prom-client's default metrics, as `collectDefaultMetrics` registers them but for the CPU ones. */
const DEFAULT_METRICS = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
] as const

/**
 * prom-client's process and nodejs metrics, same names and help. The three CPU counters are kept
 * here with `process.cpuUsage()` because prom-client's module for them is the one that loads
 * @opentelemetry/api (for exemplars, which we do not use).
 */
export function collectProcessMetrics(registry: PromClient.Registry): void {
  for (const name of DEFAULT_METRICS) (lib(`metrics/${name}`) as DefaultMetric)(registry, { eventLoopMonitoringPrecision: 10 })
  const cpu = (name: string, help: string, seconds: (usage: NodeJS.CpuUsage) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(seconds(process.cpuUsage()) / 1e6)
      },
    })
  }
  cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (u) => u.user)
  cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (u) => u.system)
  cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (u) => u.user + u.system)
}
