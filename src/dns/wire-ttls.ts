import { HEADER_SIZE, RRType } from './constants.js'
import { labelText, MAX_LABEL, MAX_NAME_WIRE } from './names.js'

/** Where a message's TTLs are, and what caching needs to know of them. */
export interface WireTtls {
  /** Offsets of the TTL field of every record but OPT. */
  readonly offsets: readonly number[]
  /** The smallest TTL in the answer and authority sections, or null when they are empty. */
  readonly minTtl: number | null
  /** The authority SOA's own TTL and its MINIMUM field (negative caching, RFC 2308). */
  readonly soa: { readonly ttl: number; readonly minimum: number } | null
}

/** Skips a (possibly compressed) name; the offset after it, -1 when the message ends first, -2 when unreadable. */
export function skipName(wire: Buffer, offset: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (offset >= wire.length) return -1
    const length = wire[offset]!
    if (length === 0) return offset + 1
    if ((length & 0xc0) === 0xc0) return offset + 2 <= wire.length ? offset + 2 : -1
    // 0x40 and 0x80 are label types nobody uses (RFC 6891 5): unreadable.
    if (length > 63) return -2
    offset += 1 + length
  }
  return -2
}

/**
 * Reads a (possibly compressed) name in presentation form, each label escaped as the query decoder
 * writes it (`\.`, `\DDD`); `end` is the offset after it where it stands. Null when malformed, over
 * 255 bytes, or a pointer loops.
 */
export function readName(wire: Buffer, offset: number): { readonly name: string; readonly end: number } | null {
  let name = ''
  let end = -1
  let wireLength = 1
  for (let jumps = 0; jumps < 128; ) {
    if (offset >= wire.length) return null
    const length = wire[offset]!
    if (length === 0) return { name, end: end === -1 ? offset + 1 : end }
    if ((length & 0xc0) === 0xc0) {
      if (offset + 2 > wire.length) return null
      if (end === -1) end = offset + 2
      offset = wire.readUInt16BE(offset) & 0x3fff
      jumps++
      continue
    }
    if (length > MAX_LABEL || offset + 1 + length > wire.length) return null
    wireLength += 1 + length
    if (wireLength > MAX_NAME_WIRE) return null
    const label = labelText(wire, offset + 1, offset + 1 + length)
    name = name === '' ? label : `${name}.${label}`
    offset += 1 + length
  }
  return null
}

/** Where a message's first record starts, after its question section; -1 when that does not parse. */
export function recordsStart(wire: Buffer): number {
  if (wire.length < HEADER_SIZE) return -1
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    offset = skipName(wire, offset)
    if (offset < 0 || offset + 4 > wire.length) return -1
    offset += 4
  }
  return offset
}

/** Where one record of a message stands: from its owner name to the end of its rdata. */
export interface RecordSpan {
  readonly start: number
  readonly end: number
  readonly type: number
  readonly rdlengthAt: number
}

/** The end of the question section and every record's span, per section; null when it does not parse. */
export function recordSpans(wire: Buffer): MessageSpans | null {
  const spans = messageSpans(wire)
  return typeof spans === 'string' ? null : spans
}

export interface MessageSpans {
  readonly questionEnd: number
  readonly sections: readonly RecordSpan[][]
}

/**
 * As `recordSpans`, but a message that does not parse says why: `short` when it ends before its
 * counts and lengths say (cut, as a too small buffer cuts it), `unreadable` otherwise.
 */
export function messageSpans(wire: Buffer): MessageSpans | 'short' | 'unreadable' {
  if (wire.length < HEADER_SIZE) return 'short'
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    offset = skipName(wire, offset)
    if (offset < 0 || offset + 4 > wire.length) return offset === -2 ? 'unreadable' : 'short'
    offset += 4
  }
  const questionEnd = offset
  const sections: RecordSpan[][] = [[], [], []]
  for (let s = 0; s < 3; s++) {
    for (let count = wire.readUInt16BE(6 + 2 * s); count > 0; count--) {
      const start = offset
      offset = skipName(wire, offset)
      if (offset < 0 || offset + 10 > wire.length) return offset === -2 ? 'unreadable' : 'short'
      const end = offset + 10 + wire.readUInt16BE(offset + 8)
      if (end > wire.length) return 'short'
      sections[s]!.push({ start, end, type: wire.readUInt16BE(offset), rdlengthAt: offset + 8 })
      offset = end
    }
  }
  return { questionEnd, sections }
}

/** Scans a whole message (as written by us or an upstream); null when it does not parse. */
export function scanTtls(wire: Buffer): WireTtls | null {
  let offset = recordsStart(wire)
  if (offset < 0) return null
  const counts = [wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)]
  const offsets: number[] = []
  let minTtl: number | null = null
  let soa: WireTtls['soa'] = null
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < counts[section]!; i++) {
      offset = skipName(wire, offset)
      if (offset < 0 || offset + 10 > wire.length) return null
      const type = wire.readUInt16BE(offset)
      const ttl = wire.readUInt32BE(offset + 4)
      const rdlength = wire.readUInt16BE(offset + 8)
      const rdata = offset + 10
      if (rdata + rdlength > wire.length) return null
      if (type !== RRType.OPT) {
        offsets.push(offset + 4)
        if (section < 2) minTtl = minTtl === null ? ttl : Math.min(minTtl, ttl)
        if (section === 1 && type === RRType.SOA && rdlength >= 20) soa = { ttl, minimum: wire.readUInt32BE(rdata + rdlength - 4) }
      }
      offset = rdata + rdlength
    }
  }
  return { offsets, minTtl, soa }
}
