import { canonicalIP } from './address.js'
import { RRType } from './constants.js'
import type { Reply, ResourceRecord } from './message.js'
import { readName, recordsStart } from './wire-ttls.js'

/** A record read from a message: its owner, type, TTL, where its data starts and ends; `record` null for types not read. */
export interface WireRecord {
  readonly name: string
  readonly type: number
  readonly ttl: number
  readonly rdata: number
  readonly end: number
  readonly record: ResourceRecord | null
}

/**
 * The record at `offset` of a message, names label-exact in presentation form: A, AAAA, CNAME,
 * PTR, NS, SRV, MX, SOA and TXT are read into records. Null when it does not parse.
 */
export function readWireRecord(wire: Buffer, offset: number): WireRecord | null {
  const owner = readName(wire, offset)
  if (!owner || owner.end + 10 > wire.length) return null
  const type = wire.readUInt16BE(owner.end)
  const ttl = wire.readUInt32BE(owner.end + 4)
  const rdata = owner.end + 10
  const end = rdata + wire.readUInt16BE(owner.end + 8)
  if (end > wire.length) return null
  const data = rdataRecord(wire, type, rdata, end)
  return { name: owner.name, type, ttl, rdata, end, record: data ? ({ ...data, name: owner.name, ttl } as ResourceRecord) : null }
}

/** The types a followed CNAME's answer keeps: addresses, CNAMEs and TXT. */
const FOLLOWED = new Set<number>([RRType.A, RRType.AAAA, RRType.CNAME, RRType.TXT])

/**
 * The answer section of a reply as records, relayed ones read from their bytes (names label-exact,
 * in presentation form): the address, CNAME and TXT records a followed CNAME needs (other types are
 * left out). A relayed reply that does not parse gives what was read before the fault.
 */
export function answerRecords(reply: Reply): readonly ResourceRecord[] {
  if (!reply.relayed) return reply.answer
  const wire = reply.relayed
  const records: ResourceRecord[] = []
  let offset = recordsStart(wire)
  if (offset < 0) return records
  for (let i = wire.readUInt16BE(6); i > 0; i--) {
    const read = readWireRecord(wire, offset)
    if (!read) return records
    if (read.record && FOLLOWED.has(read.type)) records.push(read.record)
    offset = read.end
  }
  return records
}

type Rdata =
  | { type: number; address: string }
  | { type: number; target: string }
  | { type: number; texts: string[] }
  | { type: number; priority: number; weight: number; port: number; target: string }
  | { type: number; preference: number; exchange: string }
  | { type: number; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }

function rdataRecord(wire: Buffer, type: number, rdata: number, end: number): Rdata | null {
  switch (type) {
    case RRType.A:
      return end - rdata === 4 ? { type, address: [...wire.subarray(rdata, end)].join('.') } : null
    case RRType.AAAA: {
      if (end - rdata !== 16) return null
      const groups = Array.from({ length: 8 }, (_, g) => wire.readUInt16BE(rdata + g * 2).toString(16))
      return { type, address: canonicalIP(groups.join(':'))! }
    }
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS: {
      const target = readName(wire, rdata)
      return target ? { type, target: target.name } : null
    }
    case RRType.SRV: {
      const target = end - rdata > 6 ? readName(wire, rdata + 6) : null
      return target ? { type, priority: wire.readUInt16BE(rdata), weight: wire.readUInt16BE(rdata + 2), port: wire.readUInt16BE(rdata + 4), target: target.name } : null
    }
    case RRType.MX: {
      const exchange = end - rdata > 2 ? readName(wire, rdata + 2) : null
      return exchange ? { type, preference: wire.readUInt16BE(rdata), exchange: exchange.name } : null
    }
    case RRType.SOA: {
      const mname = readName(wire, rdata)
      const rname = mname ? readName(wire, mname.end) : null
      if (!mname || !rname || rname.end + 20 > end) return null
      const [serial, refresh, retry, expire, minimum] = [0, 4, 8, 12, 16].map((i) => wire.readUInt32BE(rname.end + i)) as [number, number, number, number, number]
      return { type, mname: mname.name, rname: rname.name, serial, refresh, retry, expire, minimum }
    }
    case RRType.TXT: {
      const texts: string[] = []
      for (let at = rdata; at < end; at += 1 + wire[at]!) {
        if (at + 1 + wire[at]! > end) return null
        texts.push(wire.toString('utf8', at + 1, at + 1 + wire[at]!))
      }
      return { type, texts }
    }
    default:
      return null
  }
}
