import type { RRType } from './constants.js'

/**
 * Names are held without the trailing dot; the root is ''. Matching is done on lower case,
 * writing keeps whatever case the name carries.
 */
interface RecordBase {
  readonly name: string
  readonly ttl: number
  /** The record's class; IN when absent (chaos answers in CH). */
  readonly class?: number
}

export interface AddressRecord extends RecordBase {
  readonly type: typeof RRType.A | typeof RRType.AAAA
  readonly address: string
}

export interface NameRecord extends RecordBase {
  readonly type: typeof RRType.CNAME | typeof RRType.PTR | typeof RRType.NS
  readonly target: string
}

export interface SrvRecord extends RecordBase {
  readonly type: typeof RRType.SRV
  readonly priority: number
  readonly weight: number
  readonly port: number
  readonly target: string
}

export interface SoaRecord extends RecordBase {
  readonly type: typeof RRType.SOA
  readonly mname: string
  readonly rname: string
  readonly serial: number
  readonly refresh: number
  readonly retry: number
  readonly expire: number
  readonly minimum: number
}

export interface TxtRecord extends RecordBase {
  readonly type: typeof RRType.TXT
  readonly texts: readonly string[]
}

export interface MxRecord extends RecordBase {
  readonly type: typeof RRType.MX
  readonly preference: number
  readonly exchange: string
}

export interface HinfoRecord extends RecordBase {
  readonly type: typeof RRType.HINFO
  readonly cpu: string
  readonly os: string
}

export type ResourceRecord = AddressRecord | NameRecord | SrvRecord | SoaRecord | TxtRecord | MxRecord | HinfoRecord

/** One EDNS0 option (RFC 6891): its code and data as on the wire. */
export interface EdnsOption {
  readonly code: number
  readonly data: Buffer
}

/** The EDNS0 part of a query (its OPT record), when it has one. */
export interface Edns {
  readonly udpSize: number
  readonly version: number
  readonly dnssecOk: boolean
  /** The options the client sent, as `rewrite edns0` changed them; forward sends them on (absent: none). */
  readonly options?: readonly EdnsOption[]
}

/** One decoded question, with what a handler needs to answer it. */
export interface DnsQuery {
  readonly id: number
  /** The query's header flags word, for the bits a reply copies (RD, CD). */
  readonly flags: number
  /** The name as asked (letter case kept), without the trailing dot. */
  readonly name: string
  readonly lowerName: string
  readonly type: number
  readonly class: number
  /** The question section as it arrived, echoed byte for byte. */
  readonly questionWire: Buffer
  readonly edns: Edns | null
  readonly transport: 'udp' | 'tcp'
  /** The client's address (an IPv4 client of a dual-stack socket as plain IPv4). */
  readonly remoteAddress: string
  readonly remotePort: number
  /** Only on `explain`'s queries: plugins that pass or answer note why there. */
  readonly trace?: QueryTrace
}

/** What a query meets on its way through a chain, as `explain` reports it. */
export interface QueryTrace {
  note(plugin: string, detail: object): void
}

/** What a handler answers; the transport turns it into wire form. */
export interface Reply {
  readonly rcode: number
  readonly authoritative: boolean
  readonly answer: readonly ResourceRecord[]
  readonly authority: readonly ResourceRecord[]
  readonly additional: readonly ResourceRecord[]
  /** The plugin that wrote it (the `plugin` label CoreDNS puts on response metrics). */
  readonly plugin: string
  /**
   * A reply relayed as an upstream sent it (forward): every record type passes through untouched.
   * It answers the same question bytes; only the ID is the client's.
   */
  readonly relayed?: Buffer
  /** Options for the reply's OPT record (nsid, EDE), written when the query has EDNS. */
  readonly ednsOptions?: readonly EdnsOption[]
  /** Header bits to set and then clear in the reply as sent (the `header` plugin). */
  readonly headerFlags?: { readonly set: number; readonly clear: number }
  /** No reply at all is sent (`acl` drop). */
  readonly drop?: boolean
  /**
   * Why the plugin could not answer (CoreDNS's returned error, in its words: `read udp …: i/o
   * timeout`); the `errors` plugin logs it.
   */
  readonly error?: string
  /** When the same question may be answered with this reply's bytes again (the answer cache); absent: never. */
  readonly replay?: ReplayTerms
}

/**
 * What a plugin promises of a reply it gave: for the same question bytes it answers the same bytes
 * (but for the ID, the question's letter case, the client's payload size and, with `relay`, the
 * TTLs counting down) as long as
 * `fresh()` holds. Only plugins whose answer depends on the question alone give it.
 */
export interface ReplayTerms {
  /** The `plugin` label of a replayed answer (a cache hit is `cache`'s, whoever answered first). */
  readonly plugin: string
  /** Whether the plugin would still answer the same (the store unchanged, the entry unexpired). */
  fresh(): boolean
  /**
   * What the plugin answers each time (a cache entry: what it relays, TTLs as kept), replayed with
   * its TTLs less `elapsedSeconds()` (never below 0). Absent: the reply as encoded, TTLs as they are.
   */
  readonly relay?: { readonly wire: Buffer; elapsedSeconds(): number }
  /** Counts a replay where the plugin counts its own answers (coredns_cache_hits_total). */
  hit?(): void
}

/** A reply with no records: errors and refusals. */
export function emptyReply(rcode: number, plugin: string, authoritative = false): Reply {
  return { rcode, authoritative, answer: [], authority: [], additional: [], plugin }
}
