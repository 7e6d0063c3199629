/**
 * The part of Go's text/template that CoreDNS's template plugin documents: `{{ .Field }}` chains,
 * `{{ index .Match 1 }}`, `{{ index .Group "name" }}`, `{{ parseInt .Group.b 16 8 }}`, and the
 * `{{-`/`-}}` trim markers. Anything else (pipes, variables, if/range, other functions) is refused
 * when the template is compiled, so a Corefile never fails later on syntax we do not run.
 */

/** What a template sees of the query it answers (CoreDNS's templateData). */
export interface TemplateData {
  readonly Zone: string
  readonly Name: string
  readonly Regex: string
  readonly Class: string
  readonly Type: string
  readonly Remote: string
  readonly Match: readonly string[]
  readonly Group: Readonly<Record<string, string>>
  readonly Question: { readonly Name: string; readonly Qtype: number; readonly Qclass: number }
  readonly Message: {
    readonly Id: number
    readonly Opcode: number
    readonly RecursionDesired: boolean
    readonly CheckingDisabled: boolean
    readonly AuthenticatedData: boolean
  }
}

type Kind = 'text' | 'number' | 'bool' | 'list' | 'map' | 'object'

/** The fields a template may name, and what each holds. */
const FIELDS: Readonly<Record<string, Kind | Readonly<Record<string, Kind>>>> = {
  Zone: 'text',
  Name: 'text',
  Regex: 'text',
  Class: 'text',
  Type: 'text',
  Remote: 'text',
  Match: 'list',
  Group: 'map',
  Question: { Name: 'text', Qtype: 'number', Qclass: 'number' },
  Message: { Id: 'number', Opcode: 'number', RecursionDesired: 'bool', CheckingDisabled: 'bool', AuthenticatedData: 'bool' },
}

type Value = string | number | bigint | boolean | readonly string[] | Readonly<Record<string, unknown>>
type Expr = (data: TemplateData) => Value

/** A template failed while answering (an index out of range, a number that does not parse). */
export class TemplateRunError extends Error {}

/** A compiled template: data in, text out; throws TemplateRunError. */
export type CompiledTemplate = (data: TemplateData) => string

/** Compiles `source`; throws an Error naming what is not supported. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: Array<string | Expr> = []
  let rest = source
  for (;;) {
    const open = rest.indexOf('{{')
    if (open === -1) {
      parts.push(rest)
      break
    }
    let text = rest.slice(0, open)
    let inner = rest.slice(open + 2)
    const close = inner.indexOf('}}')
    if (close === -1) throw new Error(`unclosed action in "${source}"`)
    let action = inner.slice(0, close)
    inner = inner.slice(close + 2)
    if (/^-\s/.test(action)) {
      text = text.trimEnd()
      action = action.slice(1)
    }
    if (/\s-$/.test(action)) {
      inner = inner.trimStart()
      action = action.slice(0, -1)
    }
    parts.push(text)
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(action)) parts.push(compileAction(action.trim(), source))
    rest = inner
  }
  return (data) => parts.map((p) => (typeof p === 'string' ? p : print(p(data)))).join('')
}

function print(value: Value): string {
  return typeof value === 'object' ? '<no value>' : String(value)
}

interface Operand {
  readonly kind: Kind
  readonly eval: Expr
}

function compileAction(action: string, source: string): Expr {
  const words = [...action.matchAll(/"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g)].map((m) => m[0])
  const refuse = (): never => {
    throw new Error(`{{ ${action} }} is not supported in "${source}" (fields like .Name, index, parseInt)`)
  }
  if (words.length === 0) refuse()
  const [head, ...args] = words as [string, ...string[]]
  if (head === 'index') {
    if (args.length !== 2) refuse()
    const collection = operand(args[0]!, refuse)
    const key = operand(args[1]!, refuse)
    if (collection.kind === 'list' && key.kind === 'number') {
      return (data) => {
        const list = collection.eval(data) as readonly string[]
        const i = Number(key.eval(data))
        if (i < 0 || i >= list.length) throw new TemplateRunError(`index ${i} out of range (${list.length} matches)`)
        return list[i]!
      }
    }
    // Go's index on a map gives the zero value for a missing key.
    if (collection.kind === 'map' && key.kind === 'text') return (data) => (collection.eval(data) as Record<string, string>)[String(key.eval(data))] ?? ''
    return refuse()
  }
  if (head === 'parseInt') {
    if (args.length !== 3) refuse()
    const [text, base, bits] = args.map((a) => operand(a, refuse)) as [Operand, Operand, Operand]
    if (text.kind !== 'text' || base.kind !== 'number' || bits.kind !== 'number') refuse()
    return (data) => parseUint(String(text.eval(data)), Number(base.eval(data)), Number(bits.eval(data)))
  }
  if (args.length > 0) refuse()
  const single = operand(head, refuse)
  if (single.kind === 'list' || single.kind === 'map' || single.kind === 'object') refuse()
  return single.eval
}

/** A field chain (`.Group.a`), a whole number or a quoted string. */
function operand(word: string, refuse: () => never): Operand {
  if (/^\d+$/.test(word)) return { kind: 'number', eval: () => Number(word) }
  if (/^"(?:[^"\\]|\\.)*"$/.test(word)) {
    const text = JSON.parse(word) as string
    return { kind: 'text', eval: () => text }
  }
  if (/^`[^`]*`$/.test(word)) return { kind: 'text', eval: () => word.slice(1, -1) }
  const path = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(word) ? word.slice(1).split('.') : refuse()
  const top = FIELDS[path[0]!] ?? refuse()
  if (path.length === 1) return { kind: typeof top === 'string' ? top : 'object', eval: (d) => d[path[0] as keyof TemplateData] }
  if (path.length !== 2) refuse()
  const [field, member] = path as [keyof TemplateData, string]
  if (top === 'map') {
    // Go prints a map's missing key as "<no value>".
    return { kind: 'text', eval: (d) => (d[field] as Record<string, string>)[member] ?? '<no value>' }
  }
  if (typeof top === 'string' || !(member in top)) refuse()
  const kind = (top as Record<string, Kind>)[member]!
  return { kind, eval: (d) => (d[field] as unknown as Record<string, Value>)[member]! }
}

/** Go's strconv.ParseUint: `text` in `base` (0: by its prefix) fitting in `bits` bits. */
function parseUint(text: string, base: number, bits: number): bigint {
  let digits = text
  let radix = base
  if (base === 0) {
    const prefixed = /^0([xob])/i.exec(text)
    radix = prefixed ? { x: 16, o: 8, b: 2 }[prefixed[1]!.toLowerCase() as 'x' | 'o' | 'b'] : text.length > 1 && text.startsWith('0') ? 8 : 10
    digits = prefixed ? text.slice(2) : text
  }
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, radix)
  if (radix < 2 || radix > 36 || bits < 0 || bits > 64 || digits === '' || ![...digits.toLowerCase()].every((c) => alphabet.includes(c))) {
    throw new TemplateRunError(`parseInt: ${text} is not a base-${base} number`)
  }
  const value = [...digits.toLowerCase()].reduce((n, c) => n * BigInt(radix) + BigInt(alphabet.indexOf(c)), 0n)
  if (value >= 1n << BigInt(bits === 0 ? 64 : bits)) throw new TemplateRunError(`parseInt: ${text} is out of range for ${bits} bits`)
  return value
}
