/**
 * What the store keeps of each API object: only what answers need. Names are lower case,
 * addresses canonical text; protocols lower case (`tcp`), as SRV labels are matched.
 */
export interface PortRecord {
  /** '' for an unnamed port. */
  readonly name: string
  readonly protocol: string
  readonly port: number
}

/**
 * Where a record came from, for `explain`. Not part of what answers are made from: a change of
 * these alone is no change to the store.
 */
export interface Provenance {
  /** metadata.resourceVersion of the object the record was last made from ('' when it has none). */
  readonly resourceVersion: string
  /** Unix seconds when the store last changed the record (the store sets it). */
  readonly changedAt?: number
}

export type ServiceKind = 'cluster-ip' | 'headless' | 'external-name'

export interface ServiceRecord extends Provenance {
  readonly namespace: string
  readonly name: string
  readonly kind: ServiceKind
  /** Every entry of spec.clusterIPs (one per family), empty unless kind is cluster-ip. */
  readonly clusterIPs: readonly string[]
  /** The CNAME target, only for external-name services. */
  readonly externalName: string | null
  readonly ports: readonly PortRecord[]
  /** Whether spec.selector is set (the `service_kind` of the DNS programming metric). */
  readonly hasSelector: boolean
  /** spec.externalIPs, then status.loadBalancer.ingress[].ip: what `k8s_external` answers with. */
  readonly externalIPs: readonly string[]
}

/**
 * One address or more. Nearly every pod and endpoint has one, kept as the string itself: an array
 * of one costs 56 bytes more (13 MiB over 150,000 pods and 100,000 endpoints).
 */
export type Addresses = string | readonly string[]

/** The addresses as a list. */
export const addressList = (addresses: Addresses): readonly string[] => (typeof addresses === 'string' ? [addresses] : addresses)

/** The addresses as the store keeps them: one as the string itself. */
export const compactAddresses = (list: readonly string[]): Addresses => (list.length === 1 ? list[0]! : list)

/** One ready endpoint of an EndpointSlice (not-ready ones are never answered, so never kept). */
export interface EndpointRecord {
  readonly addresses: Addresses
  readonly hostname: string | null
  /** targetRef.name when it is a Pod whose name is a DNS label (for `endpoint_pod_names`). */
  readonly podName: string | null
}

export interface SliceRecord extends Provenance {
  readonly namespace: string
  readonly name: string
  /** The Service it belongs to (label kubernetes.io/service-name). */
  readonly service: string
  readonly endpoints: readonly EndpointRecord[]
  readonly ports: readonly PortRecord[]
  /** How many of its endpoints are not ready (for `explain`: "0 of N ready"). */
  readonly notReady: number
}

export interface PodRecord extends Provenance {
  readonly namespace: string
  readonly name: string
  readonly ips: Addresses
}

export interface NamespaceRecord extends Provenance {
  readonly name: string
}

/** A full set of objects, as a relist or a manifest reload delivers them. */
export interface ClusterObjects {
  readonly namespaces: readonly NamespaceRecord[]
  readonly services: readonly ServiceRecord[]
  readonly slices: readonly SliceRecord[]
  readonly pods: readonly PodRecord[]
}
