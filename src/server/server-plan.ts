import { dirname } from 'node:path'
import { parseCorefile, readCorefile, type Directive, type ParseOptions, type ServerBlockSource } from '../config/corefile.js'
import { DEFAULT_DNS_PORT, parseServerAddress } from '../config/server-address.js'
import { Rcode, RRClass } from '../dns/constants.js'
import { internalQuery } from '../dns/internal-query.js'
import { emptyReply, type Reply } from '../dns/message.js'
import { ConfigError, ConfigErrorList, configProblems } from '../errors.js'
import type { HttpRoute } from '../http/http-route.js'
import { Lifecycle, type ReadinessReporter } from '../lifecycle.js'
import { PLUGINS } from '../plugins/order.js'
import type { BlockContext, Handler, PluginDefinition, PluginInstance, QueryObserver } from '../plugins/plugin.js'
import { hostPort } from '../dns/address.js'
import { longestZone, zoneText } from '../dns/names.js'
import { unknownDirective } from './unknown-directive.js'
import { DEFAULT_TRANSPORT, type TransportSettings } from '../transport-settings.js'

/** A zone served on a listener, with the chain that answers it and who watches its answers. */
export interface ZoneRoute {
  /** The server block's keys, as the Corefile writes them. */
  readonly block: string
  readonly zone: string
  readonly handler: Handler
  readonly observers: readonly QueryObserver[]
  /** The block's directives, in chain order (what decides whether its answers may be replayed). */
  readonly plugins: readonly string[]
}

/** One address and port to listen on (UDP and TCP); address '' means every address. */
export interface ListenerPlan {
  readonly address: string
  readonly port: number
  readonly routes: readonly ZoneRoute[]
  readonly transport: TransportSettings
}

/** A validated configuration, ready to start: nothing runs until the server starts it. */
export interface ServerPlan {
  readonly listeners: readonly ListenerPlan[]
  readonly instances: readonly PluginInstance[]
  readonly httpRoutes: readonly HttpRoute[]
  readonly readiness: readonly ReadinessReporter[]
  /** The longest `health { lameduck }`, 0 without. */
  readonly lameduckMs: number
  readonly reload: { readonly intervalMs: number; readonly jitterMs: number } | null
  /** Each server block's plugins, for coredns_plugin_enabled. */
  readonly enabled: ReadonlyArray<{ readonly server: string; readonly zone: string; readonly name: string }>
}

export interface PlanOptions extends ParseOptions {
  readonly lifecycle?: Lifecycle
  /** The Corefile's text when it was already read (from standard input, or to hash it). */
  readonly text?: string
  /** The port of a server key that names none (`-dns.port`; 53). */
  readonly defaultPort?: number
}

/** `dns://ADDRESS:PORT` as CoreDNS names a server in its metrics. */
export const serverLabel = (address: string, port: number): string => `dns://${hostPort(address, port)}`

/** What answers when no plugin did: a name this server is not configured for. */
const refuse: Handler = () => emptyReply(Rcode.REFUSED, '')

const KNOWN = new Map(PLUGINS.map((p) => [p.name, p]))

/** Runs a plugin's setup; its Corefile errors are said to come from `plugin/NAME`, here only. */
function setupPlugin(plugin: PluginDefinition, uses: readonly Directive[], context: BlockContext): PluginInstance {
  try {
    if (plugin.once && uses.length > 1) throw new ConfigError(uses[1]!, `${plugin.name} is used more than once in this server block`)
    return plugin.setup(uses, context)
  } catch (err) {
    if (err instanceof ConfigErrorList) throw new ConfigErrorList(err.errors.map((e) => e.within(`plugin/${plugin.name}`)))
    throw err instanceof ConfigError ? err.within(`plugin/${plugin.name}`) : err
  }
}

/**
 * Parses and validates a Corefile into a plan. A grammar error throws ConfigError (file:line);
 * problems in directives are collected across the whole file and thrown as one ConfigErrorList.
 */
export function loadServerPlan(path: string, options: PlanOptions = {}): ServerPlan {
  const blocks = parseCorefile(options.text ?? readCorefile(path), path, options)
  return planServers(blocks, dirname(path), options.lifecycle ?? new Lifecycle(), options.defaultPort ?? DEFAULT_DNS_PORT)
}

