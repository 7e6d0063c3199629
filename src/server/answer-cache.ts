import { onBurstEnd } from '../burst-release.js'
import { keptCopy } from '../dns/kept-bytes.js'
import { Gauge } from '../metrics/prom-client.js'
import { CLASSIC_UDP_SIZE, Flag, HEADER_SIZE, MAX_MESSAGE, RRType } from '../dns/constants.js'
import type { DnsQuery, Reply, ReplayTerms } from '../dns/message.js'
import { sameQuestion, Variant, type PlainQuery } from '../dns/plain-query.js'
import { encodeReply } from '../dns/response-encoder.js'
import { recordSpans, scanTtls } from '../dns/wire-ttls.js'
import { addressRecordGroups, shuffleGroups, type AddressGroup } from '../dns/wire-shuffle.js'
import { PlainCounter } from '../metrics/plain-metrics.js'
import { registry } from '../metrics/registry.js'
import type { ZoneRoute } from './server-plan.js'

/**
 * What each plugin a server block may hold does when a query is answered from the answer cache
 * instead of the block's chain. A block with any plugin not named here (log, debug, rewrite,
 * autopath, acl, header, template, hosts, k8s_external, any, chaos, minimal, whoami…) never
 * replays: every query of it takes the chain.
 */
const ON_REPLAY: Readonly<Record<string, 'nothing' | 'observes' | 'promises' | 'shuffles'>> = {
  // Server-wide, or act on no query that is answered from a reply: nothing to redo per query.
  bind: 'nothing',
  timeouts: 'nothing',
  limits: 'nothing',
  reload: 'nothing',
  health: 'nothing',
  ready: 'nothing',
  loop: 'nothing',
  // Only queries that fail reach it; a replayed reply did not fail.
  errors: 'nothing',
  // Acts only on queries whose OPT record holds options, which are never replayed.
  nsid: 'nothing',
  // Their observers (coredns_dns_* metrics, search-path waste, NXDOMAIN names) see every replay.
  prometheus: 'observes',
  explain: 'observes',
  // Replies of theirs carry ReplayTerms: kubernetes until the store changes, cache while its
  // entry is held and unexpired (TTLs counting down, counted as its hit); forward's through cache.
  kubernetes: 'promises',
  cache: 'promises',
  forward: 'promises',
  // A and AAAA records are shuffled again in the copied bytes of every replay.
  loadbalance: 'shuffles',
}

/** How a server block's answers may be replayed; null: never. */
export interface ReplayPolicy {
  readonly shuffle: boolean
}

export function replayPolicy(plugins: readonly string[]): ReplayPolicy | null {
  if (!plugins.every((p) => Object.hasOwn(ON_REPLAY, p))) return null
  return { shuffle: plugins.includes('loadbalance') }
}

/** One answer that may be replayed. */
interface CachedAnswer {
  readonly hash: number
  readonly variant: number
  /** The question (name, type, class) as it was asked when the answer was kept. */
  readonly question: Buffer
  /** Only the very same letters match: an answer we wrote spells names as they were asked. */
  readonly exactCase: boolean
  /** The bytes replayed (ID, question and OPT payload size aside), TTLs as kept. */
  readonly wire: Buffer
  /** Where the OPT record's payload size is (the client's is echoed); -1: no OPT record. */
  readonly payloadAt: number
  /** The TTLs counted down on each replay (`terms.relay`); null: they stay. */
  readonly ttlOffsets: readonly number[] | null
  readonly terms: ReplayTerms
  /** Address records shuffled on each replay (loadbalance); null: none. */
  readonly shuffle: readonly AddressGroup[] | null
  readonly route: ZoneRoute
  /** The query and reply as the route's observers see them (the plugin label: terms.plugin). */
  readonly query: DnsQuery
  readonly reply: Reply
  readonly size: number
  /** Whether it was replayed since it was kept. */
  replayed: boolean
  /** The next answer of the same hash. */
  next: CachedAnswer | null
}

/** An answer produced from the cache: the bytes to send and what the observers are told. */
export interface Replayed {
  readonly wire: Buffer
  readonly entry: CachedAnswer
  /** Whether the query's question bytes are the kept ones, letter for letter. */
  readonly exact: boolean
}

const truncated = (wire: Buffer): boolean => wire.length < HEADER_SIZE || (wire.readUInt16BE(2) & Flag.TC) !== 0

