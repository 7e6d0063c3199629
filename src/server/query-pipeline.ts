import { HEADER_SIZE, Rcode } from '../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply } from '../dns/message.js'
import { escapeText, longestZone } from '../dns/names.js'
import { clientAddress, decodeQuery } from '../dns/query-decoder.js'
import { readPlainQuery, Variant, type PlainQuery } from '../dns/plain-query.js'
import { AnswerCache, replayPolicy } from './answer-cache.js'
import { encodeReply } from '../dns/response-encoder.js'
import { NameEncodingError } from '../errors.js'
import type { ZoneRoute } from './server-plan.js'
import { createLogger } from '../log.js'
import { encodeFailures, panics } from '../plugins/prometheus/dns-metrics.js'

const log = createLogger('')

/**
 * Bytes in, bytes out (or null: drop). Shared by the UDP and TCP transports. An answer replayed
 * from the answer cache comes back at once, not as a promise, written into `replyBuffer` when the
 * transport lends one: bytes it reuses once the reply is sent or copied, before the next query.
 */
export type PacketHandler = (packet: Buffer, transport: 'udp' | 'tcp', remoteAddress: string, remotePort: number, replyBuffer: Buffer | null) => Buffer | null | Promise<Buffer | null>

/**
 * The path of every query: a plain query (header, question and OPT read by hand) whose answer is
 * in `answers` is answered from it; every other: decode → pick the server block by longest zone →
 * its chain → encode, and what it answered is kept in `answers` when it may be replayed.
 * A handler that throws gets SERVFAIL and a log line; nothing escapes as a rejection.
 */
export function createPacketHandler(routes: readonly ZoneRoute[], answers: AnswerCache | null = null): PacketHandler {
  const zones = routes.map((r) => r.zone)
  const byZone = new Map(routes.map((r) => [r.zone, r]))
  const policies = new Map(routes.flatMap((r) => {
    const policy = replayPolicy(r.plugins)
    return policy ? [[r, policy] as const] : []
  }))
  const cache = policies.size > 0 ? answers : null
  const plain: PlainQuery = { questionEnd: 0, variant: 0, udpSize: 0, hash: 0 }

  const byChain = async (packet: Buffer, transport: 'udp' | 'tcp', remoteAddress: string, remotePort: number, started: number, asked: PlainQuery | null): Promise<Buffer | null> => {
    const intake = decodeQuery(packet, transport, remoteAddress, remotePort)
    if (intake === null) return null
    if ('rejection' in intake) return encodeReply(intake.rejection.query, emptyReply(intake.rejection.rcode, ''))
    const query = intake.query
    const zone = longestZone(query.lowerName, zones)
    if (zone === null) return encodeReply(query, emptyReply(Rcode.REFUSED, ''))
    const route = byZone.get(zone)!
    const given = await answer(route.handler, query)
    if (given.drop) return null
    const { reply, wire } = encodeOrServfail(query, given)
    const policy = policies.get(route)
    if (asked && policy && reply === given) cache!.keep(packet, asked, route, policy, query, reply, wire)
    observe(route, query, reply, packet.length, wire, started)
    return wire
  }

  return (packet, transport, remoteAddress, remotePort, replyBuffer) => {
    const started = performance.now()
    if (cache === null || !readPlainQuery(packet, plain)) return byChain(packet, transport, remoteAddress, remotePort, started, null)
    const replayed = cache.replay(packet, plain, transport, replyBuffer)
    // A miss goes on asynchronously: `plain` is this handler's scratch, read again by the next query.
    if (replayed === null) return byChain(packet, transport, remoteAddress, remotePort, started, { ...plain })
    const { wire, entry, exact } = replayed
    if (entry.route.observers.length > 0) observe(entry.route, replayedQuery(entry.query, exact, packet, plain, transport, remoteAddress, remotePort), entry.reply, packet.length, wire, started)
    return wire
  }
}

function observe(route: ZoneRoute, query: DnsQuery, reply: Reply, requestSize: number, response: Buffer, started: number): void {
  if (route.observers.length === 0) return
  const answered = { query, reply, requestSize, response, durationSeconds: (performance.now() - started) / 1000 }
  for (const observe of route.observers) observe(answered)
}

/**
 * The query a replay answered, as observers see it: the kept one's question, this one's header and
 * client. With the same letters as the kept query's (`exact`, nearly always) its question bytes and
 * name serve, nothing is made; with other letters (clients using 0x20), this query's own bytes, its
 * name read again.
 */
function replayedQuery(kept: DnsQuery, exact: boolean, packet: Buffer, plain: PlainQuery, transport: 'udp' | 'tcp', remoteAddress: string, remotePort: number): DnsQuery {
  const questionWire = exact ? kept.questionWire : packet.subarray(HEADER_SIZE, plain.questionEnd)
  const name = exact ? kept.name : (decodeQuery(packet, transport, remoteAddress, remotePort) as { query: DnsQuery }).query.name
  const edns = plain.variant & Variant.EDNS ? { udpSize: plain.udpSize, version: 0, dnssecOk: (plain.variant & Variant.DO) !== 0, options: [] } : null
  return { ...kept, id: packet.readUInt16BE(0), flags: packet.readUInt16BE(2), name, questionWire, edns, transport, remoteAddress: clientAddress(remoteAddress), remotePort }
}

let encodeFailureLogged = false

/** A name that cannot be written is a bug before the encoder: counted, logged once, SERVFAIL. */
function encodeFailed(query: DnsQuery, err: NameEncodingError): Reply {
  encodeFailures.inc()
  if (!encodeFailureLogged) {
    encodeFailureLogged = true
    log.error(`${query.name}. ${query.type}: cannot write ${escapeText(err.dnsName)} in wire form; answered SERVFAIL (further cases are only counted in clusterdns_encode_failures_total)`)
  }
  return emptyReply(Rcode.SERVFAIL, '')
}

/** The reply as sent, and its wire form. */
function encodeOrServfail(query: DnsQuery, reply: Reply): { reply: Reply; wire: Buffer } {
  try {
    return { reply, wire: encodeReply(query, reply) }
  } catch (err) {
    if (!(err instanceof NameEncodingError)) throw err
    const servfail = encodeFailed(query, err)
    return { reply: servfail, wire: encodeReply(query, servfail) }
  }
}

async function answer(handler: (q: DnsQuery) => Reply | Promise<Reply>, query: DnsQuery): Promise<Reply> {
  try {
    return await handler(query)
  } catch (err) {
    // A plugin asked for a name that cannot be a question (rewrite, autopath).
    if (err instanceof NameEncodingError) return encodeFailed(query, err)
    // What CoreDNS recovers from as a panic: a bug, answered SERVFAIL, counted and logged.
    panics.inc()
    log.error(`${query.name || '.'} ${query.type}: ${(err as Error).stack ?? err}`)
    return emptyReply(Rcode.SERVFAIL, '')
  }
}
