import { HEADER_SIZE, RRType } from './constants.js'
import type { ResourceRecord } from './message.js'
import { writeRecord } from './response-encoder.js'
import { readName } from './wire-ttls.js'
import { WireWriter } from './wire-writer.js'

/** A record of a relayed message: its rdata as names (decompressed) and raw bytes, in order. */
interface RelayedRecord {
  name: string
  readonly type: number
  readonly class: number
  ttl: number
  rdata: Array<string | Buffer>
}

/** The types whose rdata may hold compressed names (RFC 1035 and SRV), and where: 'n' a name, a number raw bytes. */
const RDATA_LAYOUT: ReadonlyMap<number, ReadonlyArray<'n' | number>> = new Map<number, ReadonlyArray<'n' | number>>([
  [RRType.CNAME, ['n']],
  [RRType.NS, ['n']],
  [RRType.PTR, ['n']],
  [RRType.MX, [2, 'n']],
  [RRType.SRV, [6, 'n']],
  [RRType.SOA, ['n', 'n', 20]],
])

/** What to change in a relayed reply: the question it answers, names, records to put first. */
export interface RelayedRewrite {
  /** The client's question section, written as it is. */
  readonly questionWire: Buffer
  /** The question's name, so later names can point into it. */
  readonly questionName: string
  /** A new owner or target name for a name of the message (return it to keep it). */
  readonly rename?: (name: string) => string
  /** A new owner name, after `rename`. */
  readonly renameOwner?: (name: string) => string
  /** A new name for names inside record data (CNAME, NS, PTR, MX, SRV, SOA), after `rename`. */
  readonly renameData?: (name: string) => string
  /** A record's new TTL (the OPT record is left alone). */
  readonly ttl?: (ttl: number) => number
  /** The message's new rcode (its low four bits). */
  readonly rcode?: (rcode: number) => number
  /** Which options of the OPT record to keep. */
  readonly keepOption?: (code: number) => boolean
  /** Records to put before the answer section's own; given that section's first TTL. */
  readonly prepend?: (firstAnswerTtl: number | null) => readonly ResourceRecord[]
}

/**
 * A relayed message (from forward) rebuilt around another question: every name is decompressed,
 * renamed if asked, and written again with compression, so no pointer is left pointing into the
 * old question. Flags and the OPT record stay as the upstream sent them unless `rcode` or
 * `keepOption` change them. Null when it does not parse.
 */
export function rewriteRelayed(wire: Buffer, rewrite: RelayedRewrite): Buffer | null {
  const sections = readSections(wire)
  if (!sections) return null
  const rename = rewrite.rename ?? ((name: string) => name)
  const renameData = rewrite.renameData ?? ((name: string) => name)
  const renameOwner = rewrite.renameOwner ?? ((name: string) => name)
  for (const record of sections.flat()) {
    if (record.type === RRType.OPT) {
      if (rewrite.keepOption) record.rdata = [keptOptions(record.rdata[0] as Buffer, rewrite.keepOption)]
      continue
    }
    record.name = renameOwner(rename(record.name))
    record.rdata = record.rdata.map((part) => (typeof part === 'string' ? renameData(rename(part)) : part))
    if (rewrite.ttl) record.ttl = rewrite.ttl(record.ttl)
  }
  const first = rewrite.prepend?.(sections[0][0]?.ttl ?? null) ?? []
  const w = new WireWriter(wire.length + 256)
  w.reserve(HEADER_SIZE)
  w.bytes(rewrite.questionWire)
  w.remember(rewrite.questionName, HEADER_SIZE)
  for (const record of first) writeRecord(record, w)
  for (const section of sections) for (const record of section) writeRelayedRecord(record, w)
  const out = Buffer.from(w.buf.subarray(0, w.offset))
  wire.copy(out, 0, 0, 4) // ID and flags
  if (rewrite.rcode) out[3] = (out[3]! & 0xf0) | (rewrite.rcode(out[3]! & 0x0f) & 0x0f)
  out.writeUInt16BE(1, 4)
  out.writeUInt16BE(first.length + sections[0].length, 6)
  out.writeUInt16BE(sections[1].length, 8)
  out.writeUInt16BE(sections[2].length, 10)
  return out
}

/** An OPT record's rdata without the options `keep` refuses (a malformed tail is kept as it is). */
function keptOptions(rdata: Buffer, keep: (code: number) => boolean): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + 4 <= rdata.length) {
    const end = offset + 4 + rdata.readUInt16BE(offset + 2)
    if (end > rdata.length) break
    if (keep(rdata.readUInt16BE(offset))) parts.push(rdata.subarray(offset, end))
    offset = end
  }
  parts.push(rdata.subarray(offset))
  return Buffer.concat(parts)
}

function readSections(wire: Buffer): [RelayedRecord[], RelayedRecord[], RelayedRecord[]] | null {
  if (wire.length < HEADER_SIZE) return null
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    const name = readName(wire, offset)
    if (!name || name.end + 4 > wire.length) return null
    offset = name.end + 4
  }
  const sections: [RelayedRecord[], RelayedRecord[], RelayedRecord[]] = [[], [], []]
  for (let s = 0; s < 3; s++) {
    for (let count = wire.readUInt16BE(6 + 2 * s); count > 0; count--) {
      const owner = readName(wire, offset)
      if (!owner || owner.end + 10 > wire.length) return null
      offset = owner.end
      const type = wire.readUInt16BE(offset)
      const rdlength = wire.readUInt16BE(offset + 8)
      const start = offset + 10
      const end = start + rdlength
      if (end > wire.length) return null
      const rdata = readRdata(wire, type, start, end)
      if (!rdata) return null
      sections[s]!.push({ name: owner.name, type, class: wire.readUInt16BE(offset + 2), ttl: wire.readUInt32BE(offset + 4), rdata })
      offset = end
    }
  }
  return sections
}

function readRdata(wire: Buffer, type: number, start: number, end: number): Array<string | Buffer> | null {
  const layout = RDATA_LAYOUT.get(type)
  if (!layout) return [Buffer.from(wire.subarray(start, end))]
  const parts: Array<string | Buffer> = []
  let offset = start
  for (const part of layout) {
    if (part === 'n') {
      const name = readName(wire, offset)
      if (!name || name.end > end) return null
      parts.push(name.name)
      offset = name.end
    } else {
      if (offset + part > end) return null
      parts.push(Buffer.from(wire.subarray(offset, offset + part)))
      offset += part
    }
  }
  return offset === end ? parts : null
}

function writeRelayedRecord(record: RelayedRecord, w: WireWriter): void {
  const lengthAt = w.beginRecord(record.name, record.type, record.class, record.ttl)
  // RFC 3597: only RFC 1035's types may be compressed; SRV's target never is (RFC 2782).
  for (const part of record.rdata) typeof part === 'string' ? w.name(part, record.type !== RRType.SRV) : w.bytes(part)
  w.endRecord(lengthAt)
}
