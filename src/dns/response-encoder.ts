import { writeIPv4, writeIPv6 } from './address.js'
import { CLASSIC_UDP_SIZE, DO_BIT, MAX_MESSAGE, EdnsOptionCode, Flag, HEADER_SIZE, OPCODE_MASK, Rcode, RRClass, RRType } from './constants.js'
import { emptyReply, type DnsQuery, type Edns, type EdnsOption, type Reply, type ResourceRecord } from './message.js'
import { optionsWire, optRecord, readOptions } from './query-packet.js'
import { recordSpans, type RecordSpan } from './wire-ttls.js'
import { WireWriter } from './wire-writer.js'

const TXT_CHUNK = 255
/** The OPT flags CoreDNS keeps from the OPT it answers with (DO and the Z bits beside it). */
const OPT_FLAGS_KEPT = 0xff00

/**
 * The options of a query's OPT record CoreDNS copies into its own reply's (request.supportedOptions):
 * NSID, EXPIRE, COOKIE (the client's as sent, which dig prints as "echoed"), TCP-KEEPALIVE, PADDING.
 */
const ECHOED_OPTIONS: ReadonlySet<number> = new Set([EdnsOptionCode.NSID, EdnsOptionCode.EXPIRE, EdnsOptionCode.COOKIE, EdnsOptionCode.TCP_KEEPALIVE, EdnsOptionCode.PADDING])

/** One writer serves every reply: encoding is synchronous, so no two replies share it at once. */
const writer = new WireWriter(8192)

/** The largest reply a client accepts over its transport (RFC 6891 6.2.5; TCP carries it whole). */
export function replySizeLimit(query: Pick<DnsQuery, 'transport' | 'edns'>): number {
  if (query.transport === 'tcp') return MAX_MESSAGE
  if (!query.edns) return CLASSIC_UDP_SIZE
  return Math.min(MAX_MESSAGE, Math.max(CLASSIC_UDP_SIZE, query.edns.udpSize))
}

/**
 * Encodes `reply` to `query` with name compression. As CoreDNS's scrub writer (miekg/dns
 * Msg.Truncate): when it does not fit `limit` (at least 512), as many whole records as fit are
 * kept, answer section first, then authority, then additional, and TC is set when any was left out;
 * the OPT record is always written, last. Throws NameEncodingError when a record holds a name that
 * cannot be written.
 */
export function encodeReply(query: DnsQuery, reply: Reply, limit = replySizeLimit(query)): Buffer {
  if (reply.relayed) return relay(query, reply, reply.relayed, limit)
  writer.reset()
  writer.reserve(HEADER_SIZE)
  writer.bytes(query.questionWire)
  if (query.questionWire.length > 0) writer.remember(query.name, HEADER_SIZE)

  const opt = query.edns ? ownOpt(query.edns, reply.rcode, reply.ednsOptions) : EMPTY
  const budget = Math.max(CLASSIC_UDP_SIZE, limit) - opt.length
  const sections = [reply.answer, reply.authority, reply.additional]
  const counts: [number, number, number] = [0, 0, 0]
  let truncated = false
  fill: for (let s = 0; s < 3; s++) {
    for (const record of sections[s]!) {
      const start = writer.offset
      writeRecord(record, writer)
      // Names of a record left out were remembered for pointers, but no record follows it.
      if (writer.offset > budget) {
        writer.offset = start
        truncated = true
        break fill
      }
      counts[s]!++
    }
  }
  writer.bytes(opt)

  const buf = writer.buf
  buf.writeUInt16BE(query.id, 0)
  let flags = Flag.QR | (query.flags & (OPCODE_MASK | Flag.RD | Flag.CD)) | (reply.rcode & 0xf)
  if (reply.authoritative) flags |= Flag.AA
  if (truncated) flags |= Flag.TC
  buf.writeUInt16BE(withHeaderFlags(flags, reply), 2)
  buf.writeUInt16BE(query.questionWire.length > 0 ? 1 : 0, 4)
  buf.writeUInt16BE(counts[0], 6)
  buf.writeUInt16BE(counts[1], 8)
  buf.writeUInt16BE(counts[2] + (opt.length > 0 ? 1 : 0), 10)
  return Buffer.from(buf.subarray(0, writer.offset))
}

/**
 * A reply relayed (from an upstream or the cache) with the client's ID and question bytes, so
 * names compressed against the question take the asker's letter case. Its records are copied whole
 * and cut as `encodeReply` cuts ours; pointers only point backwards, so the records kept point at
 * bytes that stay. Its OPT record, as CoreDNS's SizeAndDo leaves it: the upstream's options with
 * the client's payload size and DO; ours (`ownOpt`) when it has none (the cache keeps none). A
 * message that does not parse is answered SERVFAIL, as CoreDNS's forward does when it cannot read one.
 */
