import type { DnsQuery } from './message.js'

/** `query` asking for `name` instead (same type, class, flags, EDNS and client). */
export function renamedQuery(query: DnsQuery, name: string): DnsQuery {
  const labels = name === '' ? [] : name.split('.')
  const typeAndClass = query.questionWire.subarray(query.questionWire.length - 4)
  const questionWire = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0]), typeAndClass])
  return { ...query, name, lowerName: name.toLowerCase(), questionWire }
}

/** `query` asking for another type and class of the same name (rewrite type, rewrite class). */
export function retypedQuery(query: DnsQuery, type: number, klass: number): DnsQuery {
  const questionWire = Buffer.from(query.questionWire)
  questionWire.writeUInt16BE(type, questionWire.length - 4)
  questionWire.writeUInt16BE(klass, questionWire.length - 2)
  return { ...query, type, class: klass, questionWire }
}
