import { NameEncodingError } from '../errors.js'
import type { DnsQuery } from './message.js'
import { nameWire } from './names.js'

/**
 * `query` asking for `name` (presentation form) instead: same type, class, flags, EDNS and client.
 * Throws NameEncodingError when `name` cannot be a question (a label over 63 bytes…).
 */
export function renamedQuery(query: DnsQuery, name: string): DnsQuery {
  const wire = nameWire(name)
  if (wire === null) throw new NameEncodingError(name)
  const typeAndClass = query.questionWire.subarray(query.questionWire.length - 4)
  return { ...query, name, lowerName: name.toLowerCase(), questionWire: Buffer.concat([wire, typeAndClass]) }
}

/** `query` asking for another type and class of the same name (rewrite type, rewrite class). */
export function retypedQuery(query: DnsQuery, type: number, klass: number): DnsQuery {
  const questionWire = Buffer.from(query.questionWire)
  questionWire.writeUInt16BE(type, questionWire.length - 4)
  questionWire.writeUInt16BE(klass, questionWire.length - 2)
  return { ...query, type, class: klass, questionWire }
}
