import { Flag, HEADER_SIZE, MAX_MESSAGE, Rcode } from '../../dns/constants.js'
import { NameEncodingError } from '../../errors.js'
import type { DnsQuery, Reply, ReplayTerms } from '../../dns/message.js'
import { keptCopy } from '../../dns/kept-bytes.js'
import { inAnyZone, zoneText } from '../../dns/names.js'
import { withoutOpt } from '../../dns/relayed-sections.js'
import { encodeReply } from '../../dns/response-encoder.js'
import { scanTtls } from '../../dns/wire-ttls.js'
import type { Handler, Middleware } from '../plugin.js'
import { cacheEntries, cacheEvictions, cacheHits, cacheMisses, cachePrefetches, cacheRequests, cacheServedStale } from './cache-metrics.js'
import type { CacheClass, CacheOptions, ClassOptions } from './options.js'
import { RecentlyUsed } from './recently-used.js'

const PLUGIN = 'cache'

/** A reply as it was encoded, with where its TTLs are, kept until `expiresAt`. */
interface Entry {
  readonly wire: Buffer
  readonly ttlOffsets: readonly number[]
  readonly rcode: number
  readonly storedAt: number
  readonly ttlSeconds: number
  readonly cls: CacheClass
  hits: number
  firstHitAt: number
  refreshing: boolean
  /** How the server may answer from this entry without asking the cache (null: it may not). */
  replay: ReplayTerms | null
}

const clamp = (value: number, { minTtl, maxTtl }: ClassOptions): number => Math.min(maxTtl, Math.max(minTtl, value))

/**
 * Answers repeated questions from memory. Keys: name (case-folded), type, class, EDNS, DO and CD.
 * TTLs count down on hits (unless keepttl); denials live per their SOA (RFC 2308); answers take
 * the asker's letter case from the question bytes.
 */
