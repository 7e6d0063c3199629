import { Flag, RRClass } from './constants.js'
import type { DnsQuery } from './message.js'
import { renamedQuery } from './renamed-query.js'

/**
 * A query the server asks itself (a CNAME target to follow): RD set, EDNS with a 1232-byte payload,
 * as if from the loopback.
 */
export function internalQuery(name: string, type: number): DnsQuery {
  const root: DnsQuery = {
    id: 0,
    flags: Flag.RD,
    name: '',
    lowerName: '',
    type,
    class: RRClass.IN,
    questionWire: Buffer.from([0, type >> 8, type & 0xff, RRClass.IN >> 8, RRClass.IN & 0xff]),
    edns: { udpSize: 1232, version: 0, dnssecOk: false },
    transport: 'udp',
    remoteAddress: '127.0.0.1',
    remotePort: 0,
  }
  return renamedQuery(root, name)
}
