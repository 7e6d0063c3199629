import { Flag, Rcode } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply } from '../../dns/message.js'
import { inAnyZone, isInZone } from '../../dns/names.js'
import { queryPacket } from '../../dns/query-packet.js'
import { createLogger } from '../../log.js'
import type { Middleware } from '../plugin.js'
import { healthcheckBroken, maxConcurrentRejects } from './forward-metrics.js'
import type { ForwardOptions } from './options.js'
import type { Upstream } from './upstream.js'
import { shuffleInPlace } from '../../random.js'

const PLUGIN = 'forward'
/** One upstream gets this long to answer; all of them together, the total. */
const ATTEMPT_TIMEOUT_MS = 2000
const TOTAL_TIMEOUT_MS = 5000

const log = createLogger('plugin/forward')

/** The upstreams to try, in the policy's order, leaving out those that are down. */
function ordered(upstreams: readonly Upstream[], policy: ForwardOptions['policy'], turn: number): Upstream[] {
  const up = upstreams.filter((u) => !u.down)
  if (policy === 'sequential') return up
  if (policy === 'round_robin') return up.map((_, i) => up[(turn + i) % up.length]!)
  return shuffleInPlace(up)
}

/**
 * Sends names under FROM (but not under `except`) to the upstreams and relays their answer.
 * UDP first (as the client asked, unless force_tcp or prefer_udp), TCP again when the answer is
 * truncated; a timeout or error moves on to the next upstream; nothing answering is SERVFAIL.
 */
export function forwardMiddleware(options: ForwardOptions, upstreams: readonly Upstream[]): Middleware {
  let inFlight = 0
  let turn = 0
  return (next) => async (query: DnsQuery): Promise<Reply> => {
    const name = query.lowerName
    if (!isInZone(name, options.from) || inAnyZone(name, options.except)) return next(query)
    if (options.maxConcurrent > 0 && inFlight >= options.maxConcurrent) {
      maxConcurrentRejects.inc()
      return emptyReply(Rcode.REFUSED, PLUGIN)
    }
    inFlight++
    try {
      const order = ordered(upstreams, options.policy, turn++)
      if (order.length === 0) {
        healthcheckBroken.inc()
        log.error(`every upstream is down; ${query.name}. answered SERVFAIL`)
        return emptyReply(Rcode.SERVFAIL, PLUGIN)
      }
      const deadline = Date.now() + TOTAL_TIMEOUT_MS
      const wire = queryPacket(query.flags, query.questionWire, query.edns)
      const firstTransport = options.forceTcp ? 'tcp' : options.preferUdp ? 'udp' : query.transport
      for (const upstream of order) {
        const remaining = deadline - Date.now()
        if (remaining <= 0) break
        const started = performance.now()
        let reply: Buffer
        try {
          reply = await upstream.exchange(wire, query.questionWire.length, firstTransport, Math.min(ATTEMPT_TIMEOUT_MS, remaining))
          if (reply.readUInt16BE(2) & Flag.TC && firstTransport === 'udp') {
            reply = await upstream.exchange(wire, query.questionWire.length, 'tcp', Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())))
          }
        } catch (err) {
          upstream.failed()
          log.warn(`${query.name}. ${(err as Error).message}`)
          continue
        }
        upstream.succeeded()
        const rcode = reply.readUInt16BE(2) & 0xf
        upstream.observeDuration(rcode, (performance.now() - started) / 1000)
        if (options.failover.has(rcode)) continue
        if (options.next.has(rcode)) return next(query)
        return { rcode, authoritative: false, answer: [], authority: [], additional: [], plugin: PLUGIN, relayed: reply }
      }
      return emptyReply(Rcode.SERVFAIL, PLUGIN)
    } finally {
      inFlight--
    }
  }
}
