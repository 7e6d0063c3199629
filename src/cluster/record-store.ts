import { isDeepStrictEqual } from 'node:util'
import { MultiIndex } from './multi-index.js'
import type { ClusterObjects, NamespaceRecord, PodRecord, PortRecord, ServiceRecord, SliceRecord } from './records.js'

/** One ready address of a Service, with what names and SRV records are made from. */
export interface ServiceEndpoint {
  readonly address: string
  readonly hostname: string | null
  readonly podName: string | null
  readonly ports: readonly PortRecord[]
}

/** The kinds of record the store holds, by the name sources use for them. */
export interface RecordOf {
  namespace: NamespaceRecord
  service: ServiceRecord
  slice: SliceRecord
  pod: PodRecord
}
export type RecordKind = keyof RecordOf

const key = (namespace: string, name: string): string => `${namespace}/${name}`

/** A record's key within its kind: `name` for namespaces, `namespace/name` for the rest. */
export function recordKey<K extends RecordKind>(kind: K, record: RecordOf[K]): string {
  return kind === 'namespace' ? record.name : key((record as ServiceRecord).namespace, record.name)
}

/** Every record by kind and key, and the indexes answers look them up by. */
class StoreState {
  readonly records: { [K in RecordKind]: Map<string, RecordOf[K]> } = {
    namespace: new Map(),
    service: new Map(),
    slice: new Map(),
    pod: new Map(),
  }
  readonly slicesByService = new MultiIndex<string>()
  readonly servicesByClusterIP = new MultiIndex<string>()
  readonly slicesByAddress = new MultiIndex<string>()
  readonly podsByIP = new MultiIndex<string>()
  /** Merged endpoints per service, built on first use after a change to its slices. */
  readonly endpointsByService = new Map<string, ServiceEndpoint[]>()

  set<K extends RecordKind>(kind: K, record: RecordOf[K]): void {
    const k = recordKey(kind, record)
    this.delete(kind, k)
    this.records[kind].set(k, record)
    this.index(kind, k, record, 'add')
  }

  delete(kind: RecordKind, k: string): void {
    const old = this.records[kind].get(k)
    if (!old) return
    this.index(kind, k, old, 'remove')
    this.records[kind].delete(k)
  }

  /** Adds a record to (or removes it from) the indexes of its kind. */
  private index<K extends RecordKind>(kind: K, k: string, record: RecordOf[K], op: 'add' | 'remove'): void {
    switch (kind) {
      case 'service':
        for (const ip of (record as ServiceRecord).clusterIPs) this.servicesByClusterIP[op](ip, k)
        break
      case 'slice': {
        const slice = record as SliceRecord
        const serviceKey = key(slice.namespace, slice.service)
        this.slicesByService[op](serviceKey, k)
        for (const ep of slice.endpoints) for (const ip of ep.addresses) this.slicesByAddress[op](ip, k)
        this.endpointsByService.delete(serviceKey)
        break
      }
      case 'pod':
        for (const ip of (record as PodRecord).ips) this.podsByIP[op](ip, k)
        break
    }
  }
}

/**
 * The records every answer is made from, fed by a source (manifest files, the API watch).
 * Each change is applied synchronously, so a query never sees half of it; `generation` counts
 * changes, so answers computed from the store can be reused until it moves. A change that
 * leaves a record as it was (a pod's status update, an unchanged object in a relist) is no change.
 */
export class RecordStore {
  private readonly state = new StoreState()
  private syncedOnce = false
  generation = 0
  /** Unix seconds of the last change: the SOA serial. */
  serial = Math.floor(Date.now() / 1000)

  /** Whether every kind has been loaded in full at least once. */
  get synced(): boolean {
    return this.syncedOnce
  }

  markSynced(): void {
    this.syncedOnce = true
  }

  private changed(): void {
    this.generation++
    this.serial = Math.floor(Date.now() / 1000)
  }

  /** Adds or replaces a record; returns whether anything changed. */
  set<K extends RecordKind>(kind: K, record: RecordOf[K]): boolean {
    const old = this.state.records[kind].get(recordKey(kind, record))
    if (old && isDeepStrictEqual(old, record)) return false
    this.state.set(kind, record)
    this.changed()
    return true
  }

  /** Removes the record of `kind` named `name` (in `namespace`, which namespaces themselves ignore). */
  delete(kind: RecordKind, namespace: string, name: string): boolean {
    const k = kind === 'namespace' ? name : key(namespace, name)
    if (!this.state.records[kind].has(k)) return false
    this.state.delete(kind, k)
    this.changed()
    return true
  }

  /**
   * Starts making the store hold exactly the records of one kind that are then `put` (a relist, page
   * by page): new and changed records are set as they come, unchanged ones kept, and `finish`
   * deletes the ones not put. Names that exist throughout never go missing, and no second copy of
   * the kind is built.
   */
  beginReplace<K extends RecordKind>(kind: K): { put(record: RecordOf[K]): void; finish(): void } {
    const current = this.state.records[kind]
    const listed = new Set<string>()
    let changes = 0
    return {
      put: (record) => {
        const k = recordKey(kind, record)
        listed.add(k)
        const old = current.get(k)
        if (old && isDeepStrictEqual(old, record)) return
        this.state.set(kind, record)
        changes++
      },
      finish: () => {
        for (const k of [...current.keys()]) {
          if (listed.has(k)) continue
          this.state.delete(kind, k)
          changes++
        }
        if (changes > 0) this.changed()
      },
    }
  }

  /** Makes the store hold exactly `records` of one kind, in one synchronous step. */
  replace<K extends RecordKind>(kind: K, records: Iterable<RecordOf[K]>): void {
    const replacement = this.beginReplace(kind)
    for (const record of records) replacement.put(record)
    replacement.finish()
  }

  /** Replaces every kind with `objects` and marks the store synced. */
  replaceAll(objects: ClusterObjects): void {
    this.replace('namespace', objects.namespaces)
    this.replace('service', objects.services)
    this.replace('slice', objects.slices)
    this.replace('pod', objects.pods)
    this.markSynced()
  }

  /** How many records of a kind are held. */
  count(kind: RecordKind): number {
    return this.state.records[kind].size
  }

  hasNamespace(namespace: string): boolean {
    return this.state.records.namespace.has(namespace)
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.state.records.service.get(key(namespace, name))
  }

  /** The ready endpoints of a service across all its EndpointSlices, in a stable order. */
  endpoints(namespace: string, name: string): readonly ServiceEndpoint[] {
    const k = key(namespace, name)
    const cached = this.state.endpointsByService.get(k)
    if (cached) return cached
    const merged: ServiceEndpoint[] = []
    const sliceKeys = [...this.state.slicesByService.get(k)].sort()
    for (const sliceKey of sliceKeys) {
      const slice = this.state.records.slice.get(sliceKey)!
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
    return [...this.state.servicesByClusterIP.get(ip)].sort().map((k) => this.state.records.service.get(k)!)
  }

  /** Services that have `ip` as a ready endpoint address. */
  servicesWithEndpoint(ip: string): ServiceRecord[] {
    const found = new Set<string>()
    for (const sliceKey of this.state.slicesByAddress.get(ip)) {
      const slice = this.state.records.slice.get(sliceKey)!
      found.add(key(slice.namespace, slice.service))
    }
    return [...found].sort().flatMap((k) => this.state.records.service.get(k) ?? [])
  }

  /** Pods (not finished) that have `ip`. */
  podsWithIP(ip: string): PodRecord[] {
    return this.state.podsByIP.get(ip).map((k) => this.state.records.pod.get(k)!)
  }
}
