import { expectBare } from '../../config/directive-args.js'
import { Rcode } from '../../dns/constants.js'
import { emptyReply } from '../../dns/message.js'
import { metricTypeName } from '../../dns/type-names.js'
import { createLogger } from '../../log.js'
import type { Middleware, PluginDefinition } from '../plugin.js'

const log = createLogger('plugin/errors')

/** A plugin that failed answers SERVFAIL, and the failure is logged as CoreDNS does it. */
export const errorsMiddleware: Middleware = (next) => async (query) => {
  try {
    return await next(query)
  } catch (err) {
    log.error(`${Rcode.SERVFAIL} ${query.name}. ${metricTypeName(query.type)}: ${(err as Error).message ?? err}`)
    return emptyReply(Rcode.SERVFAIL, 'errors')
  }
}

/** `errors`: log what plugins fail with. */
export const errors: PluginDefinition = {
  name: 'errors',
  once: true,
  setup(uses) {
    expectBare(uses[0]!)
    return { middleware: errorsMiddleware }
  },
}
