import { Rcode } from '../../dns/constants.js'
import { isInZone, labelsBelow } from '../../dns/names.js'
import { PlainCounter, type CounterCell } from '../../metrics/plain-metrics.js'
import { BoundedLabels } from '../pkg/bounded-labels.js'
import type { BlockContext, QueryObserver, ServingLabels } from '../plugin.js'

const searchPathNxdomain = new PlainCounter({
  name: 'clusterdns_search_path_nxdomain_total',
  help: 'Search-path expansions of a name with a dot (X.<ns>.svc.<zone>, X.svc.<zone>, X.<zone>) answered NXDOMAIN, by client namespace and search domain.',
  labelNames: ['server', 'namespace', 'domain'],
})

/** Names remembered per listener with the series they count into; past this, it starts over. */
const MEMO_LIMIT = 10_000

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
  return ({ server }) => {
    // The series a name counts into (null: none), by the client's namespace: worked out once each.
    const memo = new Map<string | null, Map<string, CounterCell | null>>()
    let remembered = 0
    return ({ query, reply }) => {
      if (reply.rcode !== Rcode.NXDOMAIN) return
      const kubernetes = block.plugin('kubernetes')
      if (kubernetes?.clusterZone === undefined) return
      const client = kubernetes.searchPath?.(query.remoteAddress)?.[0]?.split('.')[0] ?? null
      if (remembered >= MEMO_LIMIT) {
        memo.clear()
        remembered = 0
      }
      let byName = memo.get(client)
      if (!byName) memo.set(client, (byName = new Map()))
      let cell = byName.get(query.lowerName)
      if (cell === undefined) {
        const expansion = searchExpansion(query.lowerName, kubernetes.clusterZone, client)
        cell = expansion ? searchPathNxdomain.cell(server, namespaces.label(expansion.namespace), expansion.domain) : null
        byName.set(query.lowerName, cell)
        remembered++
      }
      if (cell) cell[0]!++
    }
  }
}
