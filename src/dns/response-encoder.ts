import { writeIPv4, writeIPv6 } from './address.js'
import { CLASSIC_UDP_SIZE, Flag, HEADER_SIZE, RRClass, RRType, SERVER_UDP_SIZE } from './constants.js'
import type { DnsQuery, Reply, ResourceRecord } from './message.js'
import { optionsWire } from './query-packet.js'
import { withEdnsOptions } from './relayed-sections.js'
import { recordSpans } from './wire-ttls.js'
import { WireWriter } from './wire-writer.js'

const MAX_MESSAGE = 65535
const OPT_SIZE = 11
const TXT_CHUNK = 255
const OPCODE_MASK = 0x7800
const DO_BIT = 0x8000

/** One writer serves every reply: encoding is synchronous, so no two replies share it at once. */
const writer = new WireWriter(8192)

/** The largest reply a client accepts over its transport (RFC 6891 6.2.5; TCP carries it whole). */
export function replySizeLimit(query: Pick<DnsQuery, 'transport' | 'edns'>): number {
  if (query.transport === 'tcp') return MAX_MESSAGE
  if (!query.edns) return CLASSIC_UDP_SIZE
  return Math.min(MAX_MESSAGE, Math.max(CLASSIC_UDP_SIZE, query.edns.udpSize))
}

/**
 * Encodes `reply` to `query` with name compression. When it does not fit `limit`, whole RRsets
 * are dropped from the end and TC is set, as CoreDNS does; the OPT record always stays. Throws
 * NameEncodingError when a record holds a name that cannot be written.
 */
export function encodeReply(query: DnsQuery, reply: Reply, limit = replySizeLimit(query)): Buffer {
  if (reply.relayed) return relay(query, reply, reply.relayed, limit)
  writer.reset()
  writer.reserve(HEADER_SIZE)
  writer.bytes(query.questionWire)
  if (query.questionWire.length > 0) writer.remember(query.name, HEADER_SIZE)

  // Record where every RRset ends, so a cut falls on a boundary; counts per section up to there.
  const sections = [reply.answer, reply.authority, reply.additional]
  const counts: [number, number, number] = [0, 0, 0]
  let cutAt = { end: writer.offset, counts: [0, 0, 0] as [number, number, number] }
  const options = query.edns && reply.ednsOptions ? optionsWire(reply.ednsOptions) : null
  const optBytes = query.edns ? OPT_SIZE + (options?.length ?? 0) : 0
  let truncated = false
  fill: for (let s = 0; s < 3; s++) {
    const records = sections[s]!
    for (let i = 0; i < records.length; i++) {
      writeRecord(records[i]!, writer)
      counts[s]!++
      const next = records[i + 1]
      if (next && sameRRset(records[i]!, next)) continue
      if (writer.offset + optBytes > limit) {
        truncated = true
        break fill
      }
      cutAt = { end: writer.offset, counts: [counts[0], counts[1], counts[2]] }
    }
  }
  writer.offset = cutAt.end

  let rcode = reply.rcode
  if (query.edns) {
    writer.bytes(ownOpt(rcode, query.edns.dnssecOk))
    if (options) {
      writer.buf.writeUInt16BE(options.length, writer.offset - 2) // the OPT record's RDLENGTH
      writer.bytes(options)
    }
  }
  rcode &= 0xf

  const buf = writer.buf
  buf.writeUInt16BE(query.id, 0)
  let flags = Flag.QR | (query.flags & (OPCODE_MASK | Flag.RD | Flag.CD)) | rcode
  if (reply.authoritative) flags |= Flag.AA
  if (truncated) flags |= Flag.TC
  buf.writeUInt16BE(withHeaderFlags(flags, reply), 2)
  buf.writeUInt16BE(query.questionWire.length > 0 ? 1 : 0, 4)
  buf.writeUInt16BE(cutAt.counts[0], 6)
  buf.writeUInt16BE(cutAt.counts[1], 8)
  buf.writeUInt16BE(cutAt.counts[2] + (query.edns ? 1 : 0), 10)
  return Buffer.from(buf.subarray(0, writer.offset))
}

/**
 * A reply relayed (from an upstream or the cache) with the client's ID and question bytes, so
 * names compressed against the question take the asker's letter case. Too large for the client's
 * transport, it becomes the header and question alone with TC set, and the client asks over TCP;
 * an EDNS client still gets an OPT record (RFC 6891 7): the upstream's, or ours when it sent none.
 */