export function planServers(blocks: readonly ServerBlockSource[], configDir: string, lifecycle: Lifecycle, defaultPort: number): ServerPlan {
  const listeners = new Map<string, { address: string; port: number; routes: Map<string, ZoneRoute>; transport: TransportSettings }>()
  const instances: PluginInstance[] = []
  const readiness: ReadinessReporter[] = []
  const enabled: Array<{ server: string; zone: string; name: string }> = []
  const problems: ConfigError[] = []
  const collect = <T>(fallback: T, step: () => T): T => {
    try {
      return step()
    } catch (err) {
      problems.push(...configProblems(err))
      return fallback
    }
  }
  for (const block of blocks) {
    if (block.keys.length === 0) throw new ConfigError(block, 'server block has no address')
    const addresses = collect([], () => block.keys.map((key) => parseServerAddress(key, block, defaultPort)))
    const zones = [...new Set(addresses.flatMap((a) => a.zones))]
    // Bound once the chain exists: plugins only call these while answering.
    let chain: Handler = refuse
    const resolve = async (name: string, type: number): Promise<Reply> => chain(internalQuery(name, type))
    let byName = new Map<string, PluginInstance>()
    const pluginOf = (name: string): PluginInstance | null => byName.get(name) ?? null
    for (const d of block.directives) {
      if (!KNOWN.has(d.name)) problems.push(new ConfigError(d, unknownDirective(d.name, [...KNOWN.keys()])))
    }
    let firstRoutes: Map<string, ZoneRoute> | null = null
    const route = (name: string): ZoneRoute | null => {
      const zone = longestZone(name, [...(firstRoutes?.keys() ?? [])])
      return zone === null ? null : firstRoutes!.get(zone)!
    }
    const context = { zones, configDir, lifecycle, server: serverLabel('', addresses[0]?.port ?? defaultPort), resolve, plugin: pluginOf, route }
    const named = PLUGINS.flatMap((plugin) => {
      const uses = block.directives.filter((d) => d.name === plugin.name)
      return uses.length > 0 ? collect([], () => [{ name: plugin.name, instance: setupPlugin(plugin, uses, context) }]) : []
    })
    const blockInstances = named.map((n) => n.instance)
    byName = new Map(named.map((n) => [n.name, n.instance]))
    instances.push(...blockInstances)
    for (const { name, instance } of named) if (instance.ready) readiness.push({ name, ready: () => instance.ready!() })
    const chainHandler = blockInstances.reduceRight<Handler>((next, p) => (p.middleware ? p.middleware(next) : next), refuse)
    // The decoder lets CH through: a block none of whose plugins answers it refuses it.
    const classes = new Set<number>([RRClass.IN, ...blockInstances.flatMap((p) => p.classes ?? [])])
    const handler: Handler = (query) => (classes.has(query.class) ? chainHandler(query) : refuse(query))
    chain = handler
    const binds = blockInstances.find((p) => p.listenAddresses)?.listenAddresses ?? ['']
    const transport = Object.assign({}, ...blockInstances.map((p) => p.transport ?? {})) as Partial<TransportSettings>
    for (const { zones: keyZones, port } of addresses) {
      for (const address of binds) {
        const id = `${address}|${port}`
        let listener = listeners.get(id)
        if (!listener) listeners.set(id, (listener = { address, port, routes: new Map(), transport: DEFAULT_TRANSPORT }))
        // Blocks sharing a listener: what a later one sets wins, as in CoreDNS.
        listener.transport = { ...listener.transport, ...transport }
        firstRoutes ??= listener.routes
        for (const zone of keyZones) {
          if (listener.routes.has(zone)) {
            problems.push(new ConfigError(block, `zone ${zoneText(zone)} on port ${port} is served by more than one server block`))
          }
          const labels = { server: serverLabel(address, port), zone: zoneText(zone) }
          const observers = blockInstances.flatMap((p) => (p.observe ? [p.observe(labels, address)] : []))
          listener.routes.set(zone, { block: block.keys.join(' '), zone, handler, observers, plugins: named.map((n) => n.name) })
          for (const { name } of named) enabled.push({ ...labels, name })
        }
      }
    }
  }
  if (problems.length === 1) throw problems[0]
  if (problems.length > 1) throw new ConfigErrorList(problems)
  return {
    listeners: [...listeners.values()].map(({ address, port, routes, transport }) => ({ address, port, routes: [...routes.values()], transport })),
    instances,
    httpRoutes: instances.flatMap((p) => p.httpRoutes ?? []),
    readiness,
    lameduckMs: Math.max(0, ...instances.map((p) => p.lameduckMs ?? 0)),
    reload: instances.find((p) => p.reload)?.reload ?? null,
    enabled,
  }
}
