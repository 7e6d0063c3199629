import { canonicalIP } from './address.js'
import { RRClass, RRType } from './constants.js'
import type { ResourceRecord } from './message.js'
import { classNumber, typeNumber } from './type-names.js'

/** The TTL of a record text that names none (miekg/dns's NewRR). */
const DEFAULT_TTL = 3600
const MAX_U16 = 0xffff
const MAX_U32 = 0xffffffff

/**
 * One resource record in zone-file syntax (RFC 1035 5.1): `NAME [TTL] [CLASS] TYPE RDATA`, TTL and
 * class in either order, `( … )` across lines, `;` comments, quoted strings. There is no origin:
 * every name is absolute, with or without its trailing dot. Types A, AAAA, CNAME, PTR, NS, MX, SRV,
 * TXT, HINFO and SOA; throws an Error saying what is wrong otherwise.
 */
export function parseRecordText(text: string): ResourceRecord {
  const fields = tokens(text)
  const owner = fields.shift()
  if (owner === undefined || owner.quoted) throw new Error('no owner name')
  let ttl = DEFAULT_TTL
  let klass: number = RRClass.IN
  let field = fields.shift()
  for (let i = 0; i < 2 && field && !field.quoted; i++) {
    if (/^\d+$/.test(field.text)) ttl = whole(field.text, MAX_U32, 'TTL')
    else if (classNumber(field.text) !== null) klass = classNumber(field.text)!
    else break
    field = fields.shift()
  }
  if (!field) throw new Error('no type')
  const type = typeNumber(field.text)
  const base = { name: name(owner.text), ttl, ...(klass === RRClass.IN ? {} : { class: klass }) }
  const rdata = fields.map((f) => f.text)
  const expect = (count: number): void => {
    if (rdata.length !== count || fields.some((f) => f.quoted)) throw new Error(`${field.text} takes ${count} rdata field${count === 1 ? '' : 's'}, not "${rdata.join(' ')}"`)
  }
  switch (type) {
    case RRType.A:
    case RRType.AAAA: {
      expect(1)
      const address = canonicalIP(rdata[0]!)
      if (address === null || address.includes(':') !== (type === RRType.AAAA)) throw new Error(`${rdata[0]} is not an ${field.text} address`)
      return { ...base, type, address }
    }
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      expect(1)
      return { ...base, type, target: name(rdata[0]!) }
    case RRType.MX:
      expect(2)
      return { ...base, type, preference: whole(rdata[0]!, MAX_U16, 'MX preference'), exchange: name(rdata[1]!) }
    case RRType.SRV:
      expect(4)
      return {
        ...base,
        type,
        priority: whole(rdata[0]!, MAX_U16, 'SRV priority'),
        weight: whole(rdata[1]!, MAX_U16, 'SRV weight'),
        port: whole(rdata[2]!, MAX_U16, 'SRV port'),
        target: name(rdata[3]!),
      }
    case RRType.SOA: {
      expect(7)
      const [serial, refresh, retry, expire, minimum] = rdata.slice(2).map((n) => whole(n, MAX_U32, 'SOA number')) as [number, number, number, number, number]
      return { ...base, type, mname: name(rdata[0]!), rname: name(rdata[1]!), serial, refresh, retry, expire, minimum }
    }
    case RRType.TXT:
      if (rdata.length === 0) throw new Error('TXT has no text')
      return { ...base, type, texts: rdata }
    case RRType.HINFO:
      if (rdata.length !== 2) throw new Error('HINFO takes CPU and OS')
      return { ...base, type, cpu: rdata[0]!, os: rdata[1]! }
    default:
      throw new Error(`type ${field.text} is not supported here (A, AAAA, CNAME, PTR, NS, MX, SRV, TXT, HINFO, SOA)`)
  }
}

interface Field {
  readonly text: string
  readonly quoted: boolean
}

/** Splits record text into fields: parentheses only join lines, `;` starts a comment. */
function tokens(text: string): Field[] {
  const out: Field[] = []
  const pattern = /"((?:[^"\\]|\\.)*)"|;[^\n]*|[()]|[^\s"();]+/g
  for (const m of text.matchAll(pattern)) {
    const t = m[0]
    if (t === '(' || t === ')' || t.startsWith(';')) continue
    out.push(m[1] !== undefined ? { text: m[1].replace(/\\(.)/g, '$1'), quoted: true } : { text: t, quoted: false })
  }
  return out
}

function whole(text: string, max: number, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new Error(`${what} ${text} is not a whole number up to ${max}`)
  return Number(text)
}

/** A domain name as held in records: no trailing dot, the root as ''. Labels are checked for length. */
function name(text: string): string {
  if (text === '.') return ''
  const bare = text.endsWith('.') && !text.endsWith('\\.') ? text.slice(0, -1) : text
  if (bare === '' || bare.startsWith('.') || bare.includes('..') || bare.length > 253) throw new Error(`${text} is not a domain name`)
  // `\.` and `\DDD` stand for one byte of a label (presentation form).
  const labels = bare.split(/(?<!\\)\./).map((label) => label.replace(/\\(\d{3}|.)/g, '_'))
  if (labels.some((label) => label.length > 63)) throw new Error(`${text} has a label longer than 63 bytes`)
  return bare
}
