import { CLASSIC_UDP_SIZE, DO_BIT, Flag, HEADER_SIZE, OPCODE_MASK, RRClass, RRType } from './constants.js'
import { MAX_LABEL, MAX_NAME_WIRE } from './names.js'

/**
 * The part of a query an answer cache keys on, read by hand from the bytes: the question, and the
 * header and OPT bits a reply depends on. Filled in place (one per caller) so reading allocates
 * nothing.
 */
export interface PlainQuery {
  /** Where the question (name, type, class) ends; it starts at the header's end. */
  questionEnd: number
  /** RD, CD, EDNS present and DO, as `Variant` bits. */
  variant: number
  /** The payload size its OPT record gives (512 without EDNS): echoed in the reply's. */
  udpSize: number
  /** FNV-1a of the question with ASCII letters lower-cased, and of `variant`. */
  hash: number
}

/** The bits of `PlainQuery.variant`. */
export const Variant = { RD: 1, CD: 2, EDNS: 4, DO: 8 } as const

/** A root-owned OPT record without options: owner, type, payload size, rcode/version/flags, RDLENGTH. */
const BARE_OPT_SIZE = 11
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const UPPER_A = 0x41
const UPPER_Z = 0x5a
const CASE_BIT = 0x20

/**
 * Reads a query of the one shape worth caching the answer to: opcode QUERY, one IN question whose
 * name holds no pointer, nothing else but at most one bare OPT record (version 0, no options), and
 * no byte after it. Anything else (including what the full decoder would refuse) returns false and
 * takes the full decode.
 */
export function readPlainQuery(packet: Buffer, into: PlainQuery): boolean {
  const length = packet.length
  if (length < HEADER_SIZE + 5) return false
  const flags = (packet[2]! << 8) | packet[3]!
  if (flags & (Flag.QR | OPCODE_MASK)) return false
  // QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
  if (packet[4] !== 0 || packet[5] !== 1 || packet[6] !== 0 || packet[7] !== 0 || packet[8] !== 0 || packet[9] !== 0 || packet[10] !== 0) return false
  const additional = packet[11]!
  if (additional > 1) return false
  let hash = FNV_OFFSET
  let offset = HEADER_SIZE
  for (;;) {
    if (offset >= length) return false
    const labelLength = packet[offset]!
    if (labelLength === 0) break
    if (labelLength > MAX_LABEL) return false
    const end = offset + 1 + labelLength
    if (end > length || end - HEADER_SIZE >= MAX_NAME_WIRE) return false
    hash = Math.imul(hash ^ labelLength, FNV_PRIME)
    for (let i = offset + 1; i < end; i++) hash = Math.imul(hash ^ foldCase(packet[i]!), FNV_PRIME)
    offset = end
  }
  const questionEnd = offset + 5
  if (questionEnd > length) return false
  const type = (packet[offset + 1]! << 8) | packet[offset + 2]!
  if (type === RRType.AXFR || type === RRType.IXFR || packet[offset + 3] !== 0 || packet[offset + 4] !== RRClass.IN) return false
  hash = Math.imul(Math.imul(hash ^ (type >> 8), FNV_PRIME) ^ (type & 0xff), FNV_PRIME)
  let variant = (flags & Flag.RD ? Variant.RD : 0) | (flags & Flag.CD ? Variant.CD : 0)
  let udpSize = CLASSIC_UDP_SIZE
  if (additional === 1) {
    const opt = questionEnd
    // Owner root, type OPT, extended rcode and version 0, RDLENGTH 0, and the packet ends there.
    if (length !== opt + BARE_OPT_SIZE || packet[opt] !== 0 || packet.readUInt16BE(opt + 1) !== RRType.OPT) return false
    if (packet[opt + 5] !== 0 || packet[opt + 6] !== 0 || packet[opt + 9] !== 0 || packet[opt + 10] !== 0) return false
    variant |= Variant.EDNS | (packet.readUInt16BE(opt + 7) & DO_BIT ? Variant.DO : 0)
    udpSize = packet.readUInt16BE(opt + 3)
  } else if (length !== questionEnd) {
    return false
  }
  into.questionEnd = questionEnd
  into.variant = variant
  into.udpSize = udpSize
  into.hash = Math.imul(hash ^ variant, FNV_PRIME) >>> 0
  return true
}

/** Whether two questions (name, type, class) are the same but for the letter case of the name. */
export function sameQuestion(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): boolean {
  const nameLength = length - 4
  for (let i = 0; i < nameLength; i++) {
    const x = a[aStart + i]!
    const y = b[bStart + i]!
    if (x !== y && foldCase(x) !== foldCase(y)) return false
  }
  for (let i = nameLength; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false
  return true
}

/** An ASCII capital as its small letter; every other byte as it is (names are bytes). */
function foldCase(byte: number): number {
  return byte >= UPPER_A && byte <= UPPER_Z ? byte | CASE_BIT : byte
}
