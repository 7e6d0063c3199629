import dnsPacket from 'dns-packet'
import { RRType } from './constants.js'
import type { Reply, ResourceRecord } from './message.js'

/**
 * The answer section of a reply as records, relayed ones decoded: the address, CNAME and TXT
 * records a followed CNAME needs (other types are left out).
 */
export function answerRecords(reply: Reply): readonly ResourceRecord[] {
  if (!reply.relayed) return reply.answer
  let decoded: dnsPacket.Packet
  try {
    decoded = dnsPacket.decode(reply.relayed)
  } catch {
    return []
  }
  return (decoded.answers ?? []).flatMap((a): ResourceRecord[] => {
    const name = a.name === '.' ? '' : a.name
    const ttl = 'ttl' in a ? (a.ttl ?? 0) : 0
    switch (a.type) {
      case 'A':
      case 'AAAA':
        return [{ name, ttl, type: a.type === 'A' ? RRType.A : RRType.AAAA, address: a.data }]
      case 'CNAME':
        return [{ name, ttl, type: RRType.CNAME, target: a.data }]
      case 'TXT': {
        const data = Array.isArray(a.data) ? a.data : [a.data]
        return [{ name, ttl, type: RRType.TXT, texts: data.map((d) => d.toString()) }]
      }
      default:
        return []
    }
  })
}
