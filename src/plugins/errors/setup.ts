import { eachOption, expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { Rcode } from '../../dns/constants.js'
import { emptyReply, type DnsQuery } from '../../dns/message.js'
import { typeName } from '../../dns/type-names.js'
import { ConfigError } from '../../errors.js'
import { createLogger } from '../../log.js'
import type { Middleware, PluginDefinition } from '../plugin.js'
import { Consolidator, parseConsolidate, type ConsolidatePattern } from './consolidate.js'

const log = createLogger('plugin/errors')

/** The line CoreDNS's errors plugin writes for a failed query: `RCODE NAME. TYPE: ERROR`. */
const errorLine = (rcode: number, query: DnsQuery, error: string): string => `${rcode} ${query.lowerName}. ${typeName(query.type)}: ${error}`

/**
 * A plugin's failure is logged as CoreDNS does: a reply that carries an error (an upstream that did
 * not answer), or a plugin that throws (answered SERVFAIL). Errors matching a `consolidate` pattern
 * are counted and summed up once per period instead. Every other one is a line, as in CoreDNS, so
 * log-based alerts count them all.
 */
export function errorLogging(patterns: readonly ConsolidatePattern[] = [], stacktrace = false): { middleware: Middleware; stop(): void } {
  const consolidator = new Consolidator(patterns, log)
  const report = (rcode: number, query: DnsQuery, error: string): void => {
    const level = consolidator.levelFor(error)
    if (level !== null) log[level](errorLine(rcode, query, error))
  }
  const middleware: Middleware = (next) => async (query) => {
    try {
      const reply = await next(query)
      if (reply.error !== undefined) report(reply.rcode, query, reply.error)
      return reply
    } catch (err) {
      const message = (err as Error).message ?? String(err)
      report(Rcode.SERVFAIL, query, stacktrace && err instanceof Error && err.stack ? `${message}\n${err.stack}` : message)
      return emptyReply(Rcode.SERVFAIL, 'errors')
    }
  }
  return { middleware, stop: () => consolidator.stop() }
}

/** `errors` with no options. */
export const errorsMiddleware: Middleware = errorLogging().middleware

/** `errors [stdout] { stacktrace; consolidate DURATION REGEXP [LEVEL] [show_first] }`. */
export const errors: PluginDefinition = {
  name: 'errors',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 1, 'errors [stdout]')
    if (d.args[0] !== undefined && d.args[0] !== 'stdout') throw new ConfigError(d, `invalid log file: ${d.args[0]}`)
    const patterns: ConsolidatePattern[] = []
    let stacktrace = false
    eachOption(d, (o) => {
      expectNoBlock(o)
      switch (o.name) {
        case 'stacktrace':
          expectArgs(o, 0, 0, 'stacktrace')
          stacktrace = true
          break
        case 'consolidate':
          patterns.push(parseConsolidate(o))
          break
        default:
          throw new ConfigError(o, `unknown option ${o.name}`)
      }
    })
    return errorLogging(patterns, stacktrace)
  },
}
