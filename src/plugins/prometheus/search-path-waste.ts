import { Counter } from 'prom-client'
import { Rcode } from '../../dns/constants.js'
import { isInZone, labelsBelow } from '../../dns/names.js'
import { registry } from '../../metrics/registry.js'
import { BoundedLabels } from '../pkg/bounded-labels.js'
import type { BlockContext, QueryObserver, ServingLabels } from '../plugin.js'

const searchPathNxdomain = new Counter({
  name: 'clusterdns_search_path_nxdomain_total',
  help: 'Search-path expansions of a name with a dot (X.<ns>.svc.<zone>, X.svc.<zone>, X.<zone>) answered NXDOMAIN, by client namespace and search domain.',
  labelNames: ['server', 'namespace', 'domain'] as const,
  registers: [registry],
})

export type SearchDomain = 'namespace' | 'svc' | 'zone'

/**
 * Whether `name` looks like a stub resolver's search expansion of a dotted name X, and by which
 * search domain: `X.<ns>.svc.<zone>` (ns: the client's, when known), `X.svc.<zone>`, `X.<zone>`.
 */
export function searchExpansion(name: string, zone: string, clientNamespace: string | null): { domain: SearchDomain; namespace: string } | null {
  if (name === zone || !isInZone(name, zone)) return null
  const labels = labelsBelow(name, zone)
  if (labels[0] === 'svc') {
    // Without the client's namespace, a name deep enough is taken as expanded in the one it names.
    const namespace = clientNamespace ?? (labels.length >= 4 ? labels[1]! : null)
    if (labels[1] === namespace) return labels.length >= 4 ? { domain: 'namespace', namespace } : null
    return labels.length >= 3 ? { domain: 'svc', namespace: clientNamespace ?? '' } : null
  }
  return labels[0] !== 'pod' && labels.length >= 2 ? { domain: 'zone', namespace: clientNamespace ?? '' } : null
}

/** Counts the block's NXDOMAIN answers to search expansions (with the kubernetes plugin in the block). */
export function searchPathWaste(block: BlockContext): (labels: ServingLabels) => QueryObserver {
  const namespaces = new BoundedLabels()
  return ({ server }) =>
    ({ query, reply }) => {
      if (reply.rcode !== Rcode.NXDOMAIN) return
      const kubernetes = block.plugin('kubernetes')
      if (kubernetes?.clusterZone === undefined) return
      const client = kubernetes.searchPath?.(query.remoteAddress)?.[0]?.split('.')[0] ?? null
      const expansion = searchExpansion(query.lowerName, kubernetes.clusterZone, client)
      if (expansion) searchPathNxdomain.labels(server, namespaces.label(expansion.namespace), expansion.domain).inc()
    }
}
