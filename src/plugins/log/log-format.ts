import { Flag } from '../../dns/constants.js'
import { zoneText } from '../../dns/names.js'
import { className, rcodeName, typeName } from '../../dns/type-names.js'
import type { AnsweredQuery } from '../plugin.js'

/** What CoreDNS writes for a value it does not have (replacer.EmptyValue). */
const EMPTY = '-'

/** CoreDNS's Common Log Format, its default; `{combined}` adds the opcode. */
export const COMMON_LOG_FORMAT = `{remote}:{port} ${EMPTY} {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}`
export const COMBINED_LOG_FORMAT = `${COMMON_LOG_FORMAT} "{>opcode}"`

/** The listener a query arrived on: `{local}` is its address ('' for every address). */
export interface LogContext {
  readonly localAddress: string
}

type Placeholder = (answered: AnsweredQuery, context: LogContext) => string

/** The reply's header flags in miekg/dns's order (`qr,aa,rd`), z included. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [Flag.QR, 'qr'], [Flag.AA, 'aa'], [Flag.TC, 'tc'], [Flag.RD, 'rd'], [Flag.RA, 'ra'], [0x0040, 'z'], [Flag.AD, 'ad'], [Flag.CD, 'cd'],
]

/** The client's EDNS0 buffer size as CoreDNS's request.Size() normalizes it: 65535 over TCP, at least 512. */
const MAX_MESSAGE = 65_535
const MIN_MESSAGE = 512

/** Go's strconv.FormatFloat(secs, 'f', -1): no exponent, no trailing zeros (durations are whole nanoseconds). */
const seconds = (value: number): string => value.toFixed(9).replace(/\.?0+$/, '')

/** Every placeholder of CoreDNS's replacer (plugin/pkg/replacer), by its text. */
const PLACEHOLDERS: ReadonlyMap<string, Placeholder> = new Map<string, Placeholder>([
  ['{type}', ({ query }) => typeName(query.type)],
  ['{name}', ({ query }) => zoneText(query.lowerName)],
  ['{class}', ({ query }) => className(query.class)],
  ['{proto}', ({ query }) => query.transport],
  ['{size}', ({ requestSize }) => String(requestSize)],
  ['{remote}', ({ query }) => bracketed(query.remoteAddress)],
  ['{port}', ({ query }) => String(query.remotePort)],
  ['{local}', (_, { localAddress }) => (localAddress === '' ? EMPTY : bracketed(localAddress))],
  ['{>id}', ({ query }) => String(query.id)],
  ['{>opcode}', ({ query }) => String((query.flags >> 11) & 0xf)],
  ['{>do}', ({ query }) => String(query.edns?.dnssecOk === true)],
  ['{>bufsize}', ({ query }) => String(query.transport === 'tcp' ? MAX_MESSAGE : Math.max(MIN_MESSAGE, query.edns?.udpSize ?? 0))],
  ['{rcode}', ({ reply }) => rcodeName(reply.rcode)],
  ['{rsize}', ({ response }) => String(response.length)],
  ['{duration}', ({ durationSeconds }) => `${seconds(durationSeconds)}s`],
  ['{>rflags}', ({ response }) => {
    const flags = response.length >= 4 ? response.readUInt16BE(2) : 0
    return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name).join(',')
  }],
])

const bracketed = (address: string): string => (address.includes(':') ? `[${address}]` : address)

/** A format read once: its literal text and placeholders in order. */
export type LogFormat = readonly (string | Placeholder)[]

/**
 * Reads a format as CoreDNS's replacer does: each `}` closes the nearest `{` before it; a known
 * placeholder is replaced, `{/LABEL}` (metadata, which clusterdns does not have) is `-`, and anything
 * else stays as written.
 */
export function parseLogFormat(format: string): LogFormat {
  const parts: (string | Placeholder)[] = []
  let rest = format
  for (let close = rest.indexOf('}'); close >= 0; close = rest.indexOf('}')) {
    const open = rest.lastIndexOf('{', close)
    const label = open < 0 ? null : rest.slice(open, close + 1)
    const placeholder = label === null ? undefined : (PLACEHOLDERS.get(label) ?? (label.startsWith('{/') ? () => EMPTY : undefined))
    if (placeholder) {
      if (open > 0) parts.push(rest.slice(0, open))
      parts.push(placeholder)
    } else {
      parts.push(rest.slice(0, close + 1))
    }
    rest = rest.slice(close + 1)
  }
  if (rest !== '') parts.push(rest)
  return parts
}

/** The log line of one answered query. */
export function renderLogLine(format: LogFormat, answered: AnsweredQuery, context: LogContext): string {
  let line = ''
  for (const part of format) line += typeof part === 'string' ? part : part(answered, context)
  return line
}
