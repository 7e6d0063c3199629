import { Counter } from '../../metrics/prom-client.js'
import { PlainCounter, PlainHistogram } from '../../metrics/plain-metrics.js'
import { registry } from '../../metrics/registry.js'
import { TIME_BUCKETS } from '../../metrics/buckets.js'

// CoreDNS 1.11+ names: the proxy families carry proxy_name="forward". Those counted per forwarded
// query count in plain numbers.
export const requestDuration = new PlainHistogram({
  name: 'coredns_proxy_request_duration_seconds',
  help: 'Histogram of the time each request took.',
  labelNames: ['proxy_name', 'to', 'rcode'] as const,
  buckets: TIME_BUCKETS,
})

export const healthcheckFailures = new Counter({
  name: 'coredns_proxy_healthcheck_failures_total',
  help: 'Counter of the number of failed healthchecks.',
  labelNames: ['proxy_name', 'to'] as const,
  registers: [registry],
})

export const connCacheHits = new PlainCounter({
  name: 'coredns_proxy_conn_cache_hits_total',
  help: 'Counter of connection cache hits per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'] as const,
})

export const connCacheMisses = new PlainCounter({
  name: 'coredns_proxy_conn_cache_misses_total',
  help: 'Counter of connection cache misses per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'] as const,
})

export const maxConcurrentRejects = new Counter({
  name: 'coredns_forward_max_concurrent_rejects_total',
  help: 'Counter of the number of queries rejected because the concurrent queries were at maximum.',
  registers: [registry],
})

export const healthcheckBroken = new Counter({
  name: 'coredns_forward_healthcheck_broken_total',
  help: 'Counter of the number of complete failures of the healthchecks.',
  registers: [registry],
})
