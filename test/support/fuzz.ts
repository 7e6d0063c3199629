import dnsPacket from 'dns-packet'
import { buildQuery } from './raw-client.js'

/** A seeded random source (xorshift32): the same seed, the same packets. */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1
  return (n) => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s % n
  }
}

/** Valid queries the mutations start from: cluster names of each kind, reverse, outside the zone, with and without EDNS. */
export const BASE_QUERIES: readonly Buffer[] = [
  buildQuery('web.shop.svc.cluster.local', 'A'),
  buildQuery('web.shop.svc.cluster.local', 'AAAA', { edns: true }),
  buildQuery('db.shop.svc.cluster.local', 'A', { edns: true }),
  buildQuery('_http._tcp.web.shop.svc.cluster.local', 'SRV'),
  buildQuery('storefront.shop.svc.cluster.local', 'A', { edns: true }),
  buildQuery('10.100.96.10.in-addr.arpa', 'PTR'),
  buildQuery('kubernetes.default.svc.cluster.local', 'ANY'),
  buildQuery('api.example.com', 'A', { edns: true }),
  buildQuery('cluster.local', 'SOA'),
]

const COUNT_VALUES = [0, 1, 2, 3, 255, 0x7fff, 0xffff]

/**
 * One mutation of a valid query, as a hostile client makes them: flipped bits, bytes overwritten,
 * the packet cut short or lengthened, header counts set to anything, compression pointers (to
 * anywhere, to themselves), label lengths over 63. Returns a new buffer; the ID is left as it was.
 */
export function mutate(base: Buffer, random: (n: number) => number): Buffer {
  let p = Buffer.from(base)
  const rounds = 1 + random(3)
  for (let r = 0; r < rounds; r++) {
    const at = 2 + random(Math.max(1, p.length - 2))
    switch (random(9)) {
      case 0:
        for (let i = 0, n = 1 + random(8); i < n; i++) {
          const bit = 16 + random(Math.max(1, (p.length - 2) * 8))
          if (bit >> 3 < p.length) p[bit >> 3]! ^= 1 << (bit & 7)
        }
        break
      case 1:
        if (at < p.length) p[at] = random(256)
        break
      case 2:
        p = p.subarray(0, 2 + random(p.length - 1))
        break
      case 3:
        p = Buffer.concat([p, Buffer.from(Array.from({ length: 1 + random(40) }, () => random(256)))])
        break
      case 4:
        if (p.length >= 12) p.writeUInt16BE(COUNT_VALUES[random(COUNT_VALUES.length)]!, 4 + 2 * random(4))
        break
      case 5: {
        // A compression pointer where a label was: backwards, forwards, at itself, past the end.
        const place = 12 + random(Math.max(1, p.length - 13))
        if (place + 1 < p.length) p.writeUInt16BE(0xc000 | [place, random(p.length + 8), 12, place - 2][random(4)]! & 0x3fff, place)
        break
      }
      case 6:
        // A label length over 63, or pointing past the end.
        if (p.length > 12) p[12 + random(p.length - 12)] = [64, 0x3f, 0x80, 0xbf, 255][random(5)]!
        break
      case 7:
        // Opcode, flags, rcode: anything.
        if (p.length >= 4) p.writeUInt16BE(random(0x10000) & 0x7fff, 2)
        break
      case 8:
        // A byte that means something in presentation form, inside a label: `.`, `\`, a zero, a space.
        if (p.length > 13) p[13 + random(p.length - 13)] = [0x2e, 0x5c, 0x00, 0x20, 0x0a][random(5)]!
        break
    }
  }
  return p
}

/**
 * A datagram no server may answer with anything but FORMERR or NOTIMP (or nothing): a mutation of a
 * valid query, then one break that makes it malformed whatever the mutation did. What the issue's
 * "malformed flood" is made of; `mutate` alone leaves about a third of its packets valid queries.
 */
