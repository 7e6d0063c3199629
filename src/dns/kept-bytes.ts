/**
 * A copy of `bytes` in memory of its own, for bytes kept long (a cached answer). A small Buffer
 * from `Buffer.from` or `allocUnsafe` is a slice of Node's shared pool (`Buffer.poolSize`, 64 KiB on
 * Node 24), and one slice kept keeps its whole slab alive, with every short-lived reply written
 * beside it: up to 64 KiB held per kept answer.
 */
export function keptCopy(bytes: Uint8Array): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length)
  own.set(bytes)
  return own
}
