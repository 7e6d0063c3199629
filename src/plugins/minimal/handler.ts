import { Rcode } from '../../dns/constants.js'
import type { Reply } from '../../dns/message.js'
import { answerSectionOnly } from '../../dns/relayed-sections.js'
import type { Middleware } from '../plugin.js'

/** A positive answer (NOERROR with records in the answer section), ours or relayed. */
function isPositive(reply: Reply): boolean {
  if (reply.rcode !== Rcode.NOERROR) return false
  return reply.relayed ? reply.relayed.length >= 8 && reply.relayed.readUInt16BE(6) > 0 : reply.answer.length > 0
}

/**
 * Positive answers lose their authority and additional sections (the OPT record stays); denials,
 * delegations and errors go out whole, as CoreDNS's minimal does.
 */
export const minimalMiddleware: Middleware = (next) => async (query) => {
  const reply = await next(query)
  if (!isPositive(reply)) return reply
  if (reply.relayed) return { ...reply, relayed: answerSectionOnly(reply.relayed) }
  return reply.authority.length + reply.additional.length === 0 ? reply : { ...reply, authority: [], additional: [] }
}
