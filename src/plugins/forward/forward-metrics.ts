import { Counter, Histogram } from '../../metrics/prom-client.js'
import { registry } from '../../metrics/registry.js'
import { TIME_BUCKETS } from '../../metrics/buckets.js'

// CoreDNS 1.11+ names: the proxy families carry proxy_name="forward".
export const requestDuration = new Histogram({
  name: 'coredns_proxy_request_duration_seconds',
  help: 'Histogram of the time each request took.',
  labelNames: ['proxy_name', 'to', 'rcode'] as const,
  buckets: TIME_BUCKETS,
  registers: [registry],
})

export const healthcheckFailures = new Counter({
  name: 'coredns_proxy_healthcheck_failures_total',
  help: 'Counter of the number of failed healthchecks.',
  labelNames: ['proxy_name', 'to'] as const,
  registers: [registry],
})

export const connCacheHits = new Counter({
  name: 'coredns_proxy_conn_cache_hits_total',
  help: 'Counter of connection cache hits per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'] as const,
  registers: [registry],
})

export const connCacheMisses = new Counter({
  name: 'coredns_proxy_conn_cache_misses_total',
  help: 'Counter of connection cache misses per upstream and protocol.',
  labelNames: ['proxy_name', 'to', 'proto'] as const,
  registers: [registry],
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
