import { resolve } from 'node:path'
import { Counter } from '../../metrics/prom-client.js'
import { expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { Rcode, RRType } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type Reply, type ResourceRecord } from '../../dns/message.js'
import { inAnyZone, isInZone, nameLabels, normalizeName } from '../../dns/names.js'
import { renamedQuery } from '../../dns/renamed-query.js'
import { registry } from '../../metrics/registry.js'
import type { Handler, PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'
import { parseResolvConf } from '../pkg/resolv-conf.js'
import { readTextFile } from '../../text-file.js'
import { rewriteRelayed } from '../../dns/relayed-message.js'
import { BoundedLabels } from '../pkg/bounded-labels.js'

const autopathSuccess = new Counter({
  name: 'coredns_autopath_success_total',
  help: 'Counter of requests that did autopath.',
  labelNames: ['server'] as const,
  registers: [registry],
})

const autopathAnswered = new Counter({
  name: 'clusterdns_autopath_answered_total',
  help: 'Search-path expansions autopath answered in one round trip, by the client\'s namespace.',
  labelNames: ['server', 'namespace'] as const,
  registers: [registry],
})

/**
 * The answer to `query` made from the answer to `found` (a search-expanded name that resolved):
 * a CNAME from the asked name to the found one, with its first record's TTL, then its records (RFC
 * 1034 chain form). A reply with no answer record (NODATA) gets no CNAME, only the asked question,
 * as CoreDNS's.
 */
function chained(query: DnsQuery, found: DnsQuery, reply: Reply): Reply {
  const cname = (ttl: number): ResourceRecord => ({ name: query.name, type: RRType.CNAME, ttl, target: found.name })
  if (!reply.relayed) return reply.answer.length === 0 ? reply : { ...reply, answer: [cname(reply.answer[0]!.ttl), ...reply.answer] }
  // A relayed reply's names may point into its own question: rebuild it around the asked one.
  const wire = rewriteRelayed(reply.relayed, {
    questionWire: query.questionWire,
    questionName: query.name,
    prepend: (ttl) => (ttl === null ? [] : [cname(ttl)]),
  })
  return wire ? { ...reply, relayed: wire } : emptyReply(Rcode.SERVFAIL, reply.plugin)
}

/**
 * `autopath [ZONES…] @kubernetes|RESOLV-CONF`: the first search-expanded query of a lookup
 * (`example.com.<ns>.svc.cluster.local`) is answered with the final result: each name of the
 * client's search path is tried in turn, then the bare name, inside the server, and the first
 * that is not NXDOMAIN answers, chained from the asked name by a CNAME; when all are NXDOMAIN, the
 * asked name's own reply does.
 */
export const autopath: PluginDefinition = {
  name: 'autopath',
  once: true,
  setup(uses, block) {
    const d = uses[0]!
    expectArgs(d, 1, Infinity, 'autopath [ZONES…] @kubernetes|RESOLV-CONF')
    expectNoBlock(d)
    const source = d.args[d.args.length - 1]!
    const zones = d.args.length > 1 ? d.args.slice(0, -1).flatMap((z) => parseZone(z, d)) : [...block.zones]
    let searchOf: (client: string) => readonly string[] | null
    if (source.startsWith('@')) {
      if (source !== '@kubernetes') throw new ConfigError(d, `${source} is not a plugin autopath can ask (@kubernetes)`)
      searchOf = (client) => block.plugin('kubernetes')?.searchPath?.(client) ?? null
    } else {
      const path = resolve(block.configDir, source)
      const search = parseResolvConf(readTextFile(path, (reason) => new ConfigError(d, `cannot read ${path}: ${reason}`))).search.map(normalizeName)
      searchOf = () => search
    }
    const success = autopathSuccess.labels(block.server)
    const namespaces = new BoundedLabels()
    // The first search domain is `<ns>.svc.<zone>` for a pod; a resolv.conf's has no namespace.
    const answeredIn = (firstDomain: string) =>
      autopathAnswered.labels(block.server, namespaces.label(source.startsWith('@') ? firstDomain.split('.')[0]! : ''))

    return {
      middleware: (next: Handler) => async (query: DnsQuery): Promise<Reply> => {
        if (!inAnyZone(query.lowerName, zones)) return next(query)
        const search = searchOf(query.remoteAddress)
        const first = search?.[0]
        const applies = !!search && first !== undefined && query.lowerName !== first && isInZone(query.lowerName, first)
        query.trace?.note('autopath', { client: query.remoteAddress, searchPath: search, applies })
        if (!search || first === undefined || !applies) return next(query)
        const base = query.name.slice(0, query.name.length - first.length - 1)
        const step = async (asked: DnsQuery): Promise<Reply> => {
          const reply = await next(asked)
          query.trace?.note('autopath', { step: asked.name, rcode: reply.rcode })
          return reply
        }
        const asked = await step(query)
        if (asked.rcode !== Rcode.NXDOMAIN) return asked
        // The further search domains, then the bare name ('').
        for (const domain of [...search.slice(1), '']) {
          const name = domain === '' ? base : `${base}.${domain}`
          // A search domain that makes the name too long for DNS gives no candidate.
          if (nameLabels(name) === null) continue
          const candidate = renamedQuery(query, name)
          const found = await step(candidate)
          // A plugin that failed ends the walk with its failure, as in CoreDNS.
          if (found.error !== undefined) return found
          if (found.rcode === Rcode.NXDOMAIN) continue
          success.inc()
          answeredIn(search[0]!).inc()
          return chained(query, candidate, found)
        }
        // Every name NXDOMAIN: the first reply as it was (CoreDNS's), and no autopath counted; the
        // client walks its search path itself.
        return asked
      },
    }
  },
}