export function cacheMiddleware(options: CacheOptions, server: string): Middleware {
  const zonesLabel = options.zones.map(zoneText).join(' ')
  // Label children resolved once: counting a query builds no label strings.
  const labels = [server, zonesLabel, ''] as const
  const typed = (cls: CacheClass) => [server, cls, zonesLabel, ''] as const
  const counters = {
    requests: cacheRequests.cell(...labels),
    misses: cacheMisses.cell(...labels),
    prefetches: cachePrefetches.labels(...labels),
    servedStale: cacheServedStale.labels(...labels),
    hits: { success: cacheHits.cell(...typed('success')), denial: cacheHits.cell(...typed('denial')) },
    evictions: { success: cacheEvictions.cell(...typed('success')), denial: cacheEvictions.cell(...typed('denial')) },
  }
  const entryGauges = { success: cacheEntries.cell(...typed('success')), denial: cacheEntries.cell(...typed('denial')) }
  const byClass: Record<CacheClass, RecentlyUsed<string, Entry>> = {
    success: new RecentlyUsed(options.success.capacity, () => counters.evictions.success[0]!++),
    denial: new RecentlyUsed(options.denial.capacity, () => counters.evictions.denial[0]!++),
  }

  const keyOf = (q: DnsQuery): string =>
    `${q.type}|${q.class}|${q.edns ? (q.edns.dnssecOk ? 2 : 1) : 0}|${q.flags & Flag.CD ? 1 : 0}|${q.lowerName}`

  /**
   * Keeps `reply` when its class is cached for this name, its TTLs capped at the entry's lifetime;
   * returns what to answer now (the capped copy, as CoreDNS does, or `reply` itself).
   */
  const store = (query: DnsQuery, key: string, reply: Reply): Reply => {
    const servfail = reply.rcode === Rcode.SERVFAIL
    if (reply.rcode !== Rcode.NOERROR && reply.rcode !== Rcode.NXDOMAIN && !(servfail && options.servfailMs > 0)) return reply
    // Class and `disable` first: a reply this cache will not keep is not encoded here at all.
    const positive = reply.rcode === Rcode.NOERROR && (reply.relayed ? reply.relayed.length >= HEADER_SIZE && reply.relayed.readUInt16BE(6) > 0 : reply.answer.length > 0)
    const cls: CacheClass = positive ? 'success' : 'denial'
    const classOptions = options[cls]
    if (inAnyZone(query.lowerName, classOptions.disabled)) return reply
    let wire: Buffer
    try {
      // Ours without an OPT record: its options (a cookie) are this client's alone.
      wire = Buffer.from(reply.relayed ?? encodeReply({ ...query, transport: 'tcp', edns: null }, reply, MAX_MESSAGE))
    } catch (err) {
      // Not cached: the server answers it SERVFAIL and counts it.
      if (err instanceof NameEncodingError) return reply
      throw err
    }
    if (wire.readUInt16BE(2) & Flag.TC) return reply
    const scanned = scanTtls(wire)
    if (!scanned) return reply
    const ttlSeconds = servfail
      ? options.servfailMs / 1000
      : positive
        ? clamp(scanned.minTtl ?? classOptions.maxTtl, classOptions)
        : clamp(scanned.soa ? Math.min(scanned.soa.ttl, scanned.soa.minimum) : classOptions.minTtl, classOptions)
    if (ttlSeconds <= 0) return reply
    const cap = Math.ceil(ttlSeconds)
    for (const at of scanned.offsets) wire.writeUInt32BE(Math.min(wire.readUInt32BE(at), cap), at)
    byClass[cls === 'success' ? 'denial' : 'success'].delete(key)
    // Kept without the OPT record: a hit gets one made for its own query, as CoreDNS's cache does.
    const entry: Entry = { wire: keptCopy(withoutOpt(wire)), ttlOffsets: scanned.offsets, rcode: reply.rcode, storedAt: Date.now(), ttlSeconds, cls, hits: 0, firstHitAt: 0, refreshing: false, replay: null }
    entry.replay = replayTerms(key, entry)
    byClass[cls].set(key, entry)
    entryGauges[cls][0] = byClass[cls].size
    // Replayable from its first hit on: a name asked once (never seen before) costs the server's
    // answer cache nothing. The answer given now is this cache's, not the plugin's below it.
    return { ...reply, relayed: wire, replay: undefined }
  }

  /**
   * What the server's answer cache may replay of `entry`: while it is the one held and unexpired,
   * counted as this cache's hit. Not with prefetch, which must see every hit.
   */
  const replayTerms = (key: string, entry: Entry): ReplayTerms | null => {
    if (options.prefetch) return null
    const hits = counters.hits[entry.cls]
    return {
      plugin: PLUGIN,
      fresh: () => Date.now() - entry.storedAt < entry.ttlSeconds * 1000 && byClass[entry.cls].get(key) === entry,
      relay: { wire: entry.wire, elapsedSeconds: () => (options.keepTtl ? 0 : Math.floor((Date.now() - entry.storedAt) / 1000)) },
      hit: () => {
        counters.requests[0]!++
        hits[0]!++
      },
    }
  }

  /**
   * A reply this cache does not keep (a disabled zone) that the server may replay: each replay
   * counts here as the request and miss the query would have been.
   */
  const passedOn = (reply: Reply): Reply => {
    const terms = reply.replay
    if (!terms) return reply
    const hit = (): void => {
      terms.hit?.()
      counters.requests[0]!++
      counters.misses[0]!++
    }
    return { ...reply, replay: { ...terms, hit } }
  }

  /** The entry as a reply: TTLs less its age (at 0 once stale), unless keepttl. */
  const answer = (entry: Entry, ageSeconds: number): Reply => {
    const wire = Buffer.from(entry.wire)
    if (!options.keepTtl) {
      const elapsed = Math.floor(ageSeconds)
      for (const at of entry.ttlOffsets) wire.writeUInt32BE(Math.max(0, wire.readUInt32BE(at) - elapsed), at)
    }
    const reply: Reply = { rcode: entry.rcode, authoritative: false, answer: [], authority: [], additional: [], plugin: PLUGIN, relayed: wire }
    return entry.replay && ageSeconds < entry.ttlSeconds ? { ...reply, replay: entry.replay } : reply
  }

  const refresh = (next: Handler, query: DnsQuery, key: string, entry: Entry): Promise<Reply | null> => {
    entry.refreshing = true
    return Promise.resolve(next(query))
      .then((reply) => store(query, key, reply))
      .catch(() => null)
      .finally(() => (entry.refreshing = false))
  }

  return (next) => async (query) => {
    if (!inAnyZone(query.lowerName, options.zones)) return next(query)
    counters.requests[0]!++
    const key = keyOf(query)
    const entry = byClass.success.get(key) ?? byClass.denial.get(key)
    const now = Date.now()
    if (entry) {
      const age = (now - entry.storedAt) / 1000
      if (age < entry.ttlSeconds) {
        counters.hits[entry.cls][0]!++
        query.trace?.note(PLUGIN, { held: true, remainingTtl: Math.ceil(entry.ttlSeconds - age) })
        const prefetch = options.prefetch
        if (prefetch) {
          if (entry.hits === 0 || now - entry.firstHitAt > prefetch.windowMs) {
            entry.hits = 0
            entry.firstHitAt = now
          }
          entry.hits++
          const left = (entry.ttlSeconds - age) / entry.ttlSeconds
          if (entry.hits >= prefetch.amount && left <= prefetch.percentage && !entry.refreshing) {
            counters.prefetches.inc()
            void refresh(next, query, key, entry)
          }
        }
        return answer(entry, age)
      }
      const stale = options.serveStale
      if (stale && (age - entry.ttlSeconds) * 1000 < stale.ms) {
        if (stale.verify) {
          const fresh = await refresh(next, query, key, entry)
          if (fresh && fresh.rcode !== Rcode.SERVFAIL) return fresh
        } else if (!entry.refreshing) {
          void refresh(next, query, key, entry)
        }
        counters.servedStale.inc()
        query.trace?.note(PLUGIN, { held: true, stale: true, remainingTtl: 0 })
        return answer(entry, age)
      }
    }
    counters.misses[0]!++
    query.trace?.note(PLUGIN, { held: false })
    const given = await next(query)
    const kept = store(query, key, given)
    return kept === given ? passedOn(given) : kept
  }
}
