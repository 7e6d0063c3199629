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

/** The answer section's A or AAAA records whose owner is a two-byte pointer, as swapping spans. */
export interface AddressGroup {
  readonly records: ReadonlyArray<{ readonly start: number; readonly end: number }>
  /** No pointer in the message points into one of them: they can trade places. */
  readonly movable: boolean
}

/**
 * The answer section's address records that a shuffle may move, one group per type, and how many
 * A and AAAA records the answer holds in all; null when the message does not parse.
 */
export function addressRecordGroups(wire: Buffer): { readonly groups: readonly AddressGroup[]; readonly addresses: number; readonly types: number } | null {
  if (wire.length < HEADER_SIZE) return null
  const sections = [wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)]
  const nameOffsets: number[] = []
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    nameOffsets.push(offset)
    offset = skipName(wire, offset)
    if (offset < 0) return null
    offset += 4
  }
  const byType = new Map<number, Array<{ start: number; end: number }>>()
  let addresses = 0
  const types = new Set<number>()
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < sections[s]!; i++) {
      const start = offset
      nameOffsets.push(offset)
      offset = skipName(wire, offset)
      if (offset < 0 || offset + 10 > wire.length) return null
      const type = wire.readUInt16BE(offset)
      const rdata = offset + 10
      const end = rdata + wire.readUInt16BE(offset + 8)
      if (end > wire.length) return null
      for (const at of NAME_RDATA[type]?.(wire, rdata) ?? []) if (at >= 0) nameOffsets.push(at)
      if (s === 0 && (type === RRType.A || type === RRType.AAAA)) {
        addresses++
        types.add(type)
        if (offset - start === 2) {
          if (!byType.has(type)) byType.set(type, [])
          byType.get(type)!.push({ start, end })
        }
      }
      offset = end
    }
  }
  const targets = pointerTargets(wire, nameOffsets)
  if (!targets) return null
  const groups = [...byType.values()].map((records) => ({ records, movable: ![...targets].some((t) => records.some((r) => t >= r.start && t < r.end)) }))
  return { groups, addresses, types: types.size }
}

/** Puts each movable group's records in a random order in place; returns whether anything moved. */
export function shuffleGroups(wire: Buffer, groups: readonly AddressGroup[], random: () => number = Math.random): boolean {
  let moved = false
  for (const { records, movable } of groups) {
    if (!movable || records.length < 2) continue
    const blocks = shuffleInPlace(records.map((r) => Buffer.from(wire.subarray(r.start, r.end))), random)
    records.forEach((r, i) => blocks[i]!.copy(wire, r.start))
    moved = true
  }
  return moved
}

/**
 * Shuffles the A and AAAA records of the answer section in place, by swapping whole records of
 * one type. Done only where it is safe: each moved record's owner is a two-byte pointer, and no
 * pointer in the message points into a moved record. Returns whether anything moved.
 */
export function shuffleAddressRecords(wire: Buffer, random: () => number = Math.random): boolean {
  const found = addressRecordGroups(wire)
  return found !== null && shuffleGroups(wire, found.groups, random)
}
