import { isIPv4, isIPv6 } from 'node:net'
import { canonicalIP, ipv6Groups } from './address.js'

/** The PTR owner name of an address (`10.0.0.1` → `1.0.0.10.in-addr.arpa`). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`
  return `${ipv6Nibbles(ip).reverse().join('.')}.ip6.arpa`
}

function ipv6Nibbles(ip: string): string[] {
  return ipv6Groups(ip).flatMap((g) => g.toString(16).padStart(4, '0').split(''))
}

/** The address a full reverse name stands for (canonical text), or null for anything else. */
export function addressOfReverseName(name: string): string | null {
  if (name.endsWith('.in-addr.arpa')) {
    const labels = name.slice(0, -'.in-addr.arpa'.length).split('.')
    if (labels.length !== 4 || labels.some((l) => !/^(0|[1-9]\d{0,2})$/.test(l) || Number(l) > 255)) return null
    return labels.reverse().join('.')
  }
  if (name.endsWith('.ip6.arpa')) {
    const labels = name.slice(0, -'.ip6.arpa'.length).split('.')
    if (labels.length !== 32 || labels.some((l) => !/^[0-9a-f]$/.test(l))) return null
    const hex = labels.reverse().join('')
    return canonicalIP(hex.match(/.{4}/g)!.join(':'))
  }
  return null
}

/**
 * The reverse zones that exactly cover a CIDR, widened to whole labels: octets for IPv4, nibbles
 * for IPv6 (`10.96.0.0/12` → the 16 zones `96.10.in-addr.arpa` … `111.10.in-addr.arpa`). Null when
 * the text is not a CIDR.
 */
export function reverseZonesOfCidr(cidr: string): string[] | null {
  const [address, prefixText, extra] = cidr.split('/')
  if (extra !== undefined || !prefixText || !/^\d+$/.test(prefixText)) return null
  const prefix = Number(prefixText)
  if (isIPv4(address!)) {
    if (prefix > 32) return null
    return widen(address!.split('.').map(Number), 8, prefix, (labels) => [...labels.map(String).reverse(), 'in-addr', 'arpa'].join('.'))
  }
  if (isIPv6(address!)) {
    if (prefix > 128) return null
    const nibbles = ipv6Nibbles(address!).map((n) => parseInt(n, 16))
    return widen(nibbles, 4, prefix, (labels) => [...labels.map((n) => n.toString(16)).reverse(), 'ip6', 'arpa'].join('.'))
  }
  return null
}

/** Expands a prefix that ends inside a label into one zone per value of that label. */
function widen(units: number[], bitsPerUnit: number, prefix: number, zoneOf: (units: number[]) => string): string[] {
  const whole = Math.floor(prefix / bitsPerUnit)
  const spare = prefix % bitsPerUnit
  if (spare === 0) return [zoneOf(units.slice(0, whole))]
  const span = 1 << (bitsPerUnit - spare)
  const first = units[whole]! & ~(span - 1) & ((1 << bitsPerUnit) - 1)
  const zones: string[] = []
  for (let v = first; v < first + span; v++) zones.push(zoneOf([...units.slice(0, whole), v]))
  return zones
}
