import { randomInt } from 'node:crypto'
import { Flag, HEADER_SIZE, RRType, SERVER_UDP_SIZE } from './constants.js'

/**
 * A query this server sends (to an upstream, or to itself): a fresh random ID, the RD and CD bits
 * of `flags`, the exact question bytes, and an OPT record (our payload size, the DO bit) only
 * when `edns` is given.
 */
export function queryPacket(flags: number, questionWire: Buffer, edns: { dnssecOk: boolean } | null): Buffer {
  const opt = edns ? Buffer.from([0, 0, RRType.OPT, SERVER_UDP_SIZE >> 8, SERVER_UDP_SIZE & 0xff, 0, 0, edns.dnssecOk ? 0x80 : 0, 0, 0, 0]) : Buffer.alloc(0)
  const header = Buffer.alloc(HEADER_SIZE)
  header.writeUInt16BE(randomInt(0x10000), 0)
  header.writeUInt16BE(flags & (Flag.RD | Flag.CD), 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(edns ? 1 : 0, 10)
  return Buffer.concat([header, questionWire, opt])
}
