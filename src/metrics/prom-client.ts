import type * as PromClient from 'prom-client'
import RegistryClass from 'prom-client/lib/registry.js'
import CounterClass from 'prom-client/lib/counter.js'
import GaugeClass from 'prom-client/lib/gauge.js'
import HistogramClass from 'prom-client/lib/histogram.js'
import processStartTime from 'prom-client/lib/metrics/processStartTime.js'
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js'
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js'
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js'
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js'
import processResources from 'prom-client/lib/metrics/processResources.js'
import processHandles from 'prom-client/lib/metrics/processHandles.js'
import processRequests from 'prom-client/lib/metrics/processRequests.js'
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js'
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js'
import version from 'prom-client/lib/metrics/version.js'

/*
 * The parts of prom-client this server uses, imported file by file (and bundled into dist/). Its
 * index also loads the Pushgateway (http, https, zlib), the cluster aggregator, Summary (tdigest)
 * and, through its CPU metric, @opentelemetry/api: 7 MiB more RSS for the idle server (kubeadm's
 * Corefile, the idle row of `npm run bench:api`) for code /metrics never runs. Types come from the
 * package.
 */
export const Registry = RegistryClass as typeof PromClient.Registry
export const Counter = CounterClass as typeof PromClient.Counter
export const Gauge = GaugeClass as typeof PromClient.Gauge
export const Histogram = HistogramClass as typeof PromClient.Histogram
export type Registry = PromClient.Registry
export type Counter<T extends string = string> = PromClient.Counter<T>
export type Gauge<T extends string = string> = PromClient.Gauge<T>
export type Histogram<T extends string = string> = PromClient.Histogram<T>
export type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration, MetricObjectWithValues, MetricValue } from 'prom-client'

/** A default metric's file: registers its series in `registry`. */
type DefaultMetric = (registry: PromClient.Registry, config: Record<string, unknown>) => void

/**
 * prom-client's default metrics, as `collectDefaultMetrics` registers them but for the CPU ones and
 * nodejs_gc_duration_seconds: that one's PerformanceObserver has Node build an entry after every
 * collection, most of what outlived the young generation under load (the prometheus README).
 */
const DEFAULT_METRICS = [
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
] as DefaultMetric[]

/**
 * prom-client's process and nodejs metrics, same names and help. The three CPU counters are kept
 * here with `process.cpuUsage()` because prom-client's module for them is the one that loads
 * @opentelemetry/api (for exemplars, which we do not use).
 */
export function collectProcessMetrics(registry: PromClient.Registry): void {
  for (const register of DEFAULT_METRICS) register(registry, { eventLoopMonitoringPrecision: 10 })
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