export function malformedQuery(random: (n: number) => number): Buffer {
  const p = mutate(BASE_QUERIES[random(BASE_QUERIES.length)]!, random)
  if (p.length < 12) return p
  // A query (not a response, which is dropped unread): the server must look at each one.
  p[2]! &= 0x7f
  const kind = p.length < 14 ? 1 : random(5)
  switch (kind) {
    case 0:
      // More questions or records than a query holds.
      if (random(2) === 0) p.writeUInt16BE([0, 2, 0xffff][random(3)]!, 4)
      else p.writeUInt16BE([2, 255, 0xffff][random(3)]!, 6 + 2 * random(3))
      return p
    case 1:
      // Cut before a question (at least 5 bytes) could end.
      return p.subarray(0, 12 + random(Math.min(5, p.length - 11)))
    case 2:
      // The first label's length over 63 (a reserved label type).
      p[12] = 64 + random(128)
      return p
    case 3:
      // A compression pointer where the question starts: it can only point into the header.
      p.writeUInt16BE(0xc000 | random(12), 12)
      return p
    default:
      // An opcode other than QUERY.
      p[2] = (p[2]! & 0x87) | ((1 + random(15)) << 3)
      return p
  }
}

/** Where names sit in the data of a record type: bytes before them, how many, bytes after. */
const NAMES_IN_DATA: Record<number, { skip: number; count: number; after: number }> = {
  2: { skip: 0, count: 1, after: 0 },
  5: { skip: 0, count: 1, after: 0 },
  6: { skip: 0, count: 2, after: 20 },
  12: { skip: 0, count: 1, after: 0 },
  33: { skip: 6, count: 1, after: 0 },
}

/** Why a reply is not a well-formed DNS message (RFC 1035 §4), or null when it is. */
export function malformation(reply: Buffer): string | null {
  if (reply.length < 12) return `${reply.length} bytes, shorter than a header`
  let at = 12
  const name = (): string | null => {
    let pos = at
    let jumped = false
    let length = 0
    for (let hops = 0; ; hops++) {
      if (pos >= reply.length) return 'name runs past the end'
      const len = reply[pos]!
      if (len === 0) {
        if (!jumped) at = pos + 1
        return length + 1 > 255 ? 'name longer than 255' : null
      }
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= reply.length) return 'pointer cut short'
        const target = reply.readUInt16BE(pos) & 0x3fff
        if (target >= pos || target < 12 || hops > 127) return `pointer to ${target} from ${pos}`
        if (!jumped) at = pos + 2
        jumped = true
        pos = target
        continue
      }
      if (len > 63) return `label length ${len}`
      length += len + 1
      pos += len + 1
    }
  }
  const counts = [4, 6, 8, 10].map((o) => reply.readUInt16BE(o))
  for (let i = 0; i < counts[0]!; i++) {
    const bad = name()
    if (bad) return `question: ${bad}`
    at += 4
    if (at > reply.length) return 'question cut short'
  }
  for (let i = 0; i < counts[1]! + counts[2]! + counts[3]!; i++) {
    const bad = name()
    if (bad) return `record ${i}: ${bad}`
    if (at + 10 > reply.length) return `record ${i} cut short`
    const type = reply.readUInt16BE(at)
    const rdlength = reply.readUInt16BE(at + 8)
    const end = at + 10 + rdlength
    if (end > reply.length) return `record ${i}: data runs past the end`
    // The names inside the data (CNAME, PTR, NS, SRV's target, SOA's two) must be well formed too.
    const names = NAMES_IN_DATA[type]
    if (names) {
      at += 10 + names.skip
      for (let n = 0; n < names.count; n++) {
        const bad = name()
        if (bad) return `record ${i} data: ${bad}`
      }
      if (at + names.after !== end) return `record ${i}: data length ${rdlength} does not fit its names`
    }
    at = end
  }
  if (at !== reply.length) return `${reply.length - at} bytes after the last record`
  try {
    dnsPacket.decode(reply)
  } catch (err) {
    return `dns-packet: ${(err as Error).message}`
  }
  return null
}