function relay(query: DnsQuery, reply: Reply, relayed: Buffer, limit: number): Buffer {
  const upstream = query.edns && reply.ednsOptions ? withEdnsOptions(relayed, reply.ednsOptions) : relayed
  if (upstream.length <= limit) {
    const out = Buffer.from(upstream)
    out.writeUInt16BE(query.id, 0)
    out.writeUInt16BE(withHeaderFlags(out.readUInt16BE(2), reply), 2)
    if (questionLength(out) === query.questionWire.length) query.questionWire.copy(out, HEADER_SIZE)
    return out
  }
  const flags = upstream.readUInt16BE(2)
  const opt = query.edns ? (optRecord(upstream) ?? ownOpt(flags & 0xf, query.edns.dnssecOk)) : EMPTY
  const out = Buffer.alloc(HEADER_SIZE + query.questionWire.length + opt.length)
  out.writeUInt16BE(query.id, 0)
  out.writeUInt16BE(withHeaderFlags(flags, reply) | Flag.TC, 2)
  out.writeUInt16BE(1, 4)
  out.writeUInt16BE(opt.length > 0 ? 1 : 0, 10)
  query.questionWire.copy(out, HEADER_SIZE)
  opt.copy(out, HEADER_SIZE + query.questionWire.length)
  return out
}

const EMPTY = Buffer.alloc(0)

/** The OPT records this server writes, by upper rcode bits and DO: built once each. */
const OWN_OPTS = new Map<number, Buffer>()

/** The OPT record this server writes: its payload size, the upper bits of `rcode`, DO echoed. */
function ownOpt(rcode: number, dnssecOk: boolean): Buffer {
  const key = (rcode >> 4) * 2 + (dnssecOk ? 1 : 0)
  let opt = OWN_OPTS.get(key)
  if (!opt) {
    opt = Buffer.alloc(OPT_SIZE)
    opt.writeUInt16BE(RRType.OPT, 1)
    opt.writeUInt16BE(SERVER_UDP_SIZE, 3)
    opt[5] = rcode >> 4
    opt.writeUInt16BE(dnssecOk ? DO_BIT : 0, 7)
    OWN_OPTS.set(key, opt)
  }
  return opt
}

/** The bytes of a message's OPT record, or null when it has none or does not parse. */
function optRecord(wire: Buffer): Buffer | null {
  const opt = recordSpans(wire)?.sections[2]!.find((r) => r.type === RRType.OPT)
  return opt ? wire.subarray(opt.start, opt.end) : null
}

/** The header flags word with the reply's `headerFlags` applied (set, then clear). */
function withHeaderFlags(flags: number, reply: Reply): number {
  return reply.headerFlags ? (flags | reply.headerFlags.set) & ~reply.headerFlags.clear & 0xffff : flags
}

/** The length of a message's (first) question, or -1 when it has none or it does not parse. */
function questionLength(wire: Buffer): number {
  if (wire.length < HEADER_SIZE || wire.readUInt16BE(4) < 1) return -1
  let offset = HEADER_SIZE
  while (offset < wire.length && wire[offset] !== 0) {
    if (wire[offset]! > 63) return -1
    offset += 1 + wire[offset]!
  }
  return offset + 5 <= wire.length ? offset + 5 - HEADER_SIZE : -1
}

function sameRRset(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && (a.name === b.name || a.name.toLowerCase() === b.name.toLowerCase())
}

/** Writes one record of ours (name, type, class (IN by default), TTL, rdata) with compression. */
export function writeRecord(record: ResourceRecord, w: WireWriter): void {
  const lengthAt = w.beginRecord(record.name, record.type, record.class ?? RRClass.IN, record.ttl)
  switch (record.type) {
    case RRType.A:
      writeIPv4(record.address, w.buf, w.reserve(4))
      break
    case RRType.AAAA:
      writeIPv6(record.address, w.buf, w.reserve(16))
      break
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      w.name(record.target)
      break
    case RRType.SRV:
      w.u16(record.priority)
      w.u16(record.weight)
      w.u16(record.port)
      // RFC 2782: the target is not compressed.
      w.name(record.target, false)
      break
    case RRType.SOA:
      w.name(record.mname)
      w.name(record.rname)
      w.u32(record.serial)
      w.u32(record.refresh)
      w.u32(record.retry)
      w.u32(record.expire)
      w.u32(record.minimum)
      break
    case RRType.MX:
      w.u16(record.preference)
      w.name(record.exchange)
      break
    case RRType.TXT:
      for (const text of record.texts) writeCharacterStrings(text, w)
      break
    case RRType.HINFO:
      writeCharacterStrings(record.cpu, w)
      writeCharacterStrings(record.os, w)
      break
  }
  w.endRecord(lengthAt)
}

/** `text` as one character-string, or several when it is longer than 255 bytes (TXT). */
function writeCharacterStrings(text: string, w: WireWriter): void {
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i === 0 || i < bytes.length; i += TXT_CHUNK) {
    const chunk = bytes.subarray(i, i + TXT_CHUNK)
    w.u8(chunk.length)
    w.bytes(chunk)
  }
}
