import type { RecordStore } from '../../cluster/record-store.js'
import { answerRecords } from '../../dns/answer-records.js'
import { Rcode, RRType } from '../../dns/constants.js'
import { replyInAskedCase } from '../../dns/letter-case.js'
import type { DnsQuery, Reply, ReplayTerms } from '../../dns/message.js'
import { longestZone } from '../../dns/names.js'
import type { ExplainedLookup, Middleware, SourceObject } from '../plugin.js'
import type { Lookup, Source, ZoneLookup } from './lookup.js'
import type { KubernetesOptions } from './options.js'

const PLUGIN = 'kubernetes'
/** Past this many distinct (name, type) pairs the memo starts over, bounding memory under junk queries. */
const MEMO_LIMIT = 50_000

/** Types for which an ExternalName's target is followed (the contract's A, AAAA and TXT). */
const FOLLOWED_TYPES = new Set<number>([RRType.A, RRType.AAAA, RRType.TXT])

/**
 * Answers names in the plugin's zones from the store. A lookup is computed once per (name, type)
 * and reused until the store changes; NXDOMAIN passes on under `fallthrough` and is SERVFAIL
 * until the first full sync. A CNAME (ExternalName) to a name outside our zones is followed
 * through `resolve` (the block's own chain: cache, forward), its records after the CNAME.
 */
export function kubernetesMiddleware(
  options: KubernetesOptions,
  store: RecordStore,
  zones: ZoneLookup,
  resolve: (name: string, type: number) => Promise<Reply>,
): { middleware: Middleware; explainName(name: string, type: number): ExplainedLookup | null; forget(): number } {
  const memo = new Map<string, Lookup>()
  let memoGeneration = -1
  // An answer made from the store is replayed until the store changes: one promise per generation.
  let replay: ReplayTerms = { plugin: PLUGIN, fresh: () => false }
  const lookup = (name: string, type: number, zone: string): Lookup => {
    if (memoGeneration !== store.generation || memo.size >= MEMO_LIMIT) {
      memo.clear()
      if (memoGeneration !== store.generation) {
        const generation = store.generation
        replay = { plugin: PLUGIN, fresh: () => store.generation === generation }
      }
      memoGeneration = store.generation
    }
    const key = `${type}|${name}`
    let result = memo.get(key)
    if (!result) {
      result = zones.lookup(name, type, zone)
      memo.set(key, result)
    }
    return result
  }
  const rcodeOf = (result: Lookup): number => (result.exists ? Rcode.NOERROR : store.synced ? Rcode.NXDOMAIN : Rcode.SERVFAIL)
  /** The lookup as `explain` shows it: plain data, each record with the API objects it came from. */
  const explained = (name: string, zone: string, result: Lookup): ExplainedLookup => {
    const rcode = rcodeOf(result)
    const reason = rcode === Rcode.SERVFAIL ? { code: 'not-synced', text: notSyncedText(store) } : result.reason
    return { name, zone, rcode, reason, records: result.answer.map((record, i) => ({ record, sources: (result.sources[i] ?? []).map(sourceObject) })) }
  }

  const middleware: Middleware = (next) => (query: DnsQuery) => {
    const zone = longestZone(query.lowerName, options.zones)
    if (zone === null) return next(query)
    const result = lookup(query.lowerName, query.type, zone)
    query.trace?.note(PLUGIN, explained(query.lowerName, zone, result))
    if (!result.exists && options.fallthrough.through(query.lowerName)) return next(query)
    const rcode = rcodeOf(result)
    const authority = result.answer.length === 0 ? [zones.soa(zone)] : []
    const reply: Reply = {
      rcode,
      authoritative: true,
      answer: result.answer,
      authority,
      additional: result.additional,
      plugin: PLUGIN,
    }
    const cased = replyInAskedCase(reply, query.name, zone)
    const last = result.answer[result.answer.length - 1]
    // SERVFAIL before the first sync ends when the sync does, which moves no generation.
    if (last?.type !== RRType.CNAME || !FOLLOWED_TYPES.has(query.type) || longestZone(last.target, options.zones) !== null) return rcode === Rcode.SERVFAIL ? cased : { ...cased, replay }
    // What the target resolved to outside is not the store's: never replayed.
    return resolve(last.target, query.type).then(
      (outside) => ({ ...cased, answer: [...cased.answer, ...answerRecords(outside)] }),
      () => cased,
    )
  }
  return {
    middleware,
    /** Empties the memo (after a burst of one-off names); returns how many lookups it held. */
    forget() {
      const held = memo.size
      memo.clear()
      return held
    },
    explainName(name, type) {
      const lower = name.toLowerCase()
      const zone = longestZone(lower, options.zones)
      return zone === null ? null : explained(lower, zone, lookup(lower, type, zone))
    },
  }
}

function sourceObject({ kind, record }: Source): SourceObject {
  const namespace = 'namespace' in record ? record.namespace : ''
  return { kind, namespace, name: record.name, resourceVersion: record.resourceVersion, changedAt: record.changedAt ?? null }
}

function notSyncedText(store: RecordStore): string {
  const served = store.snapshotWrittenAt
  const snapshot = served === null ? '' : `; serving a snapshot written ${Math.round(Date.now() / 1000 - served)}s ago, which does not hold it`
  return `the store has not yet synced with the API${snapshot}`
}
