import { canonicalIP } from './address.js'
import { Flag, RRType } from './constants.js'
import type { ResourceRecord } from './message.js'
import { rcodeName } from './type-names.js'
import { readName, recordsStart } from './wire-ttls.js'

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
  const owner = readName(wire, offset)
  if (!owner || owner.end + 10 > wire.length) return null
  const type = wire.readUInt16BE(owner.end)
  const ttl = wire.readUInt32BE(owner.end + 4)
  const rdata = owner.end + 10
  const end = rdata + wire.readUInt16BE(owner.end + 8)
  if (end > wire.length) return null
  const head = `${fqdn(owner.name)} ${ttl} IN ${TYPE_NAMES.get(type) ?? `TYPE${type}`}`
  const name = (at: number): string | null => {
    const read = readName(wire, at)
    return read ? fqdn(read.name) : null
  }
  let data: string | null = null
  switch (type) {
    case RRType.A:
      data = end - rdata === 4 ? [...wire.subarray(rdata, end)].join('.') : null
      break
    case RRType.AAAA:
      data = end - rdata === 16 ? canonicalIP(Array.from({ length: 8 }, (_, g) => wire.readUInt16BE(rdata + g * 2).toString(16)).join(':')) : null
      break
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      data = name(rdata)
      break
    case RRType.SRV:
      data = end - rdata > 6 ? `${wire.readUInt16BE(rdata)} ${wire.readUInt16BE(rdata + 2)} ${wire.readUInt16BE(rdata + 4)} ${name(rdata + 6)}` : null
      break
    case RRType.MX:
      data = end - rdata > 2 ? `${wire.readUInt16BE(rdata)} ${name(rdata + 2)}` : null
      break
    case RRType.SOA: {
      const mname = readName(wire, rdata)
      const rname = mname ? readName(wire, mname.end) : null
      data = mname && rname && rname.end + 20 <= end ? `${fqdn(mname.name)} ${fqdn(rname.name)} ${[0, 4, 8, 12, 16].map((i) => wire.readUInt32BE(rname.end + i)).join(' ')}` : null
      break
    }
    case RRType.TXT: {
      const texts: string[] = []
      for (let at = rdata; at < end; at += 1 + wire[at]!) texts.push(JSON.stringify(wire.toString('utf8', at + 1, Math.min(end, at + 1 + wire[at]!))))
      data = texts.join(' ')
      break
    }
  }
  // RFC 3597's generic form for what is not read above.
  data ??= `\\# ${end - rdata} ${wire.toString('hex', rdata, end)}`.trimEnd()
  return { text: `${head} ${data}`, type, end }
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
