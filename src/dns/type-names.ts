import { Rcode } from './constants.js'

/** The query types CoreDNS's metrics name; every other type is counted as `other`. */
const MONITORED_TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR',
  43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 64: 'SVCB', 65: 'HTTPS', 251: 'IXFR', 252: 'AXFR', 255: 'ANY',
}

export function metricTypeName(type: number): string {
  return MONITORED_TYPES[type] ?? 'other'
}

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, value]) => [value, name]))

/** `NOERROR`, `NXDOMAIN`…, or the number for one without a name here. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? String(rcode)
}

const TYPE_NUMBERS = new Map<string, number>(Object.entries(MONITORED_TYPES).map(([n, name]) => [name, Number(n)]))

/** A record type by its name (`A`, `MX`… as metrics know them, or `TYPE123`), or null. */
export function typeNumber(text: string): number | null {
  const upper = text.toUpperCase()
  const generic = /^TYPE(\d{1,5})$/.exec(upper)
  if (generic) return Number(generic[1]) <= 0xffff ? Number(generic[1]) : null
  return TYPE_NUMBERS.get(upper) ?? null
}