/**
 * Heap per entry besides its bytes (the entry, the query and reply the observers are given, the
 * terms, map and set slots), for the byte bound: measured as the heap's growth over the entries
 * after a flood of one-off names (bench:hostile's mutation flood), ~1.1 KiB.
 */
const ENTRY_OVERHEAD = 1100

export const DEFAULT_LIMITS = { entries: 20_000, bytes: 16 * 1024 * 1024 } as const

const live = new Set<AnswerCache>()
const replays = new PlainCounter({ name: 'clusterdns_answer_cache_hits_total', help: 'Queries answered from the answer cache in front of the plugin chains.', labelNames: [] })
const replayCount = replays.cell()
new Gauge({
  name: 'clusterdns_answer_cache_entries',
  help: 'Answers held by the answer cache in front of the plugin chains.',
  registers: [registry],
  collect() {
    this.set([...live].reduce((sum, c) => sum + c.entries, 0))
  },
})
new Gauge({
  name: 'clusterdns_answer_cache_bytes',
  help: 'Bytes counted for the answers the answer cache holds (wire bytes and bookkeeping).',
  registers: [registry],
  collect() {
    this.set([...live].reduce((sum, c) => sum + c.bytes, 0))
  },
})

/**
 * A wire-level cache of answers in front of the chains of one listener: a query whose question,
 * RD/CD/EDNS/DO bits and letter case (where it matters) match a kept answer is answered by copying
 * that answer's bytes, its ID and question bytes put in. It keeps only replies whose plugin
 * promised them (`Reply.replay`) in blocks whose every plugin allows it (ON_REPLAY), and drops an
 * answer as soon as its promise no longer holds. Bounded in entries and bytes; the oldest kept
 * goes first.
 */
export class AnswerCache {
  private readonly byHash = new Map<number, CachedAnswer>()
  /** In the order kept: the first is evicted first. */
  private readonly order = new Set<CachedAnswer>()
  bytes = 0

  /** After a burst, the answers nobody asked for twice go: a flood of one-off names would hold its memory. */
  private readonly unregister = onBurstEnd(() => this.shedUnreplayed())

  constructor(private readonly limits: { readonly entries: number; readonly bytes: number } = DEFAULT_LIMITS) {
    live.add(this)
  }

  get entries(): number {
    return this.order.size
  }

  /**
   * Replays the answer to `packet` (read into `plain`), or null when it has none to give. The
   * bytes are written at the start of `replyBuffer` when it is given and long enough (see
   * PacketHandler), else into bytes of their own.
   */
  replay(packet: Buffer, plain: PlainQuery, transport: 'udp' | 'tcp', replyBuffer: Buffer | null): Replayed | null {
    const length = plain.questionEnd - HEADER_SIZE
    for (let entry = this.byHash.get(plain.hash) ?? null; entry !== null; entry = entry.next) {
      if (entry.variant !== plain.variant || entry.question.length !== length) continue
      const exact = packet.compare(entry.question, 0, length, HEADER_SIZE, plain.questionEnd) === 0
      if (!exact && (entry.exactCase || !sameQuestion(packet, HEADER_SIZE, entry.question, 0, length))) continue
      // A stale answer stays until `keep` replaces it or it is evicted. Removing it here was the
      // first call ever made on this branch of optimized code: a deoptimization at the first
      // refresh of a cached name, in the middle of its load.
      if (!entry.terms.fresh()) return null
      const source = entry.wire
      // Too large for this client: the chain cuts it as the transport requires.
      if (source.length > (transport === 'tcp' ? MAX_MESSAGE : Math.max(CLASSIC_UDP_SIZE, plain.udpSize))) return null
      const wire = replyBuffer !== null && replyBuffer.length >= source.length ? replyBuffer.subarray(0, source.length) : Buffer.allocUnsafe(source.length)
      source.copy(wire)
      wire[0] = packet[0]!
      wire[1] = packet[1]!
      packet.copy(wire, HEADER_SIZE, HEADER_SIZE, plain.questionEnd)
      if (entry.payloadAt >= 0) wire.writeUInt16BE(plain.udpSize, entry.payloadAt)
      if (entry.ttlOffsets) {
        const elapsed = entry.terms.relay!.elapsedSeconds()
        if (elapsed > 0) for (const at of entry.ttlOffsets) wire.writeUInt32BE(Math.max(0, wire.readUInt32BE(at) - elapsed), at)
      }
      if (entry.shuffle) shuffleGroups(wire, entry.shuffle)
      entry.terms.hit?.()
      entry.replayed = true
      replayCount[0]!++
      return { wire, entry, exact }
    }
    return null
  }

