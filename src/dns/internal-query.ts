import { Flag, RRClass } from './constants.js'
import type { DnsQuery } from './message.js'

/**
 * A query the server asks itself (a CNAME target to follow): RD set, EDNS with a 1232-byte payload,
 * as if from the loopback.
 */
export function internalQuery(name: string, type: number): DnsQuery {
  const labels = name === '' ? [] : name.split('.')
  const questionWire = Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([Buffer.byteLength(label)]), Buffer.from(label)])),
    Buffer.from([0, type >> 8, type & 0xff, RRClass.IN >> 8, RRClass.IN & 0xff]),
  ])
  return {
    id: 0,
    flags: Flag.RD,
    name,
    lowerName: name.toLowerCase(),
    type,
    class: RRClass.IN,
    questionWire,
    edns: { udpSize: 1232, version: 0, dnssecOk: false },
    transport: 'udp',
    remoteAddress: '127.0.0.1',
    remotePort: 0,
  }
}
