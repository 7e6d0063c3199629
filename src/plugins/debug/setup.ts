import { expectBare } from '../../config/directive-args.js'
import { metricTypeName, rcodeName } from '../../dns/type-names.js'
import { createLogger, holdDebug } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'

const log = createLogger('plugin/debug')

/**
 * `debug`: debug lines on (every plugin's `[DEBUG]` lines, and one per answered query saying which
 * plugin answered), for as long as a running configuration has the directive.
 */
export const debug: PluginDefinition = {
  name: 'debug',
  once: true,
  setup(uses) {
    expectBare(uses[0]!)
    let release: (() => void) | null = null
    return {
      start: async () => {
        release ??= holdDebug()
      },
      stop: () => {
        release?.()
        release = null
      },
      observe: (labels) => ({ query, reply, response, durationSeconds }) => {
        const type = metricTypeName(query.type)
        log.debug(
          `${labels.server} ${query.transport} ${query.remoteAddress}:${query.remotePort} ${query.id} ${query.name}. ` +
            `${type === 'other' ? `TYPE${query.type}` : type}: ${rcodeName(reply.rcode)} by ${reply.plugin || 'no plugin'}, ` +
            `${reply.answer.length}/${reply.authority.length}/${reply.additional.length} records, ${response.length} bytes, ` +
            `${(durationSeconds * 1000).toFixed(3)}ms`,
        )
      },
    }
  },
}
