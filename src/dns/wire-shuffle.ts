import { HEADER_SIZE, RRType } from './constants.js'
import { skipName } from './wire-ttls.js'
import { shuffleInPlace } from '../random.js'

/** Offsets that every compression pointer in the message points at; null when it does not parse. */
function pointerTargets(wire: Buffer, nameOffsets: number[]): Set<number> | null {
  const targets = new Set<number>()
  for (let offset of nameOffsets) {
    for (let guard = 0; guard < 128; guard++) {
      if (offset >= wire.length) return null
      const length = wire[offset]!
      if (length === 0) break
      if ((length & 0xc0) === 0xc0) {
        targets.add(((length & 0x3f) << 8) | wire[offset + 1]!)
        break
      }
      offset += 1 + length
    }
  }
  return targets
}

/** Where names sit in each type's rdata that this scan knows to hold one (to find every pointer). */
const NAME_RDATA: Record<number, (wire: Buffer, rdata: number) => number[]> = {
  [RRType.CNAME]: (_w, r) => [r],
  [RRType.NS]: (_w, r) => [r],
  [RRType.PTR]: (_w, r) => [r],
  [RRType.MX]: (_w, r) => [r + 2],
  [RRType.SRV]: (_w, r) => [r + 6],
  [RRType.SOA]: (w, r) => [r, skipName(w, r)],
}

/**
 * Shuffles the A and AAAA records of the answer section in place, by swapping whole records of
 * one type. Done only where it is safe: each moved record's owner is a two-byte pointer, and no
 * pointer in the message points into a moved record. Returns whether anything moved.
 */
export function shuffleAddressRecords(wire: Buffer, random: () => number = Math.random): boolean {
  if (wire.length < HEADER_SIZE) return false
  const sections = [wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)]
  const nameOffsets: number[] = []
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    nameOffsets.push(offset)
    offset = skipName(wire, offset)
    if (offset < 0) return false
    offset += 4
  }
  const movable = new Map<number, Array<{ start: number; end: number }>>()
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < sections[s]!; i++) {
      const start = offset
      nameOffsets.push(offset)
      offset = skipName(wire, offset)
      if (offset < 0 || offset + 10 > wire.length) return false
      const type = wire.readUInt16BE(offset)
      const rdata = offset + 10
      const end = rdata + wire.readUInt16BE(offset + 8)
      if (end > wire.length) return false
      for (const at of NAME_RDATA[type]?.(wire, rdata) ?? []) if (at >= 0) nameOffsets.push(at)
      const pointerOwner = offset - start === 2
      if (s === 0 && pointerOwner && (type === RRType.A || type === RRType.AAAA)) {
        if (!movable.has(type)) movable.set(type, [])
        movable.get(type)!.push({ start, end })
      }
      offset = end
    }
  }
  const targets = pointerTargets(wire, nameOffsets)
  if (!targets) return false
  let moved = false
  for (const records of movable.values()) {
    if (records.length < 2) continue
    if ([...targets].some((t) => records.some((r) => t >= r.start && t < r.end))) continue
    const blocks = shuffleInPlace(records.map((r) => Buffer.from(wire.subarray(r.start, r.end))), random)
    records.forEach((r, i) => blocks[i]!.copy(wire, r.start))
    moved = true
  }
  return moved
}
