/** Over TCP each DNS message is preceded by its length in two bytes (RFC 1035 §4.2.2, RFC 7766). */
const LENGTH_PREFIX = 2
const EMPTY = Buffer.alloc(0)

/** `message` with its two-byte length in front, ready to write to a TCP stream. */
export function framed(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_PREFIX + message.length)
  out.writeUInt16BE(message.length, 0)
  message.copy(out, LENGTH_PREFIX)
  return out
}

/** Collects a TCP stream's chunks and hands out each whole message once its last byte arrives. */
export class FrameReader {
  private pending: Buffer = EMPTY

  /** The messages `chunk` completes, in order (copies: the stream's buffers are not kept). */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const messages: Buffer[] = []
    while (this.pending.length >= LENGTH_PREFIX) {
      const end = LENGTH_PREFIX + this.pending.readUInt16BE(0)
      if (this.pending.length < end) break
      messages.push(Buffer.from(this.pending.subarray(LENGTH_PREFIX, end)))
      this.pending = this.pending.subarray(end)
    }
    return messages
  }

  /** Bytes of a message begun but not yet complete. */
  get partial(): number {
    return this.pending.length
  }
}
