import { Flag, Rcode } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply } from '../../dns/message.js'
import { inAnyZone, isInZone } from '../../dns/names.js'
import { clientQueryPacket } from '../../dns/query-packet.js'
import { replySizeLimit } from '../../dns/response-encoder.js'
import { judgeReply } from '../../dns/upstream-reply.js'
import { createLogger } from '../../log.js'
import { LimitedLog } from '../../log-limiter.js'
import type { Middleware } from '../plugin.js'
import { healthcheckBroken, maxConcurrentRejects } from './forward-metrics.js'
import type { ForwardOptions } from './options.js'
import { UpstreamError } from '../../errors.js'
import type { Upstream } from './upstream.js'
import { shuffleInPlace } from '../../random.js'

const PLUGIN = 'forward'
/** CoreDNS's error when no upstream could be asked (ErrNoHealthy). */
const NO_HEALTHY = 'no healthy proxies'
/** All upstreams together get this long to answer (each attempt: `read_timeout`). */
const TOTAL_TIMEOUT_MS = 5000
/** Attempts per query without `max_connect_attempts`: this many per upstream (CoreDNS's default). */
const ATTEMPTS_PER_UPSTREAM = 2

// A line per query while an upstream is down would be thousands a second: these are rate-limited.
const log = new LimitedLog(createLogger('plugin/forward'))

/** The upstreams to try, in the policy's order, leaving out those that are down. */
function ordered(upstreams: readonly Upstream[], policy: ForwardOptions['policy'], turn: number): Upstream[] {
  const up = upstreams.filter((u) => !u.down)
  if (policy === 'sequential') return up
  if (policy === 'round_robin') return up.map((_, i) => up[(turn + i) % up.length]!)
  return shuffleInPlace(up)
}

/**
 * Sends names under FROM (but not under `except`) to the upstreams and relays their answer, as
 * CoreDNS 1.14: the client's query as it is (only the ID is new) over the client's transport
 * (unless force_tcp or prefer_udp); a truncated reply goes back to the client, which asks again
 * over TCP, except with prefer_udp, where forward asks again over TCP itself. A reply that does not
 * answer the question is answered FORMERR (no other upstream is asked); one that does not parse,
 * a timeout or an error moves on to the next upstream and starts its health checks, round the list again until
 * `max_connect_attempts` or the deadline; nothing answering is SERVFAIL, with the last error (what
 * `errors` logs). With every upstream down, one at random is asked once (CoreDNS's), unless
 * `failfast_all_unhealthy_upstreams`. `next RCODE` passes the
 * query on only when the next link is another `forward` of the block (`nextIsForward`), as CoreDNS.
 */
export function forwardMiddleware(options: ForwardOptions, upstreams: readonly Upstream[], nextIsForward: boolean): Middleware {
  let inFlight = 0
  let turn = 0
  return (next) => async (query: DnsQuery): Promise<Reply> => {
    const name = query.lowerName
    if (!isInZone(name, options.from) || inAnyZone(name, options.except)) return next(query)
    if (options.maxConcurrent > 0 && inFlight >= options.maxConcurrent) {
      maxConcurrentRejects.inc()
      return { ...emptyReply(Rcode.REFUSED, PLUGIN), error: `concurrent queries exceeded maximum ${options.maxConcurrent}` }
    }
    inFlight++
    try {
      let order = ordered(upstreams, options.policy, turn++)
      let maxAttempts = options.maxConnectAttempts ?? ATTEMPTS_PER_UPSTREAM * upstreams.length
      query.trace?.note(PLUGIN, { upstreams: upstreams.map((u) => ({ upstream: u.to, healthy: !u.down })) })
      if (order.length === 0) {
        healthcheckBroken.inc()
        if (options.failfastAllUnhealthy) {
          log.error('every upstream is down', `every upstream is down; ${query.name}. answered SERVFAIL`)
          return { ...emptyReply(Rcode.SERVFAIL, PLUGIN), error: NO_HEALTHY }
        }
        // As CoreDNS: the health checks may be what is broken, so one upstream at random is asked once.
        log.error('every upstream is down', `every upstream is down; ${query.name}. asked of one at random`)
        order = shuffleInPlace([...upstreams]).slice(0, 1)
        maxAttempts = 1
      }
      const deadline = Date.now() + TOTAL_TIMEOUT_MS
      const wire = clientQueryPacket(query)
      const size = replySizeLimit(query)
      const firstTransport = options.forceTcp ? 'tcp' : options.preferUdp ? 'udp' : query.transport
      let attempts = 0
      let lastError = NO_HEALTHY
      let failovers = 0
      for (let i = 0; maxAttempts === 0 || attempts < maxAttempts; i = (i + 1) % order.length) {
        const upstream = order[i]!
        const remaining = deadline - Date.now()
        if (remaining <= 0) break
        const started = performance.now()
        let verdict: ReturnType<typeof judgeReply>
        try {
          for (let transport = firstTransport; ; transport = 'tcp') {
            const timeoutMs = Math.max(1, Math.min(options.readTimeoutMs, deadline - Date.now()))
            verdict = judgeReply(await upstream.exchange(wire, transport, timeoutMs), query, upstream.overUdp(transport), size)
            if ('error' in verdict) throw new UpstreamError(verdict.error)
            // CoreDNS asks again over TCP itself only with prefer_udp (once: then it forces TCP).
            if (!('reply' in verdict) || !(verdict.reply.readUInt16BE(2) & Flag.TC) || !options.preferUdp || transport === 'tcp') break
          }
        } catch (err) {
          query.trace?.note(PLUGIN, { upstream: upstream.to, healthy: !upstream.down, error: (err as Error).message })
          upstream.failed()
          attempts++
          lastError = (err as Error).message
          log.warn(upstream.to, `${query.name}. ${lastError}`)
          continue
        }
        if (!('reply' in verdict)) {
          query.trace?.note(PLUGIN, { upstream: upstream.to, healthy: !upstream.down, error: 'wrong reply' })
          return emptyReply(Rcode.FORMERR, PLUGIN)
        }
        const reply = verdict.reply
        const rcode = reply.readUInt16BE(2) & 0xf
        upstream.observeDuration(rcode, (performance.now() - started) / 1000)
        query.trace?.note(PLUGIN, { upstream: upstream.to, healthy: !upstream.down, rcode })
        // As CoreDNS: each upstream at most once for a failover rcode; the last such reply is relayed.
        if (options.failover.has(rcode) && ++failovers < upstreams.length) continue
        if (options.next.has(rcode) && nextIsForward) return next(query)
        return { rcode, authoritative: false, answer: [], authority: [], additional: [], plugin: PLUGIN, relayed: reply }
      }
      return { ...emptyReply(Rcode.SERVFAIL, PLUGIN), error: lastError }
    } finally {
      inFlight--
    }
  }
}
