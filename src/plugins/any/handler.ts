import { Rcode, RRType } from '../../dns/constants.js'
import type { Middleware } from '../plugin.js'

/** The TTL CoreDNS gives its RFC 8482 answer. */
const TTL = 8482

/** An ANY question gets one HINFO record (RFC 8482 4.2) instead of every record of the name. */
export const anyMiddleware: Middleware = (next) => (query) => {
  if (query.type !== RRType.ANY) return next(query)
  return {
    rcode: Rcode.NOERROR,
    authoritative: false,
    answer: [{ name: query.name, type: RRType.HINFO, ttl: TTL, cpu: 'ANY obsoleted', os: 'See RFC 8482' }],
    authority: [],
    additional: [],
    plugin: 'any',
  }
}
