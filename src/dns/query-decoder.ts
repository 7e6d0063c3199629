import dnsPacket from 'dns-packet'
import { Flag, HEADER_SIZE, Opcode, Rcode, RRClass, RRType } from './constants.js'
import type { DnsQuery, Edns } from './message.js'

/** A query that is answered with an error rcode and no records. */
export interface Rejection {
  readonly query: DnsQuery
  readonly rcode: number
}

export type Intake = { readonly query: DnsQuery } | { readonly rejection: Rejection } | null

const OPCODE_SHIFT = 11
const MAX_NAME_WIRE = 255

/**
 * Turns a datagram or TCP frame into a query, a rejection (FORMERR, NOTIMP, REFUSED, BADVERS)
 * or null when not even a header can be read (or it is a response): such input is dropped.
 */
export function decodeQuery(packet: Buffer, transport: 'udp' | 'tcp', remoteAddress: string, remotePort = 0): Intake {
  if (packet.length < HEADER_SIZE) return null
  const id = packet.readUInt16BE(0)
  const flags = packet.readUInt16BE(2)
  if (flags & Flag.QR) return null
  // Dual-stack sockets show IPv4 clients as ::ffff:a.b.c.d; everything after sees the IPv4 address.
  const client = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice('::ffff:'.length) : remoteAddress
  const base = { id, flags, transport, remoteAddress: client, remotePort }
  const bare: DnsQuery = { ...base, name: '', lowerName: '', type: 0, class: 0, questionWire: EMPTY, edns: null }

  let decoded: dnsPacket.Packet
  try {
    decoded = dnsPacket.decode(packet)
  } catch {
    return { rejection: { query: bare, rcode: Rcode.FORMERR } }
  }
  const qdcount = packet.readUInt16BE(4)
  const question = qdcount === 1 ? readQuestion(packet) : null
  if (qdcount === 1 && !question) return { rejection: { query: bare, rcode: Rcode.FORMERR } }

  const opts = (decoded.additionals ?? []).filter((rr) => rr.type === 'OPT') as dnsPacket.OptAnswer[]
  const edns: Edns | null = opts[0]
    ? { udpSize: opts[0].udpPayloadSize, version: opts[0].ednsVersion, dnssecOk: opts[0].flag_do === true }
    : null
  const query: DnsQuery = { ...bare, ...question, edns }

  if (((flags >> OPCODE_SHIFT) & 0xf) !== Opcode.QUERY) return { rejection: { query, rcode: Rcode.NOTIMP } }
  if (qdcount !== 1 || opts.length > 1) return { rejection: { query: { ...query, questionWire: EMPTY }, rcode: Rcode.FORMERR } }
  if (edns && edns.version !== 0) return { rejection: { query, rcode: Rcode.BADVERS } }
  if (query.class !== RRClass.IN) return { rejection: { query, rcode: Rcode.REFUSED } }
  if (query.type === RRType.AXFR || query.type === RRType.IXFR) return { rejection: { query, rcode: Rcode.REFUSED } }
  return { query }
}

const EMPTY = Buffer.alloc(0)

/**
 * Reads the question at the header's end from the raw bytes: its name as text (letter case kept),
 * type, class, and the exact bytes, so the reply echoes what was asked even where text would not.
 */
function readQuestion(packet: Buffer): Pick<DnsQuery, 'name' | 'lowerName' | 'type' | 'class' | 'questionWire'> | null {
  let offset = HEADER_SIZE
  const labels: string[] = []
  for (;;) {
    if (offset >= packet.length) return null
    const length = packet[offset]!
    if (length === 0) break
    // A pointer in the first question can only point into the header: malformed.
    if (length > 63) return null
    if (offset + 1 + length > packet.length) return null
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length))
    offset += 1 + length
    if (offset - HEADER_SIZE >= MAX_NAME_WIRE) return null
  }
  offset += 1
  if (offset + 4 > packet.length) return null
  const name = labels.join('.')
  return {
    name,
    lowerName: name.toLowerCase(),
    type: packet.readUInt16BE(offset),
    class: packet.readUInt16BE(offset + 2),
    questionWire: packet.subarray(HEADER_SIZE, offset + 4),
  }
}
