import type { Directive } from '../../config/corefile.js'
import { durationArg, eachOption, expectArgs, expectNoBlock, oneOfArg, wholeNumberArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import type { BlockContext } from '../plugin.js'
import { ConfigError } from '../../errors.js'

export type CacheClass = 'success' | 'denial'

export interface ClassOptions {
  readonly capacity: number
  readonly maxTtl: number
  readonly minTtl: number
  /** Zones this class is not cached for (`disable`). */
  readonly disabled: readonly string[]
}

export interface CacheOptions {
  /** Names cached: under these zones. */
  readonly zones: readonly string[]
  readonly success: ClassOptions
  readonly denial: ClassOptions
  /** `prefetch AMOUNT DURATION PERCENTAGE%`: refresh popular entries before they expire. */
  readonly prefetch: { readonly amount: number; readonly windowMs: number; readonly percentage: number } | null
  /** `serve_stale DURATION MODE`: answer from expired entries for this long. */
  readonly serveStale: { readonly ms: number; readonly verify: boolean } | null
  /** How long SERVFAIL is cached (0: not at all). */
  readonly servfailMs: number
  readonly keepTtl: boolean
}

const DEFAULT_CAPACITY = 9984
const MAX_SERVFAIL_MS = 300_000
/** CoreDNS's cache is 256 shards of CAPACITY/256 entries, at least 4 each: what CAPACITY amounts to. */
const SHARDS = 256
const MIN_SHARD_SIZE = 4
const shardedCapacity = (capacity: number): number => Math.max(Math.floor(capacity / SHARDS), MIN_SHARD_SIZE) * SHARDS

/** A TTL argument: CoreDNS reserves 0 (and below). */
function positiveTtl(d: Directive, text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new ConfigError(d, `${d.name}: TTL must be a whole number, not ${text}`)
  const ttl = Number(text)
  if (ttl <= 0) throw new ConfigError(d, `${d.name}: TTL can not be zero or negative: ${text}`)
  return ttl
}

/** Reads `cache [TTL] [ZONES…] { … }` with CoreDNS's defaults. */
export function parseCacheOptions(d: Directive, block: BlockContext): CacheOptions {
  let args = d.args
  let maxTtl: number | null = null
  // A first argument that is a number is the TTL, otherwise a zone (as CoreDNS's strconv.Atoi decides).
  if (args[0] !== undefined && /^[+-]?\d+$/.test(args[0])) {
    maxTtl = positiveTtl(d, args[0])
    args = args.slice(1)
  }
  const zones = args.length > 0 ? args.flatMap((z) => parseZone(z, d)) : [...block.zones]
  let success: ClassOptions = { capacity: DEFAULT_CAPACITY, maxTtl: maxTtl ?? 3600, minTtl: 5, disabled: [] }
  let denial: ClassOptions = { capacity: DEFAULT_CAPACITY, maxTtl: maxTtl ?? 1800, minTtl: 5, disabled: [] }
  let options: Omit<CacheOptions, 'zones' | 'success' | 'denial'> = { prefetch: null, serveStale: null, servfailMs: 5000, keepTtl: false }
  eachOption(d, (o) => {
    expectNoBlock(o)
    switch (o.name) {
      case 'success':
      case 'denial': {
        expectArgs(o, 1, 3, `${o.name} CAPACITY [TTL] [MINTTL]`)
        const current = o.name === 'success' ? success : denial
        const next: ClassOptions = {
          ...current,
          capacity: shardedCapacity(wholeNumberArg(o, o.args[0], 'CAPACITY')),
          maxTtl: o.args[1] === undefined ? current.maxTtl : positiveTtl(o, o.args[1]),
          minTtl: o.args[2] === undefined ? current.minTtl : wholeNumberArg(o, o.args[2], 'MINTTL'),
        }
        if (o.name === 'success') success = next
        else denial = next
        break
      }
      case 'prefetch': {
        expectArgs(o, 1, 3, 'prefetch AMOUNT [DURATION] [PERCENTAGE%]')
        const amount = wholeNumberArg(o, o.args[0], 'AMOUNT')
        const windowMs = o.args[1] === undefined ? 60_000 : durationArg(o, o.args[1])
        const pct = o.args[2] === undefined ? '10%' : o.args[2]
        // CoreDNS takes 10% to 90%.
        if (!/^\d{1,3}%$/.test(pct) || Number(pct.slice(0, -1)) < 10 || Number(pct.slice(0, -1)) > 90) {
          throw new ConfigError(o, `prefetch: ${pct} is not a percentage from 10% to 90%`)
        }
        options = { ...options, prefetch: { amount, windowMs, percentage: Number(pct.slice(0, -1)) / 100 } }
        break
      }
      case 'serve_stale': {
        expectArgs(o, 0, 2, 'serve_stale [DURATION] [immediate|verify]')
        const mode = (o.args[1] ?? 'immediate').toLowerCase()
        if (mode !== 'immediate' && mode !== 'verify') throw new ConfigError(o, `serve_stale: ${mode} is not immediate or verify`)
        options = { ...options, serveStale: { ms: o.args[0] === undefined ? 3_600_000 : durationArg(o, o.args[0]), verify: mode === 'verify' } }
        break
      }
      case 'servfail': {
        expectArgs(o, 1, 1, 'servfail DURATION')
        const ms = durationArg(o, o.args[0]!)
        if (ms > MAX_SERVFAIL_MS) throw new ConfigError(o, 'servfail: at most 5m')
        options = { ...options, servfailMs: ms }
        break
      }
      case 'disable': {
        expectArgs(o, 1, Infinity, 'disable success|denial [ZONES…]')
        const which = oneOfArg(o, 'disable', o.args[0], ['success', 'denial'])
        const disabled = o.args.length > 1 ? o.args.slice(1).flatMap((z) => parseZone(z, o)) : ['']
        if (which === 'success') success = { ...success, disabled }
        else denial = { ...denial, disabled }
        break
      }
      case 'keepttl':
        expectArgs(o, 0, 0, 'keepttl')
        options = { ...options, keepTtl: true }
        break
      default:
        throw new ConfigError(o, `unknown option ${o.name}`)
    }
  })
  return { zones, success, denial, ...options }
}
