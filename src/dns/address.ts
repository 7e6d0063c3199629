import { isIPv4, isIPv6 } from 'node:net'

/** Writes a dotted IPv4 address as 4 bytes at `offset`. The caller has validated it. */
export function writeIPv4(address: string, buf: Buffer, offset: number): void {
  let value = 0
  let part = 0
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i)
    if (c === 46) {
      buf[offset + part++] = value
      value = 0
    } else {
      value = value * 10 + (c - 48)
    }
  }
  buf[offset + part] = value
}

/** Expands an IPv6 address (with `::` and an optional dotted IPv4 tail) into its 8 groups. */
export function ipv6Groups(address: string): number[] {
  let text = address
  const lastColon = text.lastIndexOf(':')
  if (text.indexOf('.', lastColon) !== -1) {
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const headGroups = parse(head)
  const tailGroups = tail === undefined ? [] : parse(tail)
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0)
  return [...headGroups, ...zeros, ...tailGroups]
}

/** Writes an IPv6 address as 16 bytes at `offset`. The caller has validated it. */
export function writeIPv6(address: string, buf: Buffer, offset: number): void {
  const groups = ipv6Groups(address)
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(groups[i]!, offset + i * 2)
}

/** The canonical (RFC 5952) text of an IPv4 or IPv6 address, or null when it is not one. */
export function canonicalIP(text: string): string | null {
  // isIPv4 takes no leading zeros, nor anything around the address: what it accepts is canonical.
  if (isIPv4(text)) return text
  if (!isIPv6(text) || text.includes('%')) return null
  const groups = ipv6Groups(text)
  // Longest run of two or more zero groups becomes `::`.
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart === -1) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

/** An address with a port as URLs and logs write it: IPv6 in brackets (`[::1]:53`, `10.0.0.1:53`). */
export const hostPort = (address: string, port: number): string => `${address.includes(':') ? `[${address}]` : address}:${port}`
