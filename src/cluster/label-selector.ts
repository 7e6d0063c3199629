import { SelectorError } from '../errors.js'

export type Labels = Readonly<Record<string, string>> | undefined

/** A parsed Kubernetes label selector (`a=b,c!=d,e in (f,g),h,!i`). */
export interface LabelSelector {
  readonly text: string
  matches(labels: Labels): boolean
}

type Requirement = (labels: Readonly<Record<string, string>>) => boolean

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/

export function parseLabelSelector(text: string): LabelSelector {
  const requirements = splitRequirements(text).map(parseRequirement)
  return {
    text,
    matches: (labels) => requirements.every((r) => r(labels ?? {})),
  }
}

/** Splits on commas outside parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++
    else if (text[i] === ')') depth--
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  const trimmed = parts.map((p) => p.trim())
  if (trimmed.some((p) => p === '')) throw new SelectorError(`label selector "${text}" has an empty requirement`)
  return trimmed
}

function parseRequirement(part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part)
  if (set) {
    const key = checkKey(set[1]!)
    const values = new Set(set[3]!.split(',').map((v) => checkValue(v.trim())))
    return set[2] === 'in' ? (l) => key in l && values.has(l[key]!) : (l) => !(key in l) || !values.has(l[key]!)
  }
  const op = /^([^!=\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(part)
  if (op) {
    const key = checkKey(op[1]!)
    const value = checkValue(op[3]!)
    return op[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value
  }
  if (part.startsWith('!')) {
    const key = checkKey(part.slice(1).trim())
    return (l) => !(key in l)
  }
  const key = checkKey(part)
  return (l) => key in l
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`"${key}" is not a valid label key`)
  return key
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorError(`"${value}" is not a valid label value`)
  return value
}
