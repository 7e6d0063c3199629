import { canonicalIP } from './address.js'
import { RRType } from './constants.js'
import type { Reply, ResourceRecord } from './message.js'
import { readName, recordsStart } from './wire-ttls.js'

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
    const owner = readName(wire, offset)
    if (!owner || owner.end + 10 > wire.length) return records
    const type = wire.readUInt16BE(owner.end)
    const ttl = wire.readUInt32BE(owner.end + 4)
    const rdata = owner.end + 10
    const end = rdata + wire.readUInt16BE(owner.end + 8)
    if (end > wire.length) return records
    const record = rdataRecord(wire, type, rdata, end)
    if (record) records.push({ ...record, name: owner.name, ttl } as ResourceRecord)
    offset = end
  }
  return records
}

type Rdata = { type: number; address: string } | { type: number; target: string } | { type: number; texts: string[] }

function rdataRecord(wire: Buffer, type: number, rdata: number, end: number): Rdata | null {
  switch (type) {
    case RRType.A:
      return end - rdata === 4 ? { type, address: [...wire.subarray(rdata, end)].join('.') } : null
    case RRType.AAAA: {
      if (end - rdata !== 16) return null
      const groups = Array.from({ length: 8 }, (_, g) => wire.readUInt16BE(rdata + g * 2).toString(16))
      return { type, address: canonicalIP(groups.join(':'))! }
    }
    case RRType.CNAME: {
      const target = readName(wire, rdata)
      return target ? { type, target: target.name } : null
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
