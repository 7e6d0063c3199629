import { expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { RRType } from '../../dns/constants.js'
import type { Reply, ResourceRecord } from '../../dns/message.js'
import { shuffleAddressRecords } from '../../dns/wire-shuffle.js'
import type { Middleware, PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'
import { shuffleInPlace } from '../../random.js'

const isAddress = (r: ResourceRecord): boolean => r.type === RRType.A || r.type === RRType.AAAA

/** CNAMEs first, then the other records, address records in a random order. */
function shuffled(answer: readonly ResourceRecord[]): ResourceRecord[] {
  const addresses = shuffleInPlace(answer.filter(isAddress))
  return [...answer.filter((r) => r.type === RRType.CNAME), ...answer.filter((r) => r.type !== RRType.CNAME && !isAddress(r)), ...addresses]
}

export const loadbalanceMiddleware: Middleware = (next) => async (query): Promise<Reply> => {
  const reply = await next(query)
  if (reply.relayed) {
    const wire = Buffer.from(reply.relayed)
    return shuffleAddressRecords(wire) ? { ...reply, relayed: wire } : reply
  }
  return reply.answer.filter(isAddress).length > 1 ? { ...reply, answer: shuffled(reply.answer) } : reply
}

/** `loadbalance [round_robin]`: A and AAAA records in a random order, CNAMEs first. */
export const loadbalance: PluginDefinition = {
  name: 'loadbalance',
  setup(uses) {
    for (const d of uses) {
      expectArgs(d, 0, 1, 'loadbalance [round_robin]')
      expectNoBlock(d)
      if (d.args[0] !== undefined && d.args[0] !== 'round_robin') throw new ConfigError(d, `${d.args[0]} is not a policy (round_robin)`)
    }
    return { middleware: loadbalanceMiddleware }
  },
}
