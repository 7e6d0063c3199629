import type { ClusterObjects, PodRecord, PortRecord, ServiceRecord, SliceRecord } from './records.js'

/** One ready address of a Service, with what names and SRV records are made from. */
export interface ServiceEndpoint {
  readonly address: string
  readonly hostname: string | null
  readonly podName: string | null
  readonly ports: readonly PortRecord[]
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`

function addTo<K, V>(index: Map<K, Set<V>>, k: K, v: V): void {
  let set = index.get(k)
  if (!set) index.set(k, (set = new Set()))
  set.add(v)
}

function removeFrom<K, V>(index: Map<K, Set<V>>, k: K, v: V): void {
  const set = index.get(k)
  if (set?.delete(v) && set.size === 0) index.delete(k)
}

/** The indexes behind the store; a relist builds a new one beside the old and swaps it in. */
class StoreState {
  readonly namespaces = new Set<string>()
  readonly services = new Map<string, ServiceRecord>()
  readonly slices = new Map<string, SliceRecord>()
  readonly slicesByService = new Map<string, Set<string>>()
  readonly servicesByClusterIP = new Map<string, Set<string>>()
  readonly slicesByAddress = new Map<string, Set<string>>()
  readonly pods = new Map<string, PodRecord>()
  readonly podsByIP = new Map<string, Set<string>>()
  /** Merged endpoints per service, built on first use after a change to its slices. */
  readonly endpointsByService = new Map<string, ServiceEndpoint[]>()

  setService(service: ServiceRecord): void {
    const k = key(service.namespace, service.name)
    this.deleteService(service.namespace, service.name)
    this.services.set(k, service)
    for (const ip of service.clusterIPs) addTo(this.servicesByClusterIP, ip, k)
  }

  deleteService(namespace: string, name: string): void {
    const k = key(namespace, name)
    const old = this.services.get(k)
    if (!old) return
    for (const ip of old.clusterIPs) removeFrom(this.servicesByClusterIP, ip, k)
    this.services.delete(k)
  }

  setSlice(slice: SliceRecord): void {
    this.deleteSlice(slice.namespace, slice.name)
    const k = key(slice.namespace, slice.name)
    this.slices.set(k, slice)
    addTo(this.slicesByService, key(slice.namespace, slice.service), k)
    for (const ep of slice.endpoints) for (const ip of ep.addresses) addTo(this.slicesByAddress, ip, k)
    this.endpointsByService.delete(key(slice.namespace, slice.service))
  }

  deleteSlice(namespace: string, name: string): void {
    const k = key(namespace, name)
    const old = this.slices.get(k)
    if (!old) return
    removeFrom(this.slicesByService, key(old.namespace, old.service), k)
    for (const ep of old.endpoints) for (const ip of ep.addresses) removeFrom(this.slicesByAddress, ip, k)
    this.slices.delete(k)
    this.endpointsByService.delete(key(old.namespace, old.service))
  }

  setPod(pod: PodRecord): void {
    this.deletePod(pod.namespace, pod.name)
    const k = key(pod.namespace, pod.name)
    this.pods.set(k, pod)
    for (const ip of pod.ips) addTo(this.podsByIP, ip, k)
  }

  deletePod(namespace: string, name: string): void {
    const k = key(namespace, name)
    const old = this.pods.get(k)
    if (!old) return
    for (const ip of old.ips) removeFrom(this.podsByIP, ip, k)
    this.pods.delete(k)
  }
}

/**
 * The records every answer is made from, fed by a source (manifest files, the API watch).
 * Each change is applied synchronously, so a query never sees half of it; `generation` counts
 * changes, so answers computed from the store can be reused until it moves.
 */
export class RecordStore {
  private state = new StoreState()
  private syncedOnce = false
  generation = 0
  /** Unix seconds of the last change: the SOA serial. */
  serial = Math.floor(Date.now() / 1000)

  /** Whether a full set of objects has been loaded at least once. */
  get synced(): boolean {
    return this.syncedOnce
  }

  private changed(): void {
    this.generation++
    this.serial = Math.floor(Date.now() / 1000)
  }

  /** Replaces everything with `objects` in one step and marks the store synced. */
  replaceAll(objects: ClusterObjects): void {
    const next = new StoreState()
    for (const ns of objects.namespaces) next.namespaces.add(ns.name)
    for (const service of objects.services) next.setService(service)
    for (const slice of objects.slices) next.setSlice(slice)
    for (const pod of objects.pods) next.setPod(pod)
    this.state = next
    this.syncedOnce = true
    this.changed()
  }

  setNamespace(name: string): void {
    this.state.namespaces.add(name)
    this.changed()
  }
  deleteNamespace(name: string): void {
    this.state.namespaces.delete(name)
    this.changed()
  }
  setService(service: ServiceRecord): void {
    this.state.setService(service)
    this.changed()
  }
  deleteService(namespace: string, name: string): void {
    this.state.deleteService(namespace, name)
    this.changed()
  }
  setSlice(slice: SliceRecord): void {
    this.state.setSlice(slice)
    this.changed()
  }
  deleteSlice(namespace: string, name: string): void {
    this.state.deleteSlice(namespace, name)
    this.changed()
  }
  setPod(pod: PodRecord): void {
    this.state.setPod(pod)
    this.changed()
  }
  deletePod(namespace: string, name: string): void {
    this.state.deletePod(namespace, name)
    this.changed()
  }

  hasNamespace(namespace: string): boolean {
    return this.state.namespaces.has(namespace)
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.state.services.get(key(namespace, name))
  }

  /** The ready endpoints of a service across all its EndpointSlices, in a stable order. */
  endpoints(namespace: string, name: string): readonly ServiceEndpoint[] {
    const k = key(namespace, name)
    const cached = this.state.endpointsByService.get(k)
    if (cached) return cached
    const merged: ServiceEndpoint[] = []
    const sliceKeys = [...(this.state.slicesByService.get(k) ?? [])].sort()
    for (const sliceKey of sliceKeys) {
      const slice = this.state.slices.get(sliceKey)!
      for (const ep of slice.endpoints) {
        for (const address of ep.addresses) {
          merged.push({ address, hostname: ep.hostname, podName: ep.podName, ports: slice.ports })
        }
      }
    }
    this.state.endpointsByService.set(k, merged)
    return merged
  }

  /** Services whose ClusterIPs include `ip`. */
  servicesWithClusterIP(ip: string): ServiceRecord[] {
    return [...(this.state.servicesByClusterIP.get(ip) ?? [])].sort().map((k) => this.state.services.get(k)!)
  }

  /** Services that have `ip` as a ready endpoint address. */
  servicesWithEndpoint(ip: string): ServiceRecord[] {
    const found = new Set<string>()
    for (const sliceKey of this.state.slicesByAddress.get(ip) ?? []) {
      const slice = this.state.slices.get(sliceKey)!
      found.add(key(slice.namespace, slice.service))
    }
    return [...found].sort().flatMap((k) => this.state.services.get(k) ?? [])
  }

  /** Pods (not finished) that have `ip`. */
  podsWithIP(ip: string): PodRecord[] {
    return [...(this.state.podsByIP.get(ip) ?? [])].map((k) => this.state.pods.get(k)!)
  }
}
