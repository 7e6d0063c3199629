import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { durationArg, eachOption, expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { canonicalIP } from '../../dns/address.js'
import { Rcode, RRType } from '../../dns/constants.js'
import { emptyReply, type ResourceRecord } from '../../dns/message.js'
import { inAnyZone } from '../../dns/names.js'
import { addressOfReverseName } from '../../dns/reverse.js'
import { createLogger } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'
import { mergeHosts, parseHosts, type HostsTable } from './hosts-table.js'
import { ConfigError } from '../../errors.js'
import { Fallthrough } from '../pkg/fallthrough.js'

const PLUGIN = 'hosts'
const DEFAULT_FILE = '/etc/hosts'
const DEFAULT_TTL = 3600
const DEFAULT_RELOAD_MS = 5000

const log = createLogger('plugin/hosts')

/**
 * `hosts [FILE [ZONES…]] { IP NAME…; ttl; no_reverse; reload; fallthrough }`: A, AAAA and PTR
 * from a hosts file (default /etc/hosts, re-read when it changes) and inline entries. A name it
 * has with no record of the asked type is NODATA; a name it lacks is NXDOMAIN, or passes on with
 * `fallthrough`.
 */
export const hosts: PluginDefinition = {
  name: PLUGIN,
  once: true,
  setup(uses, block) {
    const d = uses[0]!
    const file = resolve(block.configDir, d.args[0] ?? DEFAULT_FILE)
    const zones = d.args.length > 1 ? d.args.slice(1).flatMap((z) => parseZone(z, d)) : [...block.zones]
    let ttl = DEFAULT_TTL
    let reverse = true
    let reloadMs = DEFAULT_RELOAD_MS
    let fallthrough = Fallthrough.NONE
    const inlineLines: string[] = []
    eachOption(d, (o) => {
      expectNoBlock(o)
      if (canonicalIP(o.name) !== null) {
        expectArgs(o, 1, Infinity, 'IP NAME…')
        inlineLines.push([o.name, ...o.args].join(' '))
        return
      }
      switch (o.name) {
        case 'ttl':
          expectArgs(o, 1, 1, 'ttl SECONDS')
          if (!/^\d+$/.test(o.args[0]!) || Number(o.args[0]) > 2 ** 31 - 1) throw new ConfigError(o, `ttl: ${o.args[0]} is not a whole number of seconds`)
          ttl = Number(o.args[0])
          break
        case 'no_reverse':
          expectArgs(o, 0, 0, 'no_reverse')
          reverse = false
          break
        case 'reload':
          expectArgs(o, 1, 1, 'reload DURATION')
          reloadMs = durationArg(o, o.args[0]!)
          break
        case 'fallthrough':
          fallthrough = Fallthrough.fromOption(o)
          break
        default:
          throw new ConfigError(o, `unknown option ${o.name} (inline entries are IP NAME…)`)
      }
    })
    const inline = parseHosts(inlineLines.join('\n'))
    let table: HostsTable = inline
    let stamp = ''
    const load = (): void => {
      let next: string
      try {
        const st = statSync(file)
        next = `${st.mtimeMs}:${st.size}:${st.ino}`
        if (next === stamp) return
        table = mergeHosts(inline, parseHosts(readFileSync(file, 'utf8')))
      } catch (err) {
        if (stamp !== 'missing') log.warn(`${file}: ${(err as Error).message}; answering from the inline entries`)
        next = 'missing'
        table = inline
      }
      stamp = next
    }
    let timer: NodeJS.Timeout | null = null

    return {
      start: async () => {
        load()
        if (reloadMs > 0) {
          timer = setInterval(load, reloadMs)
          timer.unref()
        }
      },
      stop: () => {
        if (timer) clearInterval(timer)
      },
      middleware: (next) => (query) => {
        const name = query.lowerName
        const inZones = inAnyZone(name, zones)
        let answer: ResourceRecord[] | null = null
        // PTR for an address of the table is answered whatever the zones, as in CoreDNS.
        const ip = reverse ? addressOfReverseName(name) : null
        if (ip !== null) {
          const names = table.namesByAddress.get(ip)
          if (names) answer = query.type === RRType.PTR ? names.map((target) => ({ name: query.name, type: RRType.PTR, ttl, target })) : []
        } else if (inZones) {
          const entry = table.addressesByName.get(name)
          if (entry) {
            const addresses = query.type === RRType.A ? entry.v4 : query.type === RRType.AAAA ? entry.v6 : []
            answer = addresses.map((address) => ({ name: query.name, type: query.type as typeof RRType.A, ttl, address }))
          }
        }
        if (answer === null) {
          if (!inZones || fallthrough.through(name)) return next(query)
          return { ...emptyReply(Rcode.NXDOMAIN, PLUGIN), authoritative: true }
        }
        return { rcode: Rcode.NOERROR, authoritative: true, answer, authority: [], additional: [], plugin: PLUGIN }
      },
    }
  },
}
