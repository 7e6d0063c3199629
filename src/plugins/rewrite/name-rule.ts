import type { Directive } from '../../config/corefile.js'
import { normalizeName } from '../../dns/names.js'
import { ConfigError } from '../../errors.js'

export type MatchType = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex'

/** `name` rule's answer rewrites: regex FROM TO on owner names (`name`) or on names in record data (`value`). */
export interface AnswerRewrite {
  readonly part: 'name' | 'value'
  readonly rewrite: (name: string) => string | null
}

/** One `rewrite [continue|stop] name …` rule: what it turns a (lower-case) name into, or null. */
export interface NameRule {
  readonly answerAuto: boolean
  readonly answers: readonly AnswerRewrite[]
  rewrite(name: string): string | null
}

export const MATCH_TYPES: readonly MatchType[] = ['exact', 'prefix', 'suffix', 'substring', 'regex']
const strip = (text: string): string => normalizeName(text)

/** `[TYPE]` at the head of `args` (removed), `exact` when absent. */
export function takeMatchType(args: string[]): MatchType {
  return (MATCH_TYPES as readonly string[]).includes(args[0]!) ? (args.shift() as MatchType) : 'exact'
}

/**
 * Reads `name [TYPE] FROM TO [answer auto | answer name FROM TO | answer value FROM TO]…` (the
 * arguments after `name`); after the first, `answer` may be left out, as CoreDNS allows.
 */
export function parseNameRule(d: Directive, args: string[]): NameRule {
  const type = takeMatchType(args)
  const [from, to, ...rest] = args
  if (from === undefined || to === undefined) throw new ConfigError(d, `name ${type}: expected FROM TO`)
  let answerAuto = false
  const answers: AnswerRewrite[] = []
  for (let i = 0; i < rest.length; ) {
    if (rest[i] === 'answer') i++
    else if (i === 0) throw new ConfigError(d, `expected \`answer\` after FROM TO, not ${rest.join(' ')}`)
    const part = rest[i]
    if (part === 'auto') {
      answerAuto = true
      i++
    } else if ((part === 'name' || part === 'value') && rest[i + 2] !== undefined) {
      answers.push({ part, rewrite: regexRewrite(d, rest[i + 1]!, rest[i + 2]!, `answer ${part}`) })
      i += 3
    } else {
      throw new ConfigError(d, `expected \`answer auto\`, \`answer name FROM TO\` or \`answer value FROM TO\`, not ${rest.slice(i).join(' ')}`)
    }
  }
  return { answerAuto, answers, rewrite: nameMatcher(d, type, from, to) }
}

/** What a name becomes under FROM TO with a match type, or null when it does not match. */
export function nameMatcher(d: Directive, type: MatchType, from: string, to: string): (name: string) => string | null {
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
    case 'regex':
      return regexRewrite(d, from, to, 'name regex')
  }
}

/** As CoreDNS: FROM is matched against the name with its trailing dot; TO is the whole new name, {N} its groups. */
function regexRewrite(d: Directive, from: string, to: string, what: string): (name: string) => string | null {
  let pattern: RegExp
  try {
    pattern = new RegExp(from, 'i')
  } catch (err) {
    throw new ConfigError(d, `${what}: ${(err as Error).message}`)
  }
  return (name) => {
    const groups = pattern.exec(`${name}.`)
    if (!groups) return null
    return strip(to.replace(/\{(\d+)\}/g, (_, i: string) => groups[Number(i)] ?? ''))
  }
}
