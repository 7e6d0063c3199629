import { Flag, Rcode } from '../../dns/constants.js'
import { className, metricTypeName, rcodeName } from '../../dns/type-names.js'
import type { AnsweredQuery } from '../plugin.js'
import { hostPort } from '../../dns/address.js'

const FLAG_NAMES: Array<[number, string]> = [
  [Flag.QR, 'qr'],
  [Flag.AA, 'aa'],
  [Flag.TC, 'tc'],
  [Flag.RD, 'rd'],
  [Flag.RA, 'ra'],
  [0x0020, 'ad'],
  [Flag.CD, 'cd'],
]

/**
 * CoreDNS's default log format:
 * `{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}`
 */
export function queryLogLine({ query, reply, requestSize, response, durationSeconds }: AnsweredQuery): string {
  const known = metricTypeName(query.type)
  const type = known === 'other' ? `TYPE${query.type}` : known
  const flags = response.length >= 4 ? response.readUInt16BE(2) : 0
  const rflags = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name).join(',')
  const bufsize = query.edns ? query.edns.udpSize : 512
  return (
    `${hostPort(query.remoteAddress, query.remotePort)} - ${query.id} "${type} ${className(query.class)} ${query.name}. ${query.transport} ${requestSize} ${query.edns?.dnssecOk === true} ${bufsize}" ` +
    `${rcodeName(reply.rcode)} ${rflags} ${response.length} ${durationSeconds.toFixed(9).replace(/0+$/, '')}s`
  )
}

export type ResponseClass = 'success' | 'denial' | 'error'

/** CoreDNS's classes: NOERROR is success, NXDOMAIN denial, every other rcode an error. */
export function responseClass(rcode: number): ResponseClass {
  if (rcode === Rcode.NOERROR) return 'success'
  if (rcode === Rcode.NXDOMAIN) return 'denial'
  return 'error'
}
