import type { BlockList } from 'node:net'
import { isIPv6 } from 'node:net'
import { EdnsOptionCode, Rcode } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply } from '../../dns/message.js'
import { inAnyZone } from '../../dns/names.js'
import type { Middleware } from '../plugin.js'

export type AclAction = 'allow' | 'block' | 'filter' | 'drop'

/** One `ACTION [type QTYPE…] [net SOURCE…]` line: null types or nets match every one. */
export interface AclPolicy {
  readonly action: AclAction
  readonly types: ReadonlySet<number> | null
  readonly nets: BlockList | null
}

/** One `acl [ZONES…] { … }`: its policies, tried in order, for names in its zones. */
export interface AclRule {
  readonly zones: readonly string[]
  readonly policies: readonly AclPolicy[]
}

const PLUGIN = 'acl'
/** RFC 8914 extended error codes CoreDNS attaches: Blocked, Filtered. */
const EDE_BLOCKED = 15
const EDE_FILTERED = 17

const ede = (code: number): Reply['ednsOptions'] => [{ code: EdnsOptionCode.EDE, data: Buffer.from([code >> 8, code & 0xff]) }]

function actionFor(policies: readonly AclPolicy[], query: DnsQuery): AclAction | null {
  const family = isIPv6(query.remoteAddress) ? 'ipv6' : 'ipv4'
  for (const p of policies) {
    if (p.types && !p.types.has(query.type)) continue
    if (p.nets && !p.nets.check(query.remoteAddress, family)) continue
    return p.action
  }
  return null
}

/**
 * The first rule whose zones hold the name and one of whose policies matches the question's type
 * and client decides: block is REFUSED, filter an empty NOERROR, drop no reply at all, allow goes
 * on. A rule none of whose policies match leaves the question to the next rule.
 */
export function aclMiddleware(rules: readonly AclRule[]): Middleware {
  return (next) => (query) => {
    for (const rule of rules) {
      if (!inAnyZone(query.lowerName, rule.zones)) continue
      switch (actionFor(rule.policies, query)) {
        case 'allow':
          return next(query)
        case 'block':
          return { ...emptyReply(Rcode.REFUSED, PLUGIN), ednsOptions: ede(EDE_BLOCKED) }
        case 'filter':
          return { ...emptyReply(Rcode.NOERROR, PLUGIN), ednsOptions: ede(EDE_FILTERED) }
        case 'drop':
          return { ...emptyReply(Rcode.NOERROR, PLUGIN), drop: true }
        case null:
          break
      }
    }
    return next(query)
  }
}