function relay(query: DnsQuery, reply: Reply, relayed: Buffer, limit: number): Buffer {
  const spans = recordSpans(relayed)
  if (!spans) return encodeReply(query, emptyReply(Rcode.SERVFAIL, reply.plugin), limit)
  const additional = spans.sections[2]!
  const upstreamOpt = additional.find((r) => r.type === RRType.OPT)
  // An OPT record other records follow keeps its place and length (edited in place): moving it
  // would move the names after it that later pointers may point at.
  const optStays = upstreamOpt !== undefined && upstreamOpt !== additional.at(-1)
  const opt = relayedOpt(query, reply, relayed, upstreamOpt, optStays)

  const size = Math.max(CLASSIC_UDP_SIZE, limit)
  const counts: [number, number, number] = [0, 0, 0]
  let end = spans.questionEnd
  let truncated = false
  fill: for (let s = 0; s < 3; s++) {
    for (const span of spans.sections[s]!) {
      if (span === upstreamOpt) continue
      // A record after a staying OPT already counts it in its offset.
      const sent = span.end + (upstreamOpt && span.start > upstreamOpt.start ? 0 : opt.length)
      if (sent > size) {
        truncated = true
        break fill
      }
      counts[s]!++
      end = span.end
    }
  }

  const optInside = upstreamOpt !== undefined && upstreamOpt.start < end
  const out = Buffer.allocUnsafe(end + (optInside ? 0 : opt.length))
  relayed.copy(out, 0, 0, end)
  opt.copy(out, optInside ? upstreamOpt.start : end)
  out.writeUInt16BE(query.id, 0)
  out.writeUInt16BE(withHeaderFlags(relayed.readUInt16BE(2), reply) | (truncated ? Flag.TC : 0), 2)
  out.writeUInt16BE(counts[0], 6)
  out.writeUInt16BE(counts[1], 8)
  out.writeUInt16BE(counts[2] + (opt.length > 0 ? 1 : 0), 10)
  if (relayed.readUInt16BE(4) === 1 && spans.questionEnd - HEADER_SIZE === query.questionWire.length) query.questionWire.copy(out, HEADER_SIZE)
  return out
}

const EMPTY = Buffer.alloc(0)
const NO_OPTIONS: readonly EdnsOption[] = []
/** CoreDNS's BADVERS OPT record: payload size 0, no DO, no options. */
const BADVERS_OPT = optRecord(0, Rcode.BADVERS >> 4, 0, EMPTY)

/**
 * The OPT record of a relayed reply. To a client without EDNS, the upstream's as it is (CoreDNS
 * leaves it). Otherwise, as CoreDNS's SizeAndDo: the upstream's options (`reply.ednsOptions`, nsid,
 * replacing theirs of the same code), extended rcode and DO, with the client's payload size,
 * version 0 and DO when the client set it; ours when it has none.
 */
function relayedOpt(query: DnsQuery, reply: Reply, relayed: Buffer, upstream: RecordSpan | undefined, stays: boolean): Buffer {
  if (!upstream) return query.edns ? ownOpt(query.edns, 0, reply.ednsOptions) : EMPTY
  const bytes = relayed.subarray(upstream.start, upstream.end)
  if (!query.edns) return bytes
  const fixed = upstream.rdlengthAt - 8 // its TYPE, after the owner name
  const flags = (relayed.readUInt16BE(fixed + 6) & OPT_FLAGS_KEPT) | (query.edns.dnssecOk ? DO_BIT : 0)
  const rdataAt = upstream.rdlengthAt + 2
  const given = reply.ednsOptions?.length ? readOptions(relayed, rdataAt, upstream.end) : null
  if (stays || !given) {
    const out = Buffer.from(bytes)
    const at = fixed - upstream.start
    out.writeUInt16BE(query.edns.udpSize, at + 2)
    out[at + 5] = 0
    out.writeUInt16BE(flags, at + 6)
    return out
  }
  return optRecord(query.edns.udpSize, relayed[fixed + 4]!, flags, optionsWire(withOptions(given, reply.ednsOptions!)))
}

/**
 * Our own OPT record, as CoreDNS's SizeAndDo makes it from the query's: the client's payload size,
 * the upper bits of `rcode`, DO echoed, the options CoreDNS echoes, and the reply's own
 * (`reply.ednsOptions`: nsid, EDE), one of which replaces the query's of its code where it stands.
 */
function ownOpt(edns: Edns, rcode: number, given: readonly EdnsOption[] | undefined): Buffer {
  // CoreDNS answers BADVERS before its scrub writer, with a bare OPT record of its own (edns.Version).
  if (rcode === Rcode.BADVERS) return BADVERS_OPT
  const echoed = edns.options?.length ? edns.options.filter((o) => ECHOED_OPTIONS.has(o.code)) : NO_OPTIONS
  const options = given?.length ? withOptions(echoed, given) : echoed
  return optRecord(edns.udpSize, rcode >> 4, edns.dnssecOk ? DO_BIT : 0, options.length > 0 ? optionsWire(options) : EMPTY)
}

/** `options` with each of `given` in place of those of its code (the first of them), the rest of `given` after. */
function withOptions(options: readonly EdnsOption[], given: readonly EdnsOption[]): readonly EdnsOption[] {
  const out: EdnsOption[] = []
  const placed = new Set<number>()
  for (const option of options) {
    const mine = given.find((g) => g.code === option.code)
    if (!mine) out.push(option)
    else if (!placed.has(mine.code)) {
      placed.add(mine.code)
      out.push(mine)
    }
  }
  return [...out, ...given.filter((g) => !placed.has(g.code))]
}

/** The header flags word with the reply's `headerFlags` applied (set, then clear). */
function withHeaderFlags(flags: number, reply: Reply): number {
  return reply.headerFlags ? (flags | reply.headerFlags.set) & ~reply.headerFlags.clear & 0xffff : flags
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
