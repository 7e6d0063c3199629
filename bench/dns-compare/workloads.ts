import { OUTSIDE_NAMES, WILDCARD_ZONE } from './servers.js'

export type ServerKind = 'floor' | 'clusterdns' | 'nsd' | 'dnsmasq'

export interface Workload {
  readonly id: string
  readonly title: string
  readonly tcp: boolean
  /** dnsperf input lines (`NAME TYPE`); `run` makes names unique per measurement where asked. */
  readonly questions: (run: number) => string[]
  /** Every name is new: dnsperf reads the file once (-n 1), so every query is forwarded. */
  readonly unique: boolean
  readonly servers: readonly ServerKind[]
}

const POD_NAMESPACE = 'shop'
const SEARCH = [`${POD_NAMESPACE}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local']

/** What a pod in `shop` (ndots:5, kubelet's search path) sends for `name` up to the try that answers: A and AAAA each. */
function podLookup(name: string, answeredAt: number): string[] {
  return SEARCH.slice(0, answeredAt + 1).flatMap((suffix) => [`${name}.${suffix} A`, `${name}.${suffix} AAAA`])
}

/**
 * Cluster questions: a service (A, AAAA), a headless service and a StatefulSet pod, SRV, PTR, a pod
 * record, the API server, NXDOMAIN, and the search-path expansions a pod sends: `web` (first try
 * answers), `db.shop` (second), and `api.example.com`'s three cluster tries (all NXDOMAIN; its last,
 * outside try is the outside workloads' business).
 */
export const CLUSTER_MIX = [
  ...podLookup('web', 0),
  ...podLookup('db.shop', 1),
  ...podLookup('api.example.com', 2),
  'db-0.db.shop.svc.cluster.local A',
  '_http._tcp.web.shop.svc.cluster.local SRV',
  '10.100.96.10.in-addr.arpa PTR',
  '10-244-1-11.shop.pod.cluster.local A',
  'kubernetes.default.svc.cluster.local A',
  'kube-dns.kube-system.svc.cluster.local A',
  'nope.shop.svc.cluster.local A',
]

/** A run's never-seen names under unbound's wildcard zone. */
const UNIQUE_PER_RUN = 150_000

export const WORKLOADS: readonly Workload[] = [
  { id: 'cluster-one', title: 'one cluster name (UDP)', tcp: false, unique: false, questions: () => ['web.shop.svc.cluster.local A'], servers: ['floor', 'clusterdns', 'nsd'] },
  { id: 'cluster-mix', title: 'cluster mix with ndots:5 expansions (UDP)', tcp: false, unique: false, questions: () => CLUSTER_MIX, servers: ['floor', 'clusterdns', 'nsd'] },
  {
    id: 'outside-cached', title: 'cached outside names (UDP)', tcp: false, unique: false,
    questions: () => OUTSIDE_NAMES.map((n) => `${n} A`), servers: ['floor', 'clusterdns', 'nsd', 'dnsmasq'],
  },
  {
    id: 'outside-uncached', title: 'uncached outside names, forwarded (UDP)', tcp: false, unique: true,
    questions: (run) => Array.from({ length: UNIQUE_PER_RUN }, (_, i) => `r${run}n${i}.${WILDCARD_ZONE} A`), servers: ['floor', 'clusterdns', 'dnsmasq'],
  },
  { id: 'cluster-mix-tcp', title: 'cluster mix over TCP, connections reused', tcp: true, unique: false, questions: () => CLUSTER_MIX, servers: ['floor', 'clusterdns', 'nsd'] },
]

/** Every distinct cluster question of the workloads, for NSD's copy of clusterdns's answers. */
export const CLUSTER_QUESTIONS: readonly (readonly [string, string])[] = [...new Set(CLUSTER_MIX)].map((line) => line.split(' ') as [string, string])
