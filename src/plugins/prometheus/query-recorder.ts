import type { Counter, Histogram } from 'prom-client'
import { metricTypeName, rcodeName } from '../../dns/type-names.js'
import type { QueryObserver, ServingLabels } from '../plugin.js'
import { requestCount, requestDuration, requestSize, responseRcode, responseSize } from './dns-metrics.js'

type CounterChild = ReturnType<Counter['labels']>
type HistogramChild = ReturnType<Histogram['labels']>

const VIEW = ''
const TRANSPORTS = ['udp', 'tcp'] as const

/**
 * Counts one listener and zone's queries. Label children are looked up once and kept by qtype,
 * rcode and transport, so a query costs map lookups and increments, never label strings.
 */
export function queryRecorder({ server, zone }: ServingLabels): QueryObserver {
  const byType = new Map<number, { requests: CounterChild[]; duration: HistogramChild }>()
  const byRcode = new Map<number, Map<string, CounterChild>>()
  const requestSizes = TRANSPORTS.map((proto) => requestSize.labels(server, zone, VIEW, proto))
  const responseSizes = TRANSPORTS.map((proto) => responseSize.labels(server, zone, VIEW, proto))

  const typeChildren = (type: number): { requests: CounterChild[]; duration: HistogramChild } => {
    let children = byType.get(type)
    if (!children) {
      const name = metricTypeName(type)
      // Index: transport (0 udp, 1 tcp) × 2 + family (0 IPv4, 1 IPv6).
      const requests = TRANSPORTS.flatMap((proto) => ['1', '2'].map((family) => requestCount.labels(server, zone, VIEW, proto, family, name)))
      children = { requests, duration: requestDuration.labels(server, zone, VIEW, name) }
      byType.set(type, children)
    }
    return children
  }

  const rcodeChild = (rcode: number, plugin: string): CounterChild => {
    let byPlugin = byRcode.get(rcode)
    if (!byPlugin) byRcode.set(rcode, (byPlugin = new Map()))
    let child = byPlugin.get(plugin)
    if (!child) byPlugin.set(plugin, (child = responseRcode.labels(server, zone, VIEW, rcodeName(rcode), plugin)))
    return child
  }

  return ({ query, reply, requestSize: inSize, response, durationSeconds }) => {
    const transport = query.transport === 'udp' ? 0 : 1
    const family = query.remoteAddress.includes('.') ? 0 : 1
    const children = typeChildren(query.type)
    children.requests[transport * 2 + family]!.inc()
    children.duration.observe(durationSeconds)
    requestSizes[transport]!.observe(inSize)
    responseSizes[transport]!.observe(response.length)
    rcodeChild(reply.rcode, reply.plugin).inc()
  }
}
