import { Counter } from '../../metrics/prom-client.js'
import { PlainCounter, PlainGauge } from '../../metrics/plain-metrics.js'
import { registry } from '../../metrics/registry.js'

const labelNames = ['server', 'zones', 'view'] as const
const typed = ['server', 'type', 'zones', 'view'] as const

// Counted on every query the cache sees (and every replay of its answers), or set or counted on
// every answer it stores (entries, evictions: once full, every new name evicts one): plain numbers.
export const cacheEntries = new PlainGauge({ name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: typed })
export const cacheRequests = new PlainCounter({ name: 'coredns_cache_requests_total', help: 'The count of cache requests.', labelNames })
export const cacheHits = new PlainCounter({ name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: typed })
export const cacheMisses = new PlainCounter({ name: 'coredns_cache_misses_total', help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', labelNames })
export const cachePrefetches = new Counter({ name: 'coredns_cache_prefetch_total', help: 'The number of times the cache has prefetched a cached item.', labelNames, registers: [registry] })
export const cacheServedStale = new Counter({ name: 'coredns_cache_served_stale_total', help: 'The number of requests served from stale cache entries.', labelNames, registers: [registry] })
export const cacheEvictions = new PlainCounter({ name: 'coredns_cache_evictions_total', help: 'The count of cache evictions.', labelNames: typed })
