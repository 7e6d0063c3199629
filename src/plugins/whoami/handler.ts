import { isIPv4 } from 'node:net'
import { Rcode, RRType } from '../../dns/constants.js'
import type { Handler } from '../plugin.js'

/**
 * Tells the client who it is: its address (A or AAAA) and, as `_udp.NAME` or `_tcp.NAME` SRV, its
 * port, both in the additional section, as CoreDNS's whoami does. It answers everything it is asked.
 */
export const whoamiHandler: Handler = (query) => {
  const v4 = isIPv4(query.remoteAddress)
  const klass = { class: query.class }
  const srvName = query.name === '' ? `_${query.transport}` : `_${query.transport}.${query.name}`
  return {
    rcode: Rcode.NOERROR,
    authoritative: true,
    answer: [],
    authority: [],
    additional: [
      { name: query.name, type: v4 ? RRType.A : RRType.AAAA, ttl: 0, address: query.remoteAddress, ...klass },
      { name: srvName, type: RRType.SRV, ttl: 0, priority: 0, weight: 0, port: query.remotePort, target: '', ...klass },
    ],
    plugin: 'whoami',
  }
}
