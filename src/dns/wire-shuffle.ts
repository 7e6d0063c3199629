import { HEADER_SIZE, RRType } from './constants.js'
import { recordSpans, skipName, type MessageSpans } from './wire-ttls.js'
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
 * A and AAAA records the answer holds in all; null when the message does not parse. `spans`: the
 * message's records, when the caller has them already.
 */
export function addressRecordGroups(
  wire: Buffer,
  spans: MessageSpans | null = recordSpans(wire),
): { readonly groups: readonly AddressGroup[]; readonly addresses: number; readonly types: number } | null {
  if (!spans) return null
  const nameOffsets: number[] = []
  // The question's names (they parsed, as `spans` says): where a pointer might hide too.
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    nameOffsets.push(offset)
    offset = skipName(wire, offset) + 4
  }
  const byType = new Map<number, Array<{ start: number; end: number }>>()
  let addresses = 0
  const types = new Set<number>()
  spans.sections.forEach((section, s) => {
    for (const { start, end, type, rdlengthAt } of section) {
      nameOffsets.push(start)
      for (const at of NAME_RDATA[type]?.(wire, rdlengthAt + 2) ?? []) if (at >= 0) nameOffsets.push(at)
      if (s !== 0 || (type !== RRType.A && type !== RRType.AAAA)) continue
      addresses++
      types.add(type)
      // Owner, then type, class and TTL (8 bytes) before RDLENGTH: 10 bytes when the owner is a pointer.
      if (rdlengthAt - start === 10) {
        if (!byType.has(type)) byType.set(type, [])
        byType.get(type)!.push({ start, end })
      }
    }
  })
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
