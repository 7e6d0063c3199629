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

/** Type mnemonics a Corefile may name (`template IN AAAA`, `acl { block type MX }`). */
const TYPE_NUMBERS = new Map<string, number>(
  Object.entries({
    A: 1, NS: 2, CNAME: 5, SOA: 6, NULL: 10, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, LOC: 29, SRV: 33, NAPTR: 35,
    DNAME: 39, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, CDS: 59,
    CDNSKEY: 60, SVCB: 64, HTTPS: 65, SPF: 99, IXFR: 251, AXFR: 252, ANY: 255, URI: 256, CAA: 257,
  }),
)
const TYPE_MNEMONICS = new Map([...TYPE_NUMBERS].map(([name, value]) => [value, name]))

/** The type a mnemonic (any letter case) or `TYPEnnn` (RFC 3597) names, or null. */
export function typeNumber(text: string): number | null {
  const upper = text.toUpperCase()
  const generic = /^TYPE(\d{1,5})$/.exec(upper)
  if (generic) return Number(generic[1]) <= 0xffff ? Number(generic[1]) : null
  return TYPE_NUMBERS.get(upper) ?? null
}

/** A type's mnemonic, or `TYPEnnn` for one without a name here. */
export function typeName(type: number): string {
  return TYPE_MNEMONICS.get(type) ?? `TYPE${type}`
}

/** Class mnemonics (RFC 1035 3.2.4; NONE is RFC 2136's). */
const CLASS_NUMBERS = new Map<string, number>([['IN', 1], ['CH', 3], ['HS', 4], ['NONE', 254], ['ANY', 255]])
const CLASS_MNEMONICS = new Map([...CLASS_NUMBERS].map(([name, value]) => [value, name]))

export function classNumber(text: string): number | null {
  return CLASS_NUMBERS.get(text.toUpperCase()) ?? null
}

export function className(klass: number): string {
  return CLASS_MNEMONICS.get(klass) ?? `CLASS${klass}`
}

/** Response codes by name as CoreDNS's Corefiles write them (miekg/dns RcodeToString). */
const RCODE_NUMBERS = new Map<string, number>(
  Object.entries({
    NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8,
    NOTAUTH: 9, NOTZONE: 10, BADSIG: 16, BADVERS: 16, BADKEY: 17, BADTIME: 18, BADMODE: 19, BADNAME: 20, BADALG: 21,
    BADTRUNC: 22, BADCOOKIE: 23,
  }),
)

export function rcodeNumber(text: string): number | null {
  return RCODE_NUMBERS.get(text.toUpperCase()) ?? null
}
