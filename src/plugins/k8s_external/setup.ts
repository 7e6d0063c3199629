import { expectArgs, wholeNumberArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { Rcode } from '../../dns/constants.js'
import { replyInAskedCase } from '../../dns/letter-case.js'
import type { DnsQuery, Reply } from '../../dns/message.js'
import { longestZone, normalizeName } from '../../dns/names.js'
import { ConfigError } from '../../errors.js'
import type { PluginDefinition } from '../plugin.js'
import { Fallthrough } from '../pkg/fallthrough.js'
import { ExternalLookup, type ExternalOptions } from './lookup.js'

const PLUGIN = 'k8s_external'
const MAX_TTL = 3600

/**
 * `k8s_external [ZONE…] { apex APEX; ttl TTL; headless; fallthrough [ZONE…] }`: Services'
 * external addresses (spec.externalIPs, LoadBalancer ingress IPs) under another zone, as
 * `SVC.NS.ZONE`, read from the block's kubernetes plugin.
 */
export const k8sExternal: PluginDefinition = {
  name: PLUGIN,
  once: true,
  setup(uses, block) {
    const d = uses[0]!
    let options: ExternalOptions = { zones: d.args.length > 0 ? d.args.flatMap((z) => parseZone(z, d)) : [...block.zones], apex: 'dns', ttl: 5, headless: false }
    let fallthrough = Fallthrough.NONE
    for (const o of d.block ?? []) {
      switch (o.name) {
        case 'apex':
          expectArgs(o, 1, 1, 'apex APEX')
          options = { ...options, apex: normalizeName(o.args[0]!) }
          break
        case 'ttl': {
          expectArgs(o, 1, 1, 'ttl TTL')
          const ttl = wholeNumberArg(o, o.args[0], 'TTL')
          if (ttl > MAX_TTL) throw new ConfigError(o, `ttl must be in range [0, ${MAX_TTL}]: ${ttl}`)
          options = { ...options, ttl }
          break
        }
        case 'headless':
          expectArgs(o, 0, 0, 'headless')
          options = { ...options, headless: true }
          break
        case 'fallthrough':
          fallthrough = Fallthrough.fromOption(o)
          break
        default:
          throw new ConfigError(o, `unknown property ${o.name}`)
      }
    }
    let lookup: ExternalLookup | null = null
    return {
      // The kubernetes plugin is known once every plugin of the block is set up.
      start() {
        const cluster = block.plugin('kubernetes')?.cluster
        if (!cluster) throw new ConfigError(d, `plugin/${PLUGIN}: the kubernetes plugin is not loaded in this server block`)
        lookup = new ExternalLookup(options, cluster)
        return Promise.resolve()
      },
      middleware: (next) => (query: DnsQuery) => {
        const zone = longestZone(query.lowerName, options.zones)
        if (zone === null || !lookup) return next(query)
        const result = lookup.lookup(query.lowerName, query.type, zone)
        if (!result.exists && fallthrough.through(query.lowerName)) return next(query)
        const authority = result.answer.length === 0 ? [lookup.soa(zone)] : []
        const reply: Reply = { rcode: result.exists ? Rcode.NOERROR : Rcode.NXDOMAIN, authoritative: true, answer: result.answer, authority, additional: result.additional, plugin: PLUGIN }
        return replyInAskedCase(reply, query.name, zone)
      },
    }
  },
}
