import { isIPv4 } from 'node:net'
import type { Directive } from '../../config/corefile.js'
import { ipv6Groups } from '../../dns/address.js'
import type { DnsQuery, EdnsOption } from '../../dns/message.js'
import { renamedQuery, retypedQuery } from '../../dns/renamed-query.js'
import { classNumber, rcodeNumber, typeNumber } from '../../dns/type-names.js'
import { ConfigError } from '../../errors.js'
import { nameMatcher, parseNameRule, takeMatchType } from './name-rule.js'

/** What a rule asks of the reply (applied in reverse rule order, as CoreDNS). */
export interface ReplyEdit {
  /** Owner names (`answer name`, `answer auto`). */
  readonly owner?: (name: string) => string
  /** Names in record data (`answer value`, `answer auto`). */
  readonly value?: (name: string) => string
  readonly ttl?: (ttl: number) => number
  readonly rcode?: (rcode: number) => number
  /** `edns0 … revert`: these option codes are taken out of the reply's OPT record. */
  readonly dropOptions?: readonly number[]
  /** `cname`: a CNAME target to rewrite, after which the records are looked up again. */
  readonly cnameTarget?: (target: string) => string | null
}

/** One rule: the query it makes of `query` and what it asks of the reply, or null when it does not apply. */
export interface Rule {
  readonly stop: boolean
  apply(query: DnsQuery): { query: DnsQuery; edit: ReplyEdit | null } | null
}

const MAX_TTL = 0x7fffffff
const EDNS_NSID = 3
const EDNS_SUBNET = 8
const EDNS_ACTIONS = ['set', 'append', 'replace', 'unset'] as const
type EdnsAction = (typeof EDNS_ACTIONS)[number]

/**
 * Reads one rule: `rewrite [continue|stop] FIELD …`, or the block form `rewrite [continue|stop] { FIELD … }`
 * whose lines are one rule (a name rule and its `answer` lines), as CoreDNS reads them.
 */
export function parseRule(d: Directive): Rule {
  const args = d.args.length < 2 && d.block ? [...d.args, ...d.block.flatMap((o) => [o.name, ...o.args])] : [...d.args]
  if (d.args.length >= 2 && d.block) throw new ConfigError(d, 'a rule is written either on the line or in a block, not both')
  let stop = true
  if (args[0] === 'continue' || args[0] === 'stop') stop = args.shift() === 'stop'
  const field = args.shift()
  switch (field) {
    case 'name': {
      const rule = parseNameRule(d, args)
      return { stop, apply: (query) => applyName(rule, query) }
    }
    case 'type':
    case 'class': {
      if (args.length !== 2) throw new ConfigError(d, `${field} rules must have exactly two arguments: FROM TO`)
      const [from, to] = args.map((a) => (field === 'type' ? typeNumber(a) : classNumber(a)))
      if (from == null || to == null) throw new ConfigError(d, `${field}: ${args.join(' ')} are not ${field === 'type' ? 'record types' : 'classes (IN, CH, HS)'}`)
      return {
        stop,
        apply: (query) => {
          if ((field === 'type' ? query.type : query.class) !== from) return null
          return { query: field === 'type' ? retypedQuery(query, to, query.class) : retypedQuery(query, query.type, to), edit: null }
        },
      }
    }
    case 'ttl': {
      const matches = matcherOf(d, args, 1, 'ttl [TYPE] NAME SECONDS|MIN-MAX')
      const [min, max] = ttlRange(d, args[1]!)
      return { stop, apply: (query) => (matches(query.lowerName) ? { query, edit: { ttl: (ttl) => Math.min(max, Math.max(min, ttl)) } } : null) }
    }
    case 'rcode': {
      const matches = matcherOf(d, args, 2, 'rcode [TYPE] NAME FROM TO')
      const [from, to] = args.slice(1).map((a) => (/^\d+$/.test(a) ? Number(a) : rcodeNumber(a)))
      if (from == null || to == null || from > 15 || to > 15) throw new ConfigError(d, `rcode: ${args.slice(1).join(' ')} are not rcodes (0 to 15, NOERROR, SERVFAIL…)`)
      return { stop, apply: (query) => (matches(query.lowerName) ? { query, edit: { rcode: (rcode) => (rcode === from ? to : rcode) } } : null) }
    }
    case 'cname': {
      const type = takeMatchType(args)
      if (args.length !== 2) throw new ConfigError(d, 'expected `cname [TYPE] FROM TO`')
      const rewrite = nameMatcher(d, type, args[0]!, args[1]!)
      return { stop, apply: (query) => ({ query, edit: { cnameTarget: rewrite } }) }
    }
    case 'edns0':
      return { stop, ...parseEdns0(d, args) }
    case 'answer':
      throw new ConfigError(d, 'response rewrites must begin with a name rule')
    default:
      throw new ConfigError(d, `invalid rule type ${field ?? 'nothing'}: expected name, type, class, edns0, ttl, cname or rcode`)
  }
}

