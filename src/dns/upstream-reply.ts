import { Flag, HEADER_SIZE } from './constants.js'
import type { DnsQuery } from './message.js'
import { messageSpans, readName, skipName } from './wire-ttls.js'

/**
 * What forward makes of an upstream's reply that carries its query's ID, as CoreDNS 1.14 does: a
 * reply to relay; `mismatch` when it is not an answer to the question (forward answers FORMERR); or
 * an error, which counts against that upstream (the next one is asked).
 */
export type UpstreamVerdict = { readonly reply: Buffer } | { readonly mismatch: true } | { readonly error: string }

/**
 * miekg/dns reads a UDP reply into a buffer of the client's `size` (more is cut off) and CoreDNS's
 * proxy turns one that ends early (so cut, or counts that lie) into an empty reply with TC set, so
 * the client asks again over TCP; over TCP, or malformed in any other way, the reply is an error
 * ("dns: bad rdata" is miekg's word for an unreadable name). Then, as request.Match: one question,
 * QR set, the same name (letter case aside), type and class.
 */
export function judgeReply(reply: Buffer, query: Pick<DnsQuery, 'lowerName' | 'type' | 'class'>, overUdp: boolean, size: number): UpstreamVerdict {
  let answer = reply
  if (overUdp && reply.length > size) answer = reply.subarray(0, size)
  const spans = messageSpans(answer)
  if (spans === 'unreadable') return { error: 'dns: bad rdata' }
  if (spans === 'short') {
    if (!overUdp) return { error: 'dns: buffer size too small' }
    answer = emptied(answer)
  }
  return matches(answer, query) ? { reply: answer } : { mismatch: true }
}

/** The header and question (when whole) of a message that ends early, its other counts 0, TC set. */
function emptied(reply: Buffer): Buffer {
  let end = HEADER_SIZE
  for (let q = reply.readUInt16BE(4); q > 0 && end > 0; q--) {
    const nameEnd = skipName(reply, end)
    end = nameEnd < 0 || nameEnd + 4 > reply.length ? -1 : nameEnd + 4
  }
  const out = Buffer.from(reply.subarray(0, Math.max(end, HEADER_SIZE)))
  out.writeUInt16BE(reply.readUInt16BE(2) | Flag.TC, 2)
  out.writeUInt16BE(end > 0 ? reply.readUInt16BE(4) : 0, 4)
  out.fill(0, 6, HEADER_SIZE)
  return out
}

function matches(reply: Buffer, query: Pick<DnsQuery, 'lowerName' | 'type' | 'class'>): boolean {
  if (reply.readUInt16BE(4) !== 1 || (reply.readUInt16BE(2) & Flag.QR) === 0) return false
  const name = readName(reply, HEADER_SIZE)
  if (!name || name.name.toLowerCase() !== query.lowerName) return false
  return reply.readUInt16BE(name.end) === query.type && reply.readUInt16BE(name.end + 2) === query.class
}