  /**
   * Keeps what the chain answered to `packet` when it may be replayed byte for byte: a promised
   * reply, encoded whole (no TC), without EDNS options, whose address records a shuffle can move.
   */
  keep(packet: Buffer, plain: PlainQuery, route: ZoneRoute, policy: ReplayPolicy, query: DnsQuery, reply: Reply, wire: Buffer): void {
    const terms = reply.replay
    if (!terms || reply.ednsOptions || reply.headerFlags || truncated(wire)) return
    const relay = terms.relay
    // What the chain sends every time: the plugin's answer (TTLs as kept) encoded for this query.
    const kept = relay ? encodeReply(query, { ...reply, relayed: relay.wire }) : wire
    if (truncated(kept)) return
    const spans = recordSpans(kept)
    if (!spans) return
    const opt = spans.sections[2]!.find((r) => r.type === RRType.OPT)
    // The OPT record echoes the client's payload size (after its TYPE, before RDLENGTH's 6 bytes).
    const payloadAt = opt ? opt.rdlengthAt - 6 : -1
    if ((opt !== undefined) !== ((plain.variant & Variant.EDNS) !== 0) || (opt && kept.readUInt16BE(payloadAt) !== plain.udpSize)) return
    const ttlOffsets = relay ? scanTtls(kept)?.offsets : null
    if (ttlOffsets === undefined) return
    let shuffle: readonly AddressGroup[] | null = null
    if (policy.shuffle) {
      const found = addressRecordGroups(kept, spans)
      if (!found) return
      // A reply we wrote was shuffled record by record: only a whole single-type group replays alike.
      const whole = found.addresses < 2 || (found.types === 1 && found.groups.length === 1 && found.groups[0]!.movable && found.groups[0]!.records.length === found.addresses)
      if (!relay && !whole) return
      shuffle = found.groups.some((g) => g.movable && g.records.length > 1) ? found.groups : null
    }
    // One allocation of its own for both: small Buffers from Node's pool would each keep a whole
    // slab alive (a flood of one-off names: 18 MiB held outside the heap for 6 counted).
    const questionLength = plain.questionEnd - HEADER_SIZE
    const own = keptCopy(packet.subarray(HEADER_SIZE, plain.questionEnd), kept)
    const question = own.subarray(0, questionLength)
    const entry: CachedAnswer = {
      hash: plain.hash,
      variant: plain.variant,
      question,
      exactCase: !relay,
      wire: own.subarray(questionLength),
      payloadAt,
      ttlOffsets,
      terms,
      shuffle,
      route,
      // Its own copy of the question: the packet's bytes may be a slice of a large TCP read.
      query: { ...query, questionWire: question },
      reply: reply.plugin === terms.plugin ? reply : { ...reply, plugin: terms.plugin },
      size: ENTRY_OVERHEAD + own.length,
      replayed: false,
      next: null,
    }
    for (let other = this.byHash.get(entry.hash) ?? null; other !== null; other = other.next) {
      if (other.variant === entry.variant && other.question.equals(question)) this.remove(other)
    }
    entry.next = this.byHash.get(entry.hash) ?? null
    this.byHash.set(entry.hash, entry)
    this.order.add(entry)
    this.bytes += entry.size
    while (this.order.size > this.limits.entries || this.bytes > this.limits.bytes) this.remove(this.order.values().next().value!)
  }

  /** Lets go of the answers never replayed; returns how many. */
  private shedUnreplayed(): number {
    let shed = 0
    for (const entry of this.order) {
      if (entry.replayed) continue
      this.remove(entry)
      shed++
    }
    return shed
  }

  /** Lets go of every answer (the listener's chains were replaced, or it closed). */
  close(): void {
    this.byHash.clear()
    this.order.clear()
    this.bytes = 0
    live.delete(this)
    this.unregister()
  }

  private remove(entry: CachedAnswer): void {
    if (!this.order.delete(entry)) return
    this.bytes -= entry.size
    const first = this.byHash.get(entry.hash)!
    if (first === entry) {
      if (entry.next) this.byHash.set(entry.hash, entry.next)
      else this.byHash.delete(entry.hash)
      return
    }
    let before = first
    while (before.next !== entry) before = before.next!
    before.next = entry.next
  }
}
