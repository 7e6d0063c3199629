import { Counter, Gauge } from '../../metrics/prom-client.js'
import { registry } from '../../metrics/registry.js'
import { TIME_BUCKETS } from '../../metrics/buckets.js'
import { PlainCounter, PlainHistogram } from '../../metrics/plain-metrics.js'

// CoreDNS's names, labels and buckets (plugin/metrics/vars), so dashboards and alerts keep working.
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3]

// Counted for every query: plain numbers, read at scrape time.
export const requestCount = new PlainCounter({
  name: 'coredns_dns_requests_total',
  help: 'Counter of DNS requests made per zone, protocol and family.',
  labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
})

export const requestDuration = new PlainHistogram({
  name: 'coredns_dns_request_duration_seconds',
  help: 'Histogram of the time (in seconds) each request took per zone.',
  labelNames: ['server', 'zone', 'view', 'type'],
  buckets: TIME_BUCKETS,
})

export const requestSize = new PlainHistogram({
  name: 'coredns_dns_request_size_bytes',
  help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.',
  labelNames: ['server', 'zone', 'view', 'proto'],
  buckets: SIZE_BUCKETS,
})

export const responseSize = new PlainHistogram({
  name: 'coredns_dns_response_size_bytes',
  help: 'Size of the returned response in bytes.',
  labelNames: ['server', 'zone', 'view', 'proto'],
  buckets: SIZE_BUCKETS,
})

export const responseRcode = new PlainCounter({
  name: 'coredns_dns_responses_total',
  help: 'Counter of response status codes.',
  labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
})

/** Datagrams the UDP listeners dropped under load: too many queries in flight, or an error reply over budget. */
export const udpShed = new PlainCounter({
  name: 'clusterdns_udp_shed_total',
  help: 'Counter of UDP datagrams dropped unanswered under load, by reason (in_flight, error_reply).',
  labelNames: ['reason'],
})

export const panics = new Counter({
  name: 'coredns_panics_total',
  help: 'A metrics that counts the number of panics.',
  registers: [registry],
})

/** Replies that could not be written (a name too long for the wire) and went out as SERVFAIL. */
export const encodeFailures = new Counter({
  name: 'clusterdns_encode_failures_total',
  help: 'Counter of replies that held a name that cannot be written in wire form, answered SERVFAIL instead.',
  registers: [registry],
})

export const pluginEnabled = new Gauge({
  name: 'coredns_plugin_enabled',
  help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.',
  labelNames: ['server', 'zone', 'view', 'name'] as const,
  registers: [registry],
})

export const buildInfo = new Gauge({
  name: 'coredns_build_info',
  help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.',
  labelNames: ['version', 'revision', 'goversion'] as const,
  registers: [registry],
})
