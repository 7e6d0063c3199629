import { expectArgs, oneOfArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { inAnyZone } from '../../dns/names.js'
import { createLogger } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'
import { queryLogLine, responseClass, type ResponseClass } from './query-log-line.js'
import { ConfigError } from '../../errors.js'

const CLASSES = ['success', 'denial', 'error', 'all'] as const

/**
 * `log [NAMES…] { class success|denial|error|all… }`: one line per answered query for names under
 * NAMES (default: all), in CoreDNS's default format. Without `log`, queries are not logged.
 */
export const log: PluginDefinition = {
  name: 'log',
  setup(uses) {
    const rules = uses.map((d) => {
      expectArgs(d, 0, Infinity, 'log [NAMES…]')
      const zones = d.args.length > 0 ? d.args.flatMap((z) => parseZone(z, d)) : ['']
      let classes: Set<ResponseClass> | null = null
      for (const o of d.block ?? []) {
        if (o.name !== 'class') throw new ConfigError(o, `unknown option ${o.name} (custom formats are not supported)`)
        expectArgs(o, 1, Infinity, 'class success|denial|error|all…')
        const named = o.args.map((c) => oneOfArg(o, 'class', c, CLASSES))
        classes = named.includes('all') ? null : new Set(named as ResponseClass[])
      }
      return { zones, classes }
    })
    const logger = createLogger('')
    return {
      observe: () => (answered) => {
        const name = answered.query.lowerName
        const cls = responseClass(answered.reply.rcode)
        if (rules.some((r) => inAnyZone(name, r.zones) && (r.classes === null || r.classes.has(cls)))) {
          logger.info(queryLogLine(answered))
        }
      },
    }
  },
}
