import type { Directive } from '../../config/corefile.js'
import { eachOption, expectArgs, expectNoBlock, readEach, wholeNumberArg } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { EdnsOptionCode, RRClass } from '../../dns/constants.js'
import { classNumber, rcodeNumber, typeNumber } from '../../dns/type-names.js'
import { ConfigError } from '../../errors.js'
import type { PluginDefinition } from '../plugin.js'
import { Fallthrough } from '../pkg/fallthrough.js'
import { compileTemplate } from './go-template.js'
import { templateMiddleware, type Template } from './handler.js'

/** CoreDNS refuses longer patterns. */
const MAX_REGEX_LENGTH = 10_000

/**
 * `template CLASS TYPE [ZONE…] { match; answer; additional; authority; rcode; ederror; fallthrough }`:
 * answers synthesized from Go templates. Each use is one template, tried in the order written.
 */
export const template: PluginDefinition = {
  name: 'template',
  setup(uses, block) {
    const templates: Template[] = []
    readEach(uses, (d) => templates.push(parseTemplate(d, block.zones)))
    const answersOtherClasses = templates.some((t) => t.qclass !== RRClass.IN)
    return { middleware: templateMiddleware(templates, block.resolve), ...(answersOtherClasses ? { classes: [RRClass.CH] } : {}) }
  },
}

function parseTemplate(d: Directive, blockZones: readonly string[]): Template {
  expectArgs(d, 2, Infinity, 'template CLASS TYPE [ZONE…]')
  const qclass = classNumber(d.args[0]!) ?? fail(d, `invalid query class ${d.args[0]}`)
  const qtype = typeNumber(d.args[1]!) ?? fail(d, `invalid query type ${d.args[1]}`)
  const zones = d.args.length > 2 ? d.args.slice(2).flatMap((z) => parseZone(z, d)) : [...blockZones]
  const t: Template = { qclass, qtype, zones, regexes: [], answer: [], additional: [], authority: [], rcode: 0, ednsOptions: [], fallthrough: Fallthrough.NONE }
  eachOption(d, (o) => {
    expectNoBlock(o)
    switch (o.name) {
      case 'match':
        expectArgs(o, 1, Infinity, 'match REGEX…')
        t.regexes.push(...o.args.map((pattern) => goRegex(o, pattern)))
        break
      case 'answer':
      case 'additional':
      case 'authority':
        expectArgs(o, 1, Infinity, `${o.name} RR…`)
        t[o.name].push(
          ...o.args.map((text) => {
            try {
              return compileTemplate(text)
            } catch (err) {
              return fail(o, `could not compile template: ${(err as Error).message}`)
            }
          }),
        )
        break
      case 'rcode':
        expectArgs(o, 1, 1, 'rcode CODE')
        t.rcode = rcodeNumber(o.args[0]!) ?? fail(o, `unknown rcode ${o.args[0]}`)
        break
      case 'ederror': {
        expectArgs(o, 1, 2, 'ederror EXTENDED_ERROR_CODE [EXTRA_REASON]')
        const code = wholeNumberArg(o, o.args[0], 'EXTENDED_ERROR_CODE')
        if (code > 0xffff) fail(o, `extended error code ${code} is out of range`)
        const data = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(o.args[1] ?? '', 'utf8')])
        t.ednsOptions = [{ code: EdnsOptionCode.EDE, data }]
        break
      }
      case 'fallthrough':
        t.fallthrough = Fallthrough.fromOption(o)
        break
      case 'var':
      case 'expr':
        fail(o, `${o.name} (expr-language expressions) is not supported by clusterdns`)
        break
      default:
        fail(o, `unknown option ${o.name}`)
    }
  })
  if (t.regexes.length === 0) t.regexes.push(/.*/)
  return t
}

/**
 * A Go (RE2) pattern as a JavaScript RegExp: `(?P<name>` becomes `(?<name>`, a leading `(?i)`
 * becomes the `i` flag. A pattern JavaScript cannot read is refused with file:line.
 */
function goRegex(o: Directive, pattern: string): RegExp {
  if (pattern.length > MAX_REGEX_LENGTH) fail(o, `regex pattern too long: ${pattern.length} > ${MAX_REGEX_LENGTH}`)
  const caseless = pattern.startsWith('(?i)')
  const source = (caseless ? pattern.slice(4) : pattern).replaceAll('(?P<', '(?<')
  try {
    return new RegExp(source, caseless ? 'i' : '')
  } catch (err) {
    return fail(o, `could not parse regex: ${pattern}, ${(err as Error).message}`)
  }
}

function fail(at: Directive, message: string): never {
  throw new ConfigError(at, message)
}
