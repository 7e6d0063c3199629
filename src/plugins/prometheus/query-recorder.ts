import type { CounterCell, HistogramCell } from '../../metrics/plain-metrics.js'
import { metricTypeName, rcodeName } from '../../dns/type-names.js'
import type { QueryObserver, ServingLabels } from '../plugin.js'
import { requestCount, requestDuration, requestSize, responseRcode, responseSize } from './dns-metrics.js'

const VIEW = ''
const TRANSPORTS = ['udp', 'tcp'] as const

interface TypeCells {
  /** Index: transport (0 udp, 1 tcp) × 2 + family (0 IPv4, 1 IPv6). */
  readonly requests: readonly CounterCell[]
  readonly duration: HistogramCell
}

/**
 * Counts one listener and zone's queries. Cells are looked up once per qtype, rcode and transport;
 * a query then costs a few map lookups and additions to plain numbers, never a label string.
 */
export function queryRecorder({ server, zone }: ServingLabels): QueryObserver {
  const byType = new Map<number, TypeCells>()
  const byRcode = new Map<number, Map<string, CounterCell>>()
  const requestSizes = TRANSPORTS.map((proto) => requestSize.cell(server, zone, VIEW, proto))
  const responseSizes = TRANSPORTS.map((proto) => responseSize.cell(server, zone, VIEW, proto))

  const typeCells = (type: number): TypeCells => {
    let cells = byType.get(type)
    if (!cells) {
      const name = metricTypeName(type)
      const requests = TRANSPORTS.flatMap((proto) => ['1', '2'].map((family) => requestCount.cell(server, zone, VIEW, proto, family, name)))
      byType.set(type, (cells = { requests, duration: requestDuration.cell(server, zone, VIEW, name) }))
    }
    return cells
  }

  const rcodeCell = (rcode: number, plugin: string): CounterCell => {
    let byPlugin = byRcode.get(rcode)
    if (!byPlugin) byRcode.set(rcode, (byPlugin = new Map()))
    let cell = byPlugin.get(plugin)
    if (!cell) byPlugin.set(plugin, (cell = responseRcode.cell(server, zone, VIEW, rcodeName(rcode), plugin)))
    return cell
  }

  return ({ query, reply, requestSize: inSize, response, durationSeconds }) => {
    const transport = query.transport === 'udp' ? 0 : 1
    const family = query.remoteAddress.includes('.') ? 0 : 1
    const cells = typeCells(query.type)
    cells.requests[transport * 2 + family]![0]!++
    cells.duration.observe(durationSeconds)
    requestSizes[transport]!.observe(inSize)
    responseSizes[transport]!.observe(response.length)
    rcodeCell(reply.rcode, reply.plugin)[0]!++
  }
}
