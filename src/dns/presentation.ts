import { Flag, RRType } from './constants.js'
import type { ResourceRecord } from './message.js'
import { rcodeName } from './type-names.js'
import { recordsStart } from './wire-ttls.js'
import { readWireRecord } from './answer-records.js'

/** A message as dig prints it: the rcode, the header flags, each section's records one a line. */
export interface MessageText {
  readonly rcode: string
  readonly flags: readonly string[]
  readonly answer: readonly string[]
  readonly authority: readonly string[]
  readonly additional: readonly string[]
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([name, value]) => [value, name]))
const fqdn = (name: string): string => (name === '' || name === '.' ? '.' : `${name}.`)
const FLAGS: readonly [number, string][] = [
  [Flag.QR, 'qr'],
  [Flag.AA, 'aa'],
  [Flag.TC, 'tc'],
  [Flag.RD, 'rd'],
  [Flag.RA, 'ra'],
]

/** `name. TTL IN TYPE RDATA`, as dig prints a record (single spaces). */
export function recordText(record: ResourceRecord): string {
  const head = `${fqdn(record.name)} ${record.ttl} IN ${TYPE_NAMES.get(record.type) ?? `TYPE${record.type}`}`
  switch (record.type) {
    case RRType.A:
    case RRType.AAAA:
      return `${head} ${record.address}`
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      return `${head} ${fqdn(record.target)}`
    case RRType.SRV:
      return `${head} ${record.priority} ${record.weight} ${record.port} ${fqdn(record.target)}`
    case RRType.SOA:
      return `${head} ${fqdn(record.mname)} ${fqdn(record.rname)} ${record.serial} ${record.refresh} ${record.retry} ${record.expire} ${record.minimum}`
    case RRType.TXT:
      return `${head} ${record.texts.map((t) => JSON.stringify(t)).join(' ')}`
    case RRType.MX:
      return `${head} ${record.preference} ${fqdn(record.exchange)}`
    case RRType.HINFO:
      return `${head} ${JSON.stringify(record.cpu)} ${JSON.stringify(record.os)}`
  }
}

/** The record at `offset` as dig prints it, and where the next one starts; null when malformed. */
function wireRecordText(wire: Buffer, offset: number): { text: string; type: number; end: number } | null {
  const read = readWireRecord(wire, offset)
  if (!read) return null
  // RFC 3597's generic form for a type not read.
  const head = `${fqdn(read.name)} ${read.ttl} IN ${TYPE_NAMES.get(read.type) ?? `TYPE${read.type}`}`
  const text = read.record ? recordText(read.record) : `${head} ${`\\# ${read.end - read.rdata} ${wire.toString('hex', read.rdata, read.end)}`.trimEnd()}`
  return { text, type: read.type, end: read.end }
}

/** What a client would print of `wire` (a reply as encoded for it); null when it does not parse. */
export function messageText(wire: Buffer): MessageText | null {
  let offset = recordsStart(wire)
  if (offset < 0) return null
  const sections: string[][] = [[], [], []]
  for (const [i, count] of [wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)].entries()) {
    for (let n = 0; n < count; n++) {
      const record = wireRecordText(wire, offset)
      if (!record) return null
      if (record.type !== RRType.OPT) sections[i]!.push(record.text)
      offset = record.end
    }
  }
  const word = wire.readUInt16BE(2)
  return {
    rcode: rcodeName(word & 0xf),
    flags: FLAGS.filter(([bit]) => word & bit).map(([, name]) => name),
    answer: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  }
}
