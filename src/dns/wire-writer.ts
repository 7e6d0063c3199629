import { NameEncodingError } from '../errors.js'
import { labelEnd, MAX_LABEL, MAX_NAME_WIRE, nameLabels } from './names.js'

/**
 * A growable DNS wire buffer with name compression (RFC 1035 4.1.4). dns-packet's encoder does not
 * compress, which makes answers two to three times larger than CoreDNS's and pushes ordinary
 * answers past the 512 bytes a client without EDNS accepts.
 */
const MAX_POINTER = 0x3fff
/** Names up to this many characters fit 255 bytes whatever they hold. */
const MAX_TEXT_UNCOUNTED = Math.floor((MAX_NAME_WIRE - 2) / 3)

/** Names whose text round-trips through the wire unchanged (printable ASCII, no dot or backslash in a label). */
function isPlainName(name: string): boolean {
  return /^[\x21-\x2d\x2f-\x5b\x5d-\x7e]+(\.[\x21-\x2d\x2f-\x5b\x5d-\x7e]+)*$/.test(name)
}

export class WireWriter {
  buf: Buffer
  offset = 0
  /** Name suffix (exact letters) to where it was written, for pointers. */
  private readonly written = new Map<string, number>()

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  reset(): void {
    this.offset = 0
    this.written.clear()
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.offset + bytes) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.offset)
    this.buf = next
  }

  u8(value: number): void {
    this.ensure(1)
    this.buf[this.offset++] = value
  }

  u16(value: number): void {
    this.ensure(2)
    this.buf.writeUInt16BE(value, this.offset)
    this.offset += 2
  }

  u32(value: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(value >>> 0, this.offset)
    this.offset += 4
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length)
    this.buf.set(data, this.offset)
    this.offset += data.length
  }

  /** Writes a record's owner, type, class and TTL; returns where its RDLENGTH goes, for `endRecord`. */
  beginRecord(name: string, type: number, klass: number, ttl: number): number {
    this.name(name)
    this.u16(type)
    this.u16(klass)
    this.u32(ttl)
    return this.reserve(2)
  }

  /** Fills in RDLENGTH once the record's data is written. */
  endRecord(lengthAt: number): void {
    this.buf.writeUInt16BE(this.offset - lengthAt - 2, lengthAt)
  }

  /** Reserves `length` bytes for the caller to fill at the returned offset. */
  reserve(length: number): number {
    this.ensure(length)
    const at = this.offset
    this.offset += length
    return at
  }

  /**
   * Remembers that `name` stands at `offset` (e.g. the echoed question), so later names point at
   * it; a name whose text would not round-trip through the wire is not remembered.
   */
  remember(name: string, offset: number): void {
    if (!isPlainName(name)) return
    let start = 0
    while (start < name.length && offset <= MAX_POINTER) {
      if (!this.written.has(name.slice(start))) this.written.set(name.slice(start), offset)
      const dot = name.indexOf('.', start)
      if (dot === -1) break
      offset += dot - start + 1
      start = dot + 1
    }
  }

  /**
   * Writes `name` (presentation form, no trailing dot; '' is the root). With `compress`, the longest
   * suffix already written becomes a pointer; either way the suffixes written here can be pointed
   * at later. Throws NameEncodingError rather than write a label over 63 bytes, an empty label or a
   * name over 255 bytes: a malformed reply never leaves.
   */
  name(name: string, compress = true): void {
    if (name.includes('\\')) {
      this.escapedName(name, compress)
      return
    }
    // A UTF-16 unit is at most 3 bytes: only long names need their bytes counted.
    if (name.length > MAX_TEXT_UNCOUNTED && Buffer.byteLength(name) + 2 > MAX_NAME_WIRE) throw new NameEncodingError(name)
    let start = 0
    while (start < name.length) {
      if (this.pointTo(name, start, compress)) return
      let dot = name.indexOf('.', start)
      if (dot === -1) dot = name.length
      const length = Buffer.byteLength(name.slice(start, dot))
      if (length === 0 || length > MAX_LABEL) throw new NameEncodingError(name)
      this.ensure(length + 1)
      this.buf[this.offset++] = length
      this.offset += this.buf.write(name.slice(start, dot), this.offset, 'utf8')
      start = dot + 1
    }
    this.u8(0)
  }

  /** A name with escapes (`\.`, `\DDD`): its labels are read as bytes first. */
  private escapedName(name: string, compress: boolean): void {
    const labels = nameLabels(name)
    if (labels === null) throw new NameEncodingError(name)
    let start = 0
    for (const label of labels) {
      if (this.pointTo(name, start, compress)) return
      this.u8(label.length)
      this.bytes(label)
      start = labelEnd(name, start) + 1
    }
    this.u8(0)
  }

  /** Writes a pointer to the suffix of `name` from `start` when it was written before; else remembers it. */
  private pointTo(name: string, start: number, compress: boolean): boolean {
    const suffix = name.slice(start)
    if (compress) {
      const at = this.written.get(suffix)
      if (at !== undefined) {
        this.u16(0xc000 | at)
        return true
      }
    }
    if (this.offset <= MAX_POINTER && !this.written.has(suffix)) this.written.set(suffix, this.offset)
    return false
  }
}
