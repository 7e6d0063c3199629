import { Counter, Gauge, Histogram } from '../../metrics/prom-client.js'
import { registry } from '../../metrics/registry.js'
import { exponentialBuckets } from '../../metrics/buckets.js'

/** CoreDNS's name, kinds and buckets (1ms doubling to ~9 minutes). */
export const programmingDuration = new Histogram({
  name: 'coredns_kubernetes_dns_programming_duration_seconds',
  help: 'Histogram of the time (in seconds) it took to program a dns instance.',
  labelNames: ['service_kind'] as const,
  buckets: exponentialBuckets(0.001, 2, 20),
  registers: [registry],
})

export const apiUp = new Gauge({
  name: 'clusterdns_kubernetes_api_up',
  help: 'Whether the last request to the Kubernetes API succeeded (1) or not (0).',
  registers: [registry],
})

export const apiOutages = new Counter({
  name: 'clusterdns_kubernetes_api_outages_total',
  help: 'Times the Kubernetes API became unreachable after being reachable.',
  registers: [registry],
})