function applyName(rule: ReturnType<typeof parseNameRule>, query: DnsQuery): { query: DnsQuery; edit: ReplyEdit | null } | null {
  const name = rule.rewrite(query.lowerName)
  if (name === null) return null
  const rewritten = renamedQuery(query, name)
  const back = (n: string): string => (n.toLowerCase() === name ? query.name : n)
  const answers = (part: 'name' | 'value'): ((n: string) => string) | undefined => {
    const own = rule.answers.filter((a) => a.part === part)
    if (own.length === 0 && !rule.answerAuto) return undefined
    return (n) => own.reduce((current, a) => a.rewrite(current.toLowerCase()) ?? current, rule.answerAuto ? back(n) : n)
  }
  const owner = answers('name')
  const value = answers('value')
  return { query: rewritten, edit: owner || value ? { owner, value } : null }
}

/** The name matcher of a ttl or rcode rule: `[TYPE] NAME` then `rest` more arguments (left in `args`). */
function matcherOf(d: Directive, args: string[], rest: number, usage: string): (name: string) => boolean {
  const type = takeMatchType(args)
  if (args.length !== 1 + rest) throw new ConfigError(d, `expected \`${usage}\``)
  const rewrite = nameMatcher(d, type, args[0]!, args[0]!)
  return (name) => rewrite(name) !== null
}

/** `30` (exactly), `30-300`, `-30` (at most), `30-` (at least). */
function ttlRange(d: Directive, text: string): [number, number] {
  const m = /^(\d*)(-?)(\d*)$/.exec(text)
  if (!m || (m[1] === '' && m[3] === '') || (m[2] === '' && m[3] !== '')) throw new ConfigError(d, `ttl: ${text} is not SECONDS or MIN-MAX`)
  const min = m[1] === '' ? 0 : Number(m[1])
  const max = m[2] === '' ? min : m[3] === '' ? MAX_TTL : Number(m[3])
  if (max > MAX_TTL || min > max) throw new ConfigError(d, `ttl: ${text} is not a range from 0 to ${MAX_TTL}`)
  return [min, max]
}

