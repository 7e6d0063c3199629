import { isIPv4, isIPv6 } from 'node:net'
import { resolve } from 'node:path'
import type { Directive } from '../../config/corefile.js'
import { durationArg, expectArgs, expectNoBlock, oneOfArg, wholeNumberArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { Rcode } from '../../dns/constants.js'
import type { BlockContext } from '../plugin.js'
import { ConfigError } from '../../errors.js'
import { parseResolvConf } from '../pkg/resolv-conf.js'
import { readTextFile } from '../../text-file.js'

const POLICIES = ['random', 'round_robin', 'sequential'] as const
export type Policy = (typeof POLICIES)[number]

export interface UpstreamAddress {
  readonly host: string
  readonly port: number
}

export interface ForwardOptions {
  /** The zone forwarded (FROM); '' is every name. */
  readonly from: string
  readonly upstreams: readonly UpstreamAddress[]
  readonly except: readonly string[]
  readonly forceTcp: boolean
  readonly preferUdp: boolean
  /** Consecutive failures that mark an upstream down (0: never). */
  readonly maxFails: number
  /** How long an idle TCP connection to an upstream is kept for reuse. */
  readonly expireMs: number
  /** How often a down upstream is probed with `. IN NS`. */
  readonly healthCheckMs: number
  /** Whether health probes ask for recursion (`health_check DUR no_rec` turns it off). */
  readonly healthCheckRecursion: boolean
  readonly policy: Policy
  /** In-flight queries past which new ones are REFUSED (0: no cap). */
  readonly maxConcurrent: number
  /** Upstream rcodes that pass the query on to the next plugin. */
  readonly next: ReadonlySet<number>
  /** Upstream rcodes that make the next upstream be tried. */
  readonly failover: ReadonlySet<number>
}

const DNS_PORT = 53
const MAX_UPSTREAMS = 15

const RCODES: Record<string, number> = Object.fromEntries(Object.entries(Rcode).map(([name, value]) => [name, value]))

/** `IP`, `IP:PORT`, `[IPv6]:PORT`, with an optional `dns://`; null when it is none of these. */
export function parseUpstream(text: string): UpstreamAddress | null {
  const rest = text.replace(/^dns:\/\//, '')
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest)
  if (bracketed) return isIPv6(bracketed[1]!) ? { host: bracketed[1]!, port: Number(bracketed[2] ?? DNS_PORT) } : null
  if (isIPv6(rest)) return { host: rest, port: DNS_PORT }
  const [host, port, extra] = rest.split(':')
  if (extra !== undefined || !isIPv4(host!)) return null
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return null
  return { host: host!, port: port === undefined ? DNS_PORT : Number(port) }
}

/** The nameservers of a resolv.conf file. */
function resolvConfUpstreams(path: string, d: Directive): UpstreamAddress[] {
  const text = readTextFile(path, (reason) => new ConfigError(d, `${path} is neither an address nor a readable resolv.conf: ${reason}`))
  const servers = parseResolvConf(text).nameservers.map((server) => parseUpstream(server.replace(/%.*$/, '')))
  const valid = servers.filter((s): s is UpstreamAddress => s !== null)
  if (valid.length === 0) throw new ConfigError(d, `${path} names no nameserver`)
  return valid
}

function rcodeSet(o: Directive): Set<number> {
  expectArgs(o, 1, Infinity, `${o.name} RCODE…`)
  return new Set(
    o.args.map((name) => {
      const code = RCODES[name.toUpperCase()]
      if (code === undefined) throw new ConfigError(o, `${o.name}: ${name} is not an rcode (NXDOMAIN, SERVFAIL, REFUSED…)`)
      return code
    }),
  )
}

/** Reads `forward FROM TO… { … }`. */
export function parseForwardOptions(d: Directive, block: BlockContext): ForwardOptions {
  expectArgs(d, 2, Infinity, 'forward FROM TO…')
  const [fromText, ...to] = d.args as [string, ...string[]]
  const from = parseZone(fromText, d)[0]!
  const upstreams = to.flatMap((t) => {
    const address = parseUpstream(t)
    return address ? [address] : resolvConfUpstreams(resolve(block.configDir, t), d)
  })
  if (upstreams.length > MAX_UPSTREAMS) throw new ConfigError(d, `more than ${MAX_UPSTREAMS} upstreams`)
  let options: ForwardOptions = {
    from,
    upstreams,
    except: [],
    forceTcp: false,
    preferUdp: false,
    maxFails: 2,
    expireMs: 10_000,
    healthCheckMs: 500,
    healthCheckRecursion: true,
    policy: 'random',
    maxConcurrent: 0,
    next: new Set(),
    failover: new Set(),
  }
  for (const o of d.block ?? []) {
    expectNoBlock(o)
    switch (o.name) {
      case 'except':
        expectArgs(o, 1, Infinity, 'except ZONE…')
        options = { ...options, except: o.args.flatMap((z) => parseZone(z, o)) }
        break
      case 'force_tcp':
        expectArgs(o, 0, 0, 'force_tcp')
        options = { ...options, forceTcp: true }
        break
      case 'prefer_udp':
        expectArgs(o, 0, 0, 'prefer_udp')
        options = { ...options, preferUdp: true }
        break
      case 'max_fails':
        expectArgs(o, 1, 1, 'max_fails N')
        options = { ...options, maxFails: wholeNumberArg(o, o.args[0], 'N') }
        break
      case 'expire':
        expectArgs(o, 1, 1, 'expire DURATION')
        options = { ...options, expireMs: durationArg(o, o.args[0]!) }
        break
      case 'health_check':
        expectArgs(o, 1, 2, 'health_check DURATION [no_rec]')
        if (o.args[1] !== undefined && o.args[1] !== 'no_rec') throw new ConfigError(o, `health_check: unknown argument ${o.args[1]}`)
        options = { ...options, healthCheckMs: durationArg(o, o.args[0]!), healthCheckRecursion: o.args[1] === undefined }
        break
      case 'policy': {
        expectArgs(o, 1, 1, 'policy random|round_robin|sequential')
        options = { ...options, policy: oneOfArg(o, 'policy', o.args[0], POLICIES) }
        break
      }
      case 'max_concurrent':
        expectArgs(o, 1, 1, 'max_concurrent N')
        options = { ...options, maxConcurrent: wholeNumberArg(o, o.args[0], 'N') }
        break
      case 'next':
        options = { ...options, next: rcodeSet(o) }
        break
      case 'failover':
        options = { ...options, failover: rcodeSet(o) }
        break
      default:
        throw new ConfigError(o, `unknown option ${o.name}`)
    }
  }
  if (options.forceTcp && options.preferUdp) throw new ConfigError(d, 'force_tcp and prefer_udp exclude each other')
  return options
}
