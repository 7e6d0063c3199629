import { DO_BIT, Flag, HEADER_SIZE, Opcode, Rcode, RRClass, RRType } from './constants.js'
import type { DnsQuery, Edns } from './message.js'
import { labelText, MAX_LABEL, MAX_NAME_WIRE } from './names.js'
import { readOptions } from './query-packet.js'
import { skipName } from './wire-ttls.js'

/** A query that is answered with an error rcode and no records. */
export interface Rejection {
  readonly query: DnsQuery
  readonly rcode: number
}

export type Intake = { readonly query: DnsQuery } | { readonly rejection: Rejection } | null

const OPCODE_SHIFT = 11
/**
 * The most records a query carries, as CoreDNS's server accepts them (miekg/dns): one question, an
 * answer (NOTIFY's SOA), an authority record (IXFR's SOA), two additional (OPT, TSIG). Checked on
 * the header alone, so a packet claiming 65,535 of each costs nothing to refuse.
 */
const MAX_ANSWER = 1
const MAX_AUTHORITY = 1
const MAX_ADDITIONAL = 2
/** Type, class, TTL and RDLENGTH after a record's owner name. */
const RR_FIXED = 10

/** What `screenHeader` says of a packet that is not even to be answered. */
export const DROP = -1

/**
 * The verdict the header alone gives, before anything else is read: DROP (shorter than a header,
 * or a response), NOTIMP (an opcode other than QUERY), FORMERR (not one question, or more records
 * than a query holds), or NOERROR (read on). A listener under a flood sheds by it at no cost.
 */
export function screenHeader(packet: Buffer): number {
  if (packet.length < HEADER_SIZE || packet[2]! & (Flag.QR >> 8)) return DROP
  if (((packet.readUInt16BE(2) >> OPCODE_SHIFT) & 0xf) !== Opcode.QUERY) return Rcode.NOTIMP
  if (packet.readUInt16BE(4) !== 1 || packet.readUInt16BE(6) > MAX_ANSWER || packet.readUInt16BE(8) > MAX_AUTHORITY || packet.readUInt16BE(10) > MAX_ADDITIONAL) return Rcode.FORMERR
  return Rcode.NOERROR
}

/**
 * Turns a datagram or TCP frame into a query, a rejection (FORMERR, NOTIMP, REFUSED, BADVERS)
 * or null when not even a header can be read (or it is a response): such input is dropped.
 * Read by hand, header first: nothing is allocated for what the header claims, and the work is
 * bounded by the few records a query may hold.
 */
export function decodeQuery(packet: Buffer, transport: 'udp' | 'tcp', remoteAddress: string, remotePort = 0): Intake {
  const verdict = screenHeader(packet)
  if (verdict === DROP) return null
  const id = packet.readUInt16BE(0)
  const flags = packet.readUInt16BE(2)
  const bare: DnsQuery = { id, flags, transport, remoteAddress: clientAddress(remoteAddress), remotePort, name: '', lowerName: '', type: 0, class: 0, questionWire: EMPTY, edns: null }
  const formerr = { rejection: { query: bare, rcode: Rcode.FORMERR } }

  const question = packet.readUInt16BE(4) === 1 ? readQuestion(packet) : null
  if (verdict === Rcode.NOTIMP) return { rejection: { query: { ...bare, ...question }, rcode: Rcode.NOTIMP } }
  if (verdict === Rcode.FORMERR || !question) return formerr
  const counts = [packet.readUInt16BE(6), packet.readUInt16BE(8), packet.readUInt16BE(10)] as const

  let offset = HEADER_SIZE + question.questionWire.length
  let edns: Edns | null = null
  let opts = 0
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < counts[section]!; i++) {
      offset = skipName(packet, offset)
      if (offset < 0 || offset + RR_FIXED > packet.length) return formerr
      const end = offset + RR_FIXED + packet.readUInt16BE(offset + 8)
      if (end > packet.length) return formerr
      if (section === 2 && packet.readUInt16BE(offset) === RRType.OPT) {
        opts++
        const options = readOptions(packet, offset + RR_FIXED, end)
        if (!options) return formerr
        edns = { udpSize: packet.readUInt16BE(offset + 2), version: packet[offset + 5]!, dnssecOk: (packet.readUInt16BE(offset + 6) & DO_BIT) !== 0, options }
      }
      offset = end
    }
  }
  const query: DnsQuery = { ...bare, ...question, edns }
  if (opts > 1) return { rejection: { query: { ...query, questionWire: EMPTY }, rcode: Rcode.FORMERR } }
  if (edns && edns.version !== 0) return { rejection: { query, rcode: Rcode.BADVERS } }
  // CH goes on to the server block, which refuses it unless a plugin there answers CH (chaos).
  if (query.class !== RRClass.IN && query.class !== RRClass.CH) return { rejection: { query, rcode: Rcode.REFUSED } }
  if (query.type === RRType.AXFR || query.type === RRType.IXFR) return { rejection: { query, rcode: Rcode.REFUSED } }
  return { query }
}

const EMPTY = Buffer.alloc(0)

/** Dual-stack sockets show IPv4 clients as ::ffff:a.b.c.d; everything after sees the IPv4 address. */
export function clientAddress(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice('::ffff:'.length) : remoteAddress
}

/**
 * Reads the question at the header's end: its name in presentation form (letter case kept, each
 * label's bytes escaped as dig writes them), type, class, and the exact bytes, so the reply
 * echoes what was asked byte for byte.
 */
function readQuestion(packet: Buffer): Pick<DnsQuery, 'name' | 'lowerName' | 'type' | 'class' | 'questionWire'> | null {
  let offset = HEADER_SIZE
  let name = ''
  for (;;) {
    if (offset >= packet.length) return null
    const length = packet[offset]!
    if (length === 0) break
    // A pointer in the first question can only point into the header: malformed.
    if (length > MAX_LABEL) return null
    if (offset + 1 + length > packet.length) return null
    const label = labelText(packet, offset + 1, offset + 1 + length)
    name = name === '' ? label : `${name}.${label}`
    offset += 1 + length
    if (offset - HEADER_SIZE >= MAX_NAME_WIRE) return null
  }
  offset += 1
  if (offset + 4 > packet.length) return null
  return {
    name,
    lowerName: name.toLowerCase(),
    type: packet.readUInt16BE(offset),
    class: packet.readUInt16BE(offset + 2),
    questionWire: packet.subarray(HEADER_SIZE, offset + 4),
  }
}
