import type { Directive } from '../../config/corefile.js'
import { normalizeName } from '../../dns/names.js'
import { ConfigError } from '../../errors.js'

export type MatchType = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex'

/** One `rewrite [continue|stop] name …` rule: what it turns a (lower-case) name into, or null. */
export interface NameRule {
  readonly stop: boolean
  readonly answerAuto: boolean
  rewrite(name: string): string | null
}

const MATCH_TYPES = new Set(['exact', 'prefix', 'suffix', 'substring', 'regex'])
const strip = (text: string): string => normalizeName(text)

/** Reads `rewrite [continue|stop] name [TYPE] FROM TO [answer auto]`. */
export function parseNameRule(d: Directive): NameRule {
  const args = [...d.args]
  let stop = true
  if (args[0] === 'continue' || args[0] === 'stop') stop = args.shift() === 'stop'
  if (args[0] !== 'name') throw new ConfigError(d, `only name rules are supported (rewrite [continue|stop] name …), not ${args[0] ?? 'nothing'}`)
  args.shift()
  const type = (MATCH_TYPES.has(args[0]!) ? args.shift() : 'exact') as MatchType
  const [from, to, ...rest] = args
  if (from === undefined || to === undefined) throw new ConfigError(d, `name ${type}: expected FROM TO`)
  let answerAuto = false
  if (rest.length > 0) {
    if (rest.length !== 2 || rest[0] !== 'answer' || rest[1] !== 'auto') throw new ConfigError(d, `expected \`answer auto\` after FROM TO, not ${rest.join(' ')}`)
    answerAuto = true
  }
  return { stop, answerAuto, rewrite: matcher(d, type, from, to) }
}

function matcher(d: Directive, type: MatchType, from: string, to: string): (name: string) => string | null {
  switch (type) {
    case 'exact': {
      const [f, t] = [strip(from), strip(to)]
      return (name) => (name === f ? t : null)
    }
    case 'prefix': {
      const [f, t] = [from.toLowerCase(), to.toLowerCase()]
      return (name) => (name.startsWith(f) ? t + name.slice(f.length) : null)
    }
    case 'suffix': {
      const [f, t] = [strip(from), strip(to)]
      return (name) => (name.endsWith(f) ? name.slice(0, name.length - f.length) + t : null)
    }
    case 'substring': {
      const [f, t] = [from.toLowerCase(), to.toLowerCase()]
      return (name) => (name.includes(f) ? name.replace(f, t) : null)
    }
    case 'regex': {
      let pattern: RegExp
      try {
        pattern = new RegExp(from, 'i')
      } catch (err) {
        throw new ConfigError(d, `name regex: ${(err as Error).message}`)
      }
      // As CoreDNS: matched against the name with its trailing dot; TO is the whole new name, {N} its groups.
      return (name) => {
        const groups = pattern.exec(`${name}.`)
        if (!groups) return null
        return strip(to.replace(/\{(\d+)\}/g, (_, i: string) => groups[Number(i)] ?? ''))
      }
    }
  }
}
