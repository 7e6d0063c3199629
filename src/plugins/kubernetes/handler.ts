import type { RecordStore } from '../../cluster/record-store.js'
import { answerRecords } from '../../dns/answer-records.js'
import { Rcode, RRType } from '../../dns/constants.js'
import { replyInAskedCase } from '../../dns/letter-case.js'
import type { DnsQuery, Reply } from '../../dns/message.js'
import { longestZone } from '../../dns/names.js'
import type { Middleware } from '../plugin.js'
import type { ZoneLookup } from './lookup.js'
import type { Lookup } from '../pkg/service-records.js'
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
): Middleware {
  const memo = new Map<string, Lookup>()
  let memoGeneration = -1
  const lookup = (name: string, type: number, zone: string): Lookup => {
    if (memoGeneration !== store.generation || memo.size >= MEMO_LIMIT) {
      memo.clear()
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
  
  return (next) => (query: DnsQuery) => {
    const zone = longestZone(query.lowerName, options.zones)
    if (zone === null) return next(query)
    const result = lookup(query.lowerName, query.type, zone)
    if (!result.exists && options.fallthrough.through(query.lowerName)) return next(query)
    const rcode = result.exists ? Rcode.NOERROR : store.synced ? Rcode.NXDOMAIN : Rcode.SERVFAIL
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
    if (last?.type !== RRType.CNAME || !FOLLOWED_TYPES.has(query.type) || longestZone(last.target, options.zones) !== null) return cased
    return resolve(last.target, query.type).then(
      (outside) => ({ ...cased, answer: [...cased.answer, ...answerRecords(outside)] }),
      () => cased,
    )
  }
}
