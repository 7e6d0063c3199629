import { randomInt } from 'node:crypto'
import { DO_BIT, Flag, HEADER_SIZE, RRType, SERVER_UDP_SIZE } from './constants.js'
import type { DnsQuery, Edns, EdnsOption } from './message.js'

/** An OPT record's rdata: each option as code, length, data. */
export function optionsWire(options: readonly EdnsOption[]): Buffer {
  return Buffer.concat(options.map((o) => Buffer.concat([Buffer.from([o.code >> 8, o.code & 0xff, o.data.length >> 8, o.data.length & 0xff]), o.data])))
}

const OPT_SIZE = 11

/** An OPT record (RFC 6891 6.1.2): root owner, payload size, extended rcode, version, flags, options. */
export function optRecord(udpSize: number, extendedRcode: number, flags: number, rdata: Buffer, version = 0): Buffer {
  const opt = Buffer.allocUnsafe(OPT_SIZE + rdata.length)
  opt[0] = 0
  opt.writeUInt16BE(RRType.OPT, 1)
  opt.writeUInt16BE(udpSize, 3)
  opt[5] = extendedRcode
  opt[6] = version
  opt.writeUInt16BE(flags, 7)
  opt.writeUInt16BE(rdata.length, 9)
  rdata.copy(opt, OPT_SIZE)
  return opt
}

/** An OPT record's options (code, length, data) between `start` and `end`; null when one overruns. */
export function readOptions(packet: Buffer, start: number, end: number): EdnsOption[] | null {
  const options: EdnsOption[] = []
  for (let at = start; at < end; ) {
    if (at + 4 > end) return null
    const length = packet.readUInt16BE(at + 2)
    if (at + 4 + length > end) return null
    options.push({ code: packet.readUInt16BE(at), data: Buffer.from(packet.subarray(at + 4, at + 4 + length)) })
    at += 4 + length
  }
  return options
}

/**
 * A query this server sends (to an upstream, or to itself): a fresh random ID, the RD and CD bits
 * of `flags`, the exact question bytes, and an OPT record (our payload size, the DO bit, the
 * options given) only when `edns` is given.
 */
export function queryPacket(flags: number, questionWire: Buffer, edns: { dnssecOk: boolean; options?: readonly EdnsOption[] } | null): Buffer {
  return packet(flags & (Flag.RD | Flag.CD), questionWire, edns && { udpSize: SERVER_UDP_SIZE, version: 0, ...edns })
}

/**
 * A client's query as forward sends it on (CoreDNS packs the request it got): its header flags as
 * they are, its question bytes, its OPT record (payload size, version, DO, options) or none; only
 * the ID is a fresh random one, so the client's cannot be used to spoof the upstream's reply.
 */
export function clientQueryPacket(query: Pick<DnsQuery, 'flags' | 'questionWire' | 'edns'>): Buffer {
  return packet(query.flags, query.questionWire, query.edns)
}

function packet(flags: number, questionWire: Buffer, edns: Edns | null): Buffer {
  const opt = edns ? optRecord(edns.udpSize, 0, edns.dnssecOk ? DO_BIT : 0, optionsWire(edns.options ?? []), edns.version) : Buffer.alloc(0)
  const header = Buffer.alloc(HEADER_SIZE)
  header.writeUInt16BE(randomInt(0x10000), 0)
  header.writeUInt16BE(flags, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(edns ? 1 : 0, 10)
  return Buffer.concat([header, questionWire, opt])
}
