import { Flag } from '../../dns/constants.js'
import type { Middleware } from '../plugin.js'

/** Bits to set, then clear, in a header's flags word. */
export interface FlagRules {
  readonly set: number
  readonly clear: number
}

/**
 * Query rules change the question's flags before the rest of the chain sees it; response rules
 * change the reply as sent. A reply copies the question's RD and CD, so the query rules' RD and CD
 * show in it too (as they do in CoreDNS, whose reply is made from the changed request).
 */
export function headerMiddleware(query: FlagRules, response: FlagRules): Middleware {
  const copied = Flag.RD | Flag.CD
  const onReply = {
    set: (query.set & copied & ~response.clear) | response.set,
    clear: ((query.clear & copied) | response.clear) & ~response.set,
  }
  return (next) => async (q) => {
    const reply = await next({ ...q, flags: (q.flags | query.set) & ~query.clear })
    return { ...reply, headerFlags: onReply }
  }
}
