/**
 * `parts` copied one after the other into memory of their own, for bytes kept long (a cached
 * answer). A small Buffer from `Buffer.from` or `allocUnsafe` is a slice of Node's shared pool
 * (`Buffer.poolSize`, 64 KiB on Node 24), and one slice kept keeps its whole slab alive, with every
 * short-lived reply written beside it: up to 64 KiB held per kept answer.
 */
export function keptCopy(...parts: readonly Uint8Array[]): Buffer {
  let length = 0
  for (const part of parts) length += part.length
  const own = Buffer.allocUnsafeSlow(length)
  let at = 0
  for (const part of parts) {
    own.set(part, at)
    at += part.length
  }
  return own
}
