import { Rcode } from '../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply } from '../dns/message.js'
import { escapeText, longestZone } from '../dns/names.js'
import { decodeQuery } from '../dns/query-decoder.js'
import { encodeReply } from '../dns/response-encoder.js'
import { NameEncodingError } from '../errors.js'
import type { ZoneRoute } from './server-plan.js'
import { createLogger } from '../log.js'
import { encodeFailures, panics } from '../plugins/prometheus/dns-metrics.js'

const log = createLogger('')

/** Bytes in, bytes out (or null: drop). Shared by the UDP and TCP transports. */
export type PacketHandler = (packet: Buffer, transport: 'udp' | 'tcp', remoteAddress: string, remotePort: number) => Promise<Buffer | null>

/**
 * The path of every query: decode → pick the server block by longest zone → its chain → encode.
 * A handler that throws gets SERVFAIL and a log line; nothing escapes as a rejection.
 */
export function createPacketHandler(routes: readonly ZoneRoute[]): PacketHandler {
  const zones = routes.map((r) => r.zone)
  const byZone = new Map(routes.map((r) => [r.zone, r]))
  return async (packet, transport, remoteAddress, remotePort) => {
    const started = performance.now()
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
    if (route.observers.length > 0) {
      const answered = { query, reply, requestSize: packet.length, response: wire, durationSeconds: (performance.now() - started) / 1000 }
      for (const observe of route.observers) observe(answered)
    }
    return wire
  }
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
