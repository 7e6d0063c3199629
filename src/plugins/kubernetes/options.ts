import { resolve } from 'node:path'
import type { Directive } from '../../config/corefile.js'
import { byteSizeArg, durationArg, eachOption, expectArgs, expectNoBlock, oneOfArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import type { ApiConnection } from '../../cluster/api/kube-config.js'
import { parseLabelSelector, type LabelSelector } from '../../cluster/label-selector.js'
import type { BlockContext } from '../plugin.js'
import { ConfigError, ErrorCode, isError } from '../../errors.js'
import { Fallthrough } from '../pkg/fallthrough.js'

export type PodMode = 'disabled' | 'insecure' | 'verified'

export interface KubernetesOptions {
  /** Zones answered, forward ones and reverse ones alike. */
  readonly zones: readonly string[]
  /** The first forward zone: PTR targets and the apex NS are named in it. */
  readonly primaryZone: string
  /** `namespaces`: only these are exposed (null: all). */
  readonly namespaces: ReadonlySet<string> | null
  readonly namespaceLabels: LabelSelector | null
  readonly labels: LabelSelector | null
  readonly pods: PodMode
  readonly endpointPodNames: boolean
  readonly ttl: number
  readonly noEndpoints: boolean
  /** Zones whose NXDOMAINs pass to the next plugin ([''] for all), or null. */
  readonly fallthrough: Fallthrough
  readonly ignoreEmptyService: boolean
  readonly startupTimeoutMs: number
  /** Manifest files or folders that feed the store instead of the API. */
  readonly manifests: readonly string[]
  /** `manifest_max_size`: a manifest file larger than this is refused. */
  readonly manifestMaxBytes: number
  /** How to reach the API when there are no manifests (all null: in-cluster). */
  readonly connection: ApiConnection
  /** `snapshot PATH [INTERVAL]`: where the store is saved, to serve when the API is away at start. */
  readonly snapshot: { readonly path: string; readonly intervalMs: number } | null
}

const DEFAULT_TTL = 5
const MAX_TTL = 3600
const DEFAULT_STARTUP_TIMEOUT_MS = 5000
const DEFAULT_MANIFEST_MAX_BYTES = 64 * 1024 * 1024
const DEFAULT_SNAPSHOT_INTERVAL_MS = 60_000

/** Reads `kubernetes [ZONES…] { … }`; `warn` hears of options CoreDNS accepts but ignores. */
export function parseKubernetesOptions(d: Directive, block: BlockContext, warn: (message: string) => void): KubernetesOptions {
  const zones = d.args.length > 0 ? d.args.flatMap((z) => parseZone(z, d)) : [...block.zones]
  const primaryZone = zones.find((z) => !z.endsWith('arpa'))
  if (primaryZone === undefined) throw new ConfigError(d, 'needs at least one zone that is not a reverse zone')
  let options: Omit<KubernetesOptions, 'zones' | 'primaryZone'> = {
    namespaces: null,
    namespaceLabels: null,
    labels: null,
    pods: 'disabled',
    endpointPodNames: false,
    ttl: DEFAULT_TTL,
    noEndpoints: false,
    fallthrough: Fallthrough.NONE,
    ignoreEmptyService: false,
    startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
    manifests: [],
    manifestMaxBytes: DEFAULT_MANIFEST_MAX_BYTES,
    connection: { endpoint: null, tls: null, kubeconfig: null },
    snapshot: null,
  }
  let apiOption = null as Directive | null
  eachOption(d, (o) => {
    expectNoBlock(o)
    const { connection, ...option } = readOption(o, block, warn)
    if (connection) {
      apiOption ??= o
      options = { ...options, connection: { ...options.connection, ...connection } }
    } else {
      options = { ...options, ...option }
    }
  })
  if (apiOption && options.manifests.length > 0) {
    throw new ConfigError(apiOption, `${apiOption.name}: manifests and the API (endpoint, tls, kubeconfig) are two sources; use one`)
  }
  const { endpoint, tls, kubeconfig } = options.connection
  if (kubeconfig && (endpoint || tls)) {
    // CoreDNS's getClientConfig uses the kubeconfig alone when there is one.
    warn(`${d.file}:${d.line}: kubeconfig ${kubeconfig.file} is used; ${endpoint ? `endpoint ${endpoint}` : ''}${endpoint && tls ? ' and ' : ''}${tls ? 'tls' : ''} ignored, as CoreDNS does`)
    options = { ...options, connection: { endpoint: null, tls: null, kubeconfig } }
  }
  return { zones, primaryZone, ...options }
}

type OptionValue = Partial<Omit<KubernetesOptions, 'connection'>> & { connection?: Partial<ApiConnection> }

function readOption(o: Directive, block: BlockContext, warn: (message: string) => void): OptionValue {
  const selector = (text: string): LabelSelector => {
    try {
      return parseLabelSelector(text)
    } catch (err) {
      if (isError(err, ErrorCode.SELECTOR)) throw new ConfigError(o, `${o.name}: ${err.message}`)
      throw err
    }
  }
  switch (o.name) {
    case 'namespaces':
      expectArgs(o, 1, Infinity, 'namespaces NAMESPACE…')
      return { namespaces: new Set(o.args.map((n) => n.toLowerCase())) }
    // A selector may be written with spaces (`env in (a, b)`): the words are one selector.
    case 'namespace_labels':
      expectArgs(o, 1, Infinity, 'namespace_labels SELECTOR')
      return { namespaceLabels: selector(o.args.join(' ')) }
    case 'labels':
      expectArgs(o, 1, Infinity, 'labels SELECTOR')
      return { labels: selector(o.args.join(' ')) }
    case 'pods': {
      expectArgs(o, 1, 1, 'pods disabled|insecure|verified')
      return { pods: oneOfArg(o, 'pods', o.args[0], ['disabled', 'insecure', 'verified'] as const) }
    }
    case 'endpoint_pod_names':
      expectArgs(o, 0, 0, 'endpoint_pod_names')
      return { endpointPodNames: true }
    case 'ttl': {
      expectArgs(o, 1, 1, 'ttl SECONDS')
      const ttl = Number(o.args[0])
      if (!/^\d+$/.test(o.args[0]!) || ttl > MAX_TTL) throw new ConfigError(o, `ttl must be a whole number from 0 to ${MAX_TTL}, not ${o.args[0]}`)
      return { ttl }
    }
    case 'noendpoints':
      expectArgs(o, 0, 0, 'noendpoints')
      return { noEndpoints: true }
    case 'fallthrough':
      return { fallthrough: Fallthrough.fromOption(o) }
    case 'ignore':
      if (o.args.length !== 1 || o.args[0] !== 'empty_service') throw new ConfigError(o, 'expected `ignore empty_service`')
      return { ignoreEmptyService: true }
    case 'startup_timeout': {
      expectArgs(o, 1, 1, 'startup_timeout DURATION')
      return { startupTimeoutMs: durationArg(o, o.args[0]!) }
    }
    case 'snapshot': {
      expectArgs(o, 1, 2, 'snapshot PATH [INTERVAL]')
      const intervalMs = o.args[1] === undefined ? DEFAULT_SNAPSHOT_INTERVAL_MS : durationArg(o, o.args[1])
      if (intervalMs <= 0) throw new ConfigError(o, `snapshot: the interval must be more than 0, not ${o.args[1]}`)
      return { snapshot: { path: resolve(block.configDir, o.args[0]!), intervalMs } }
    }
    case 'manifests':
      expectArgs(o, 1, Infinity, 'manifests PATH…')
      return { manifests: o.args.map((p) => resolve(block.configDir, p)) }
    case 'manifest_max_size':
      expectArgs(o, 1, 1, 'manifest_max_size SIZE')
      return { manifestMaxBytes: byteSizeArg(o, o.args[0]) }
    case 'endpoint': {
      expectArgs(o, 1, Infinity, 'endpoint URL')
      if (o.args.length > 1) {
        warn(`${o.file}:${o.line}: Multiple endpoints have been deprecated, only the first specified endpoint '${o.args[0]}' is used`)
      }
      let url: URL | null = null
      try {
        url = new URL(o.args[0]!)
      } catch {
        url = null
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError(o, `endpoint: ${o.args[0]} is not an http(s) URL`)
      return { connection: { endpoint: o.args[0]!.replace(/\/$/, '') } }
    }
    case 'tls': {
      expectArgs(o, 3, 3, 'tls CERT KEY CACERT')
      const [cert, key, ca] = o.args.map((p) => resolve(block.configDir, p)) as [string, string, string]
      return { connection: { tls: { cert, key, ca } } }
    }
    case 'kubeconfig':
      expectArgs(o, 1, 2, 'kubeconfig FILE [CONTEXT]')
      return { connection: { kubeconfig: { file: resolve(block.configDir, o.args[0]!), context: o.args[1] ?? null } } }
    default:
      throw new ConfigError(o, `unknown option ${o.name}`)
  }
}
