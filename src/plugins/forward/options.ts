import { isIPv4, isIPv6 } from 'node:net'
import { resolve } from 'node:path'
import type { Directive } from '../../config/corefile.js'
import { durationArg, eachOption, expectArgs, expectNoBlock, oneOfArg, wholeNumberArg } from '../../config/directive-args.js'
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
  /** `tls://`: DNS over TLS (RFC 7858), port 853 unless given. */
  readonly tls?: true
  /** `tls://IP%NAME`: the name this upstream's certificate is checked against (and sent as SNI). */
  readonly serverName?: string
}

/** The `tls [CERT KEY] [CA]` files of TLS upstreams, as PEM text (no CA: the system's). */
export interface TlsFiles {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
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
  /** Idle connections kept per upstream (0: no cap). */
  readonly maxIdleConns: number
  /** How long one upstream gets to answer one attempt. */
  readonly readTimeoutMs: number
  /** Attempts (over every upstream) per query; null: twice the upstreams; 0: no cap but the deadline. */
  readonly maxConnectAttempts: number | null
  readonly tls: TlsFiles
  /** `tls_servername`: checked against the certificate and sent as SNI; null: the address is checked. */
  readonly tlsServerName: string | null
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
  /** `failfast_all_unhealthy_upstreams`: with every upstream down, SERVFAIL rather than one at random. */
  readonly failfastAllUnhealthy: boolean
}

const DNS_PORT = 53
const DOT_PORT = 853
const MAX_UPSTREAMS = 15

const RCODES: Record<string, number> = Object.fromEntries(Object.entries(Rcode).map(([name, value]) => [name, value]))

/**
 * `IP`, `IP:PORT`, `[IPv6]:PORT`, with an optional `dns://`, or `tls://` with the same forms (and
 * `%NAME` after the address for its TLS server name, as CoreDNS); null when it is none of these.
 */
export function parseUpstream(text: string): UpstreamAddress | null {
  const tls = text.startsWith('tls://')
  let rest = text.replace(/^(dns|tls):\/\//, '')
  let serverName: string | undefined
  if (tls && rest.includes('%')) {
    // tls://IP%NAME[:PORT], tls://[IPv6%NAME]:PORT
    const named = /^(\[?)([^%\]]+)%([^\]:]+)(\]?)(:\d+)?$/.exec(rest)
    if (!named) return null
    serverName = named[3]!
    rest = `${named[1]}${named[2]}${named[4]}${named[5] ?? ''}`
  }
  const address = hostAndPort(rest, tls ? DOT_PORT : DNS_PORT)
  if (!address || !tls) return address
  return serverName === undefined ? { ...address, tls } : { ...address, tls, serverName }
}

function hostAndPort(text: string, defaultPort: number): UpstreamAddress | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracketed) return isIPv6(bracketed[1]!) ? { host: bracketed[1]!, port: Number(bracketed[2] ?? defaultPort) } : null
  if (isIPv6(text)) return { host: text, port: defaultPort }
  const [host, port, extra] = text.split(':')
  if (extra !== undefined || !isIPv4(host!)) return null
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return null
  return { host: host!, port: port === undefined ? defaultPort : Number(port) }
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
    if (address) return [address]
    if (/^[a-z]+:\/\//.test(t)) throw new ConfigError(d, `${t}: only dns:// and tls:// upstreams are supported, with an IP address`)
    return resolvConfUpstreams(resolve(block.configDir, t), d)
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
    maxIdleConns: 0,
    readTimeoutMs: 2000,
    maxConnectAttempts: null,
    tls: {},
    tlsServerName: null,
    healthCheckMs: 500,
    healthCheckRecursion: true,
    policy: 'random',
    maxConcurrent: 0,
    next: new Set(),
    failover: new Set(),
    failfastAllUnhealthy: false,
  }
  eachOption(d, (o) => {
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
      case 'max_idle_conns':
        expectArgs(o, 1, 1, 'max_idle_conns N')
        options = { ...options, maxIdleConns: wholeNumberArg(o, o.args[0], 'N') }
        break
      case 'read_timeout': {
        expectArgs(o, 1, 1, 'read_timeout DURATION')
        const readTimeoutMs = durationArg(o, o.args[0]!)
        if (readTimeoutMs <= 0) throw new ConfigError(o, 'read_timeout must be positive')
        options = { ...options, readTimeoutMs }
        break
      }
      case 'max_connect_attempts':
        expectArgs(o, 1, 1, 'max_connect_attempts N')
        options = { ...options, maxConnectAttempts: wholeNumberArg(o, o.args[0], 'N') }
        break
      case 'tls':
        expectArgs(o, 0, 3, 'tls [CERT KEY] [CA]')
        options = { ...options, tls: tlsFiles(o, block.configDir) }
        break
      case 'tls_servername':
        expectArgs(o, 1, 1, 'tls_servername NAME')
        options = { ...options, tlsServerName: o.args[0]! }
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
      case 'failfast_all_unhealthy_upstreams':
        expectArgs(o, 0, 0, 'failfast_all_unhealthy_upstreams')
        options = { ...options, failfastAllUnhealthy: true }
        break
      default:
        throw new ConfigError(o, `unknown option ${o.name}`)
    }
  })
  if (options.forceTcp && options.preferUdp) throw new ConfigError(d, 'force_tcp and prefer_udp exclude each other')
  const named = options.upstreams.find((u) => u.serverName !== undefined)
  if (named && options.tlsServerName !== null) {
    throw new ConfigError(d, `both tls_servername (${options.tlsServerName}) and the upstream's own (${named.serverName}) name a TLS server`)
  }
  return options
}

/** `tls` (the system's CAs), `tls CA`, `tls CERT KEY` (client authentication), `tls CERT KEY CA`. */
function tlsFiles(o: Directive, configDir: string): TlsFiles {
  const read = (file: string): string => {
    const path = resolve(configDir, file)
    return readTextFile(path, (reason) => new ConfigError(o, `tls: cannot read ${path}: ${reason}`))
  }
  const files = o.args.map(read)
  if (files.length === 1) return { ca: files[0]! }
  if (files.length === 2) return { cert: files[0]!, key: files[1]! }
  if (files.length === 3) return { cert: files[0]!, key: files[1]!, ca: files[2]! }
  return {}
}
