import { dirname } from 'node:path'
import { Rcode } from '../dns/constants.js'
import { emptyReply } from '../dns/message.js'
import { ConfigError, ConfigErrorList } from '../errors.js'
import { PLUGINS } from '../plugins/order.js'
import type { Handler, PluginInstance } from '../plugins/plugin.js'
import { parseCorefileFile, type ParseOptions, type ServerBlockSource } from './corefile.js'
import { parseServerAddress } from './server-address.js'

/** A zone served on a listener, with the chain that answers it. */
export interface ZoneRoute {
  readonly zone: string
  readonly handler: Handler
}

/** One address and port to listen on (UDP and TCP); address '' means every address. */
export interface ListenerPlan {
  readonly address: string
  readonly port: number
  readonly routes: readonly ZoneRoute[]
}

/** A validated configuration, ready to start: nothing runs until the server starts it. */
export interface ServerPlan {
  readonly listeners: readonly ListenerPlan[]
  readonly instances: readonly PluginInstance[]
}

/** What answers when no plugin did: a name this server is not configured for. */
const refuse: Handler = () => emptyReply(Rcode.REFUSED, '')

const KNOWN = new Map(PLUGINS.map((p) => [p.name, p]))

/**
 * Parses and validates a Corefile into a plan. A grammar error throws ConfigError (file:line);
 * problems in directives are collected across the whole file and thrown as one ConfigErrorList.
 */
export function loadServerPlan(path: string, options: ParseOptions = {}): ServerPlan {
  return planServers(parseCorefileFile(path, options), dirname(path))
}

export function planServers(blocks: readonly ServerBlockSource[], configDir: string): ServerPlan {
  const listeners = new Map<string, { address: string; port: number; routes: Map<string, Handler> }>()
  const instances: PluginInstance[] = []
  const problems: ConfigError[] = []
  const collect = <T>(fallback: T, step: () => T): T => {
    try {
      return step()
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(err)
      return fallback
    }
  }
  for (const block of blocks) {
    if (block.keys.length === 0) throw new ConfigError(block, 'server block has no address')
    const addresses = collect([], () => block.keys.map((key) => parseServerAddress(key, block)))
    const zones = [...new Set(addresses.flatMap((a) => a.zones))]
    for (const d of block.directives) {
      if (!KNOWN.has(d.name)) problems.push(new ConfigError(d, `unknown directive '${d.name}'`))
    }
    const blockInstances = PLUGINS.flatMap((plugin) => {
      const uses = block.directives.filter((d) => d.name === plugin.name)
      return uses.length > 0 ? collect([], () => [plugin.setup(uses, { zones, configDir })]) : []
    })
    instances.push(...blockInstances)
    const handler = blockInstances.reduceRight<Handler>((next, p) => (p.middleware ? p.middleware(next) : next), refuse)
    const binds = blockInstances.find((p) => p.listenAddresses)?.listenAddresses ?? ['']
    for (const { zones: keyZones, port } of addresses) {
      for (const address of binds) {
        const id = `${address}|${port}`
        let listener = listeners.get(id)
        if (!listener) listeners.set(id, (listener = { address, port, routes: new Map() }))
        for (const zone of keyZones) {
          if (listener.routes.has(zone)) {
            problems.push(new ConfigError(block, `zone ${zone === '' ? '.' : zone} on port ${port} is served by more than one server block`))
          }
          listener.routes.set(zone, handler)
        }
      }
    }
  }
  if (problems.length === 1) throw problems[0]
  if (problems.length > 1) throw new ConfigErrorList(problems)
  return {
    listeners: [...listeners.values()].map(({ address, port, routes }) => ({
      address,
      port,
      routes: [...routes].map(([zone, handler]) => ({ zone, handler })),
    })),
    instances,
  }
}