/** `edns0 local ACTION CODE [DATA]`, `edns0 nsid ACTION`, `edns0 subnet ACTION V4BITS V6BITS`, each with `revert`. */
function parseEdns0(d: Directive, args: string[]): Pick<Rule, 'apply'> {
  const revert = args[args.length - 1] === 'revert'
  if (revert) args.pop()
  const [kind, actionText, ...rest] = args
  if (!(EDNS_ACTIONS as readonly string[]).includes(actionText!)) throw new ConfigError(d, `edns0 ${kind ?? ''}: ${actionText ?? 'nothing'} is not set, append, replace or unset`)
  const action = actionText as EdnsAction
  let code: number
  let data: (query: DnsQuery) => Buffer = () => Buffer.alloc(0)
  switch (kind) {
    case 'local': {
      if (rest.length !== (action === 'unset' ? 1 : 2)) throw new ConfigError(d, `expected \`edns0 local ${action} CODE${action === 'unset' ? '' : ' DATA'}\``)
      code = /^0x[0-9a-f]{1,4}$/i.test(rest[0]!) ? parseInt(rest[0]!, 16) : /^\d{1,5}$/.test(rest[0]!) && Number(rest[0]) <= 0xffff ? Number(rest[0]) : NaN
      if (Number.isNaN(code)) throw new ConfigError(d, `edns0 local: ${rest[0]} is not an option code (0xffee, 65518)`)
      if (rest[1] !== undefined) data = localData(d, rest[1])
      break
    }
    case 'nsid':
      if (rest.length !== 0) throw new ConfigError(d, `expected \`edns0 nsid ${action}\``)
      code = EDNS_NSID
      break
    case 'subnet': {
      if (rest.length !== (action === 'unset' ? 0 : 2)) throw new ConfigError(d, `expected \`edns0 subnet ${action}${action === 'unset' ? '' : ' V4BITS V6BITS'}\``)
      code = EDNS_SUBNET
      if (action !== 'unset') {
        const [v4, v6] = rest.map(Number)
        if (!/^\d+$/.test(rest[0]!) || !/^\d+$/.test(rest[1]!) || v4! > 32 || v6! > 128) throw new ConfigError(d, `edns0 subnet: ${rest.join(' ')} are not prefix lengths (at most 32 and 128)`)
        data = (query) => clientSubnet(query.remoteAddress, v4!, v6!)
      }
      break
    }
    default:
      throw new ConfigError(d, `edns0: ${kind ?? 'nothing'} is not local, nsid or subnet`)
  }
  const edit: ReplyEdit | null = revert ? { dropOptions: [code] } : null
  return {
    apply(query) {
      const options = query.edns?.options ?? []
      const has = options.some((o) => o.code === code)
      if ((action === 'append' && has) || ((action === 'replace' || action === 'unset') && !has)) return null
      const others = options.filter((o) => o.code !== code)
      const next: EdnsOption[] = action === 'unset' ? others : action === 'append' ? [...options, { code, data: data(query) }] : [...others, { code, data: data(query) }]
      // A query without EDNS gets an OPT record to carry the option, as CoreDNS adds one.
      const edns = query.edns ?? { udpSize: 1232, version: 0, dnssecOk: false }
      return { query: { ...query, edns: { ...edns, options: next } }, edit }
    },
  }
}

/** `0x…` hex bytes, `{qname}`-style variables, or the text itself. */
function localData(d: Directive, text: string): (query: DnsQuery) => Buffer {
  if (/^0x/i.test(text)) {
    if (!/^0x([0-9a-f]{2})+$/i.test(text)) throw new ConfigError(d, `edns0 local: ${text} is not hex bytes`)
    const bytes = Buffer.from(text.slice(2), 'hex')
    return () => bytes
  }
  const variables: Record<string, (q: DnsQuery) => string> = {
    '{qname}': (q) => `${q.name}.`,
    '{qtype}': (q) => String(q.type),
    '{client_ip}': (q) => q.remoteAddress,
    '{client_port}': (q) => String(q.remotePort),
    '{protocol}': (q) => q.transport,
  }
  const variable = variables[text]
  if (variable) return (q) => Buffer.from(variable(q))
  if (/^\{.*\}$/.test(text)) throw new ConfigError(d, `edns0 local: ${text} is not a supported variable (${Object.keys(variables).join(' ')})`)
  const bytes = Buffer.from(text)
  return () => bytes
}

/** An EDNS Client Subnet option (RFC 7871) for the client's address cut to its prefix length. */
function clientSubnet(address: string, v4Bits: number, v6Bits: number): Buffer {
  const ipv4 = isIPv4(address)
  const bits = ipv4 ? v4Bits : v6Bits
  const full = ipv4 ? Buffer.from(address.split('.').map(Number)) : Buffer.from(ipv6Groups(address).flatMap((g) => [g >> 8, g & 0xff]))
  const kept = Buffer.from(full.subarray(0, Math.ceil(bits / 8)))
  if (bits % 8 !== 0) kept[kept.length - 1]! &= 0xff << (8 - (bits % 8))
  return Buffer.concat([Buffer.from([0, ipv4 ? 1 : 2, bits, 0]), kept])
}
