import type { Directive } from '../../config/corefile.js'
import { eachOption, expectArgs, expectNoBlock, oneOfArg, readEach } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { typifyResponse, type ResponseType } from '../../dns/response-type.js'
import { inAnyZone } from '../../dns/names.js'
import { createLogger, type Logger } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'
import { COMBINED_LOG_FORMAT, COMMON_LOG_FORMAT, parseLogFormat, renderLogLine, type LogFormat } from './log-format.js'
import { ConfigError } from '../../errors.js'

const CLASSES = ['success', 'denial', 'error', 'all'] as const
type ResponseClass = Exclude<(typeof CLASSES)[number], 'all'>

/** One NAME of a `log` directive: queries under it are logged in its format, when their class is wanted. */
interface Rule {
  readonly zones: readonly string[]
  readonly format: LogFormat
  /** null: every class. */
  readonly classes: ReadonlySet<ResponseClass> | null
}

/** CoreDNS's response.Classify: NODATA is a denial like NXDOMAIN, a delegation a success. */
function classify(type: ResponseType): ResponseClass {
  if (type === 'NOERROR' || type === 'DELEGATION') return 'success'
  if (type === 'NXDOMAIN' || type === 'NODATA') return 'denial'
  return 'error'
}

/**
 * `log [NAMES…] [FORMAT] { class success|denial|error|all… }`, read as CoreDNS reads it: with two
 * or more arguments the last is the format when it has a `{`; a lone argument is always a name.
 */
function readRules(d: Directive, warn: Logger['warn']): Rule[] {
  let names = d.args
  let format = COMMON_LOG_FORMAT
  if (names.length > 1 && names.at(-1)!.includes('{')) {
    format = names.at(-1)!.replaceAll('{common}', COMMON_LOG_FORMAT).replaceAll('{combined}', COMBINED_LOG_FORMAT)
    names = names.slice(0, -1)
  }
  if (names.length === 1 && names[0]!.includes('{')) {
    // CoreDNS too logs nothing for it; say so rather than stay silent.
    warn(`${d.file}:${d.line}: "${names[0]}" is a name here, not a format (CoreDNS reads a lone argument so): no query is under it; for a format write log . "${names[0]}"`)
  }
  const zones = names.length === 0 ? [['']] : names.map((name) => parseZone(name, d))
  const classes = new Set<(typeof CLASSES)[number]>()
  eachOption(d, (o) => {
    expectNoBlock(o)
    if (o.name !== 'class') throw new ConfigError(o, `unknown property ${o.name}`)
    expectArgs(o, 1, Infinity, 'class success|denial|error|all…')
    for (const c of o.args) classes.add(oneOfArg(o, 'class', c, CLASSES))
  })
  const wanted = classes.size === 0 || classes.has('all') ? null : (classes as Set<ResponseClass>)
  const parsed = parseLogFormat(format)
  return zones.map((z) => ({ zones: z, format: parsed, classes: wanted }))
}

/**
 * One line per answered query, in CoreDNS's Common Log Format or the directive's own. As in CoreDNS,
 * the first rule whose name holds the query decides: its class filter, its format.
 */
export const log: PluginDefinition = {
  name: 'log',
  setup(uses) {
    const rules: Rule[] = []
    const warnings = createLogger('plugin/log')
    readEach(uses, (d) => rules.push(...readRules(d, warnings.warn)))
    const queries = createLogger('')
    return {
      observe: (_labels, localAddress) => {
        const context = { localAddress }
        return (answered) => {
          const rule = rules.find((r) => inAnyZone(answered.query.lowerName, r.zones))
          if (!rule) return
          if (rule.classes === null || rule.classes.has(classify(typifyResponse(answered.response, answered.reply.rcode)))) {
            queries.info(renderLogLine(rule.format, answered, context))
          }
        }
      },
    }
  },
}
