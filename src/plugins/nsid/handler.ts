import { EdnsOptionCode } from '../../dns/constants.js'
import type { EdnsOption } from '../../dns/message.js'
import type { Middleware } from '../plugin.js'

/**
 * A query whose OPT record asks for NSID (RFC 5001) gets `data` in its reply's OPT record, on
 * every reply the chain gives, forwarded ones included.
 */
export function nsidMiddleware(data: string): Middleware {
  const option: EdnsOption = { code: EdnsOptionCode.NSID, data: Buffer.from(data, 'utf8') }
  return (next) => async (query) => {
    const reply = await next(query)
    if (!query.edns?.options?.some((o) => o.code === EdnsOptionCode.NSID)) return reply
    return { ...reply, ednsOptions: [...(reply.ednsOptions ?? []).filter((o) => o.code !== EdnsOptionCode.NSID), option] }
  }
}
