import { RRType } from './constants.js'
import type { Reply, ResourceRecord } from './message.js'
import { isInZone } from './names.js'

/**
 * Gives records computed in lower case the asker's letters back. Owners that are the asked name
 * (with `askedOwners`) are written as asked; every other name keeps its own letters but takes the
 * zone part as the question spelled it, as CoreDNS does in everything it synthesises.
 */
export function withAskedCase(records: readonly ResourceRecord[], asked: string, zone: string, askedOwners: boolean): ResourceRecord[] {
  const lowerAsked = asked.toLowerCase()
  const askedZone = zone === '' ? '' : asked.slice(asked.length - zone.length)
  const fix = (name: string): string => {
    if (zone === '' || !isInZone(name, zone)) return name
    return name.slice(0, name.length - zone.length) + askedZone
  }
  const owner = (name: string): string => (askedOwners && name === lowerAsked ? asked : fix(name))
  return records.map((r): ResourceRecord => {
    switch (r.type) {
      case RRType.CNAME:
      case RRType.PTR:
      case RRType.NS:
      case RRType.SRV:
        return { ...r, name: owner(r.name), target: fix(r.target) }
      case RRType.SOA:
        return { ...r, name: owner(r.name), mname: fix(r.mname), rname: fix(r.rname) }
      default:
        return { ...r, name: owner(r.name) }
    }
  })
}

/** A reply synthesised in lower case, with the asker's letters given back (answer owners as asked). */
export function replyInAskedCase(reply: Reply, asked: string, zone: string): Reply {
  if (asked === asked.toLowerCase()) return reply
  return {
    ...reply,
    answer: withAskedCase(reply.answer, asked, zone, true),
    authority: withAskedCase(reply.authority, asked, zone, false),
    additional: withAskedCase(reply.additional, asked, zone, false),
  }
}
