import { MultiIndex } from './multi-index.js'
import { addressList, type ClusterObjects, type NamespaceRecord, type PodRecord, type PortRecord, type Provenance, type ServiceRecord, type SliceRecord } from './records.js'

/** One ready address of a Service, with what names and SRV records are made from. */
export interface ServiceEndpoint {
  readonly address: string
  readonly hostname: string | null
  readonly podName: string | null
  readonly ports: readonly PortRecord[]
  /** The EndpointSlice it is listed in (for `explain`). */
  readonly slice: SliceRecord
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
const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1

/** The namespace a record is filed under ('' for namespaces themselves). */
const namespaceOf = <K extends RecordKind>(kind: K, record: RecordOf[K]): string => (kind === 'namespace' ? '' : (record as ServiceRecord).namespace)

/**
 * The records of one kind by namespace, then name: the record's own strings are the keys, so a
 * record costs no `namespace/name` key string (150,000 pods would keep ~12 MiB of them).
 */
class Table<R extends { readonly name: string }> {
  private readonly namespaces = new Map<string, Map<string, R>>()
  size = 0

  get(namespace: string, name: string): R | undefined {
    return this.namespaces.get(namespace)?.get(name)
  }

  set(namespace: string, record: R): void {
    let names = this.namespaces.get(namespace)
    if (!names) this.namespaces.set(namespace, (names = new Map()))
    if (!names.has(record.name)) this.size++
    names.set(record.name, record)
  }

  delete(namespace: string, name: string): void {
    const names = this.namespaces.get(namespace)
    if (!names?.delete(name)) return
    this.size--
    if (names.size === 0) this.namespaces.delete(namespace)
  }

  *values(): IterableIterator<R> {
    for (const names of this.namespaces.values()) yield* names.values()
  }
}

/**
 * Whether two parts of records hold the same data: strings, numbers, booleans, null, and arrays and
 * plain objects of them, all records are made of. A fifth of isDeepStrictEqual's time, which checks
 * for every kind of object (a burst of EndpointSlice changes spent most of its time there).
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    if (a.length !== other.length) return false
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], other[i])) return false
    return true
  }
  return sameFields(a as Record<string, unknown>, b as Record<string, unknown>, false)
}

const isProvenance = (field: string): boolean => field === 'resourceVersion' || field === 'changedAt'

/** Whether two objects have the same fields with the same data (of a record: its provenance aside). */
function sameFields(left: Record<string, unknown>, right: Record<string, unknown>, record: boolean): boolean {
  let fields = 0
  for (const field in right) {
    if (record && isProvenance(field)) continue
    fields++
    if (!(field in left) || !sameData(left[field], right[field])) return false
  }
  for (const field in left) if (!record || !isProvenance(field)) fields--
  return fields === 0
}

/** Whether two records make the same answers: their provenance (resourceVersion, changedAt) aside. */
const sameRecord = (a: object, b: object): boolean => sameFields(a as Record<string, unknown>, b as Record<string, unknown>, true)

/**
 * The record as the store keeps it: stamped with when it changed (one small integer per record).
 * `changedAt` comes first so that the copy is laid out with room for it: spreading and then adding
 * a field V8 has not seen makes each record ~250 bytes larger (150,000 pods: 36 MiB).
 */
function stamped<R extends Provenance>(record: R): R {
  const copy = { changedAt: 0, ...record }
  copy.changedAt = Math.floor(Date.now() / 1000)
  return copy
}

/** Every record by kind, and the indexes answers look them up by (they hold the records themselves). */
class StoreState {
  readonly records: { [K in RecordKind]: Table<RecordOf[K]> } = {
    namespace: new Table(),
    service: new Table(),
    slice: new Table(),
    pod: new Table(),
  }
  /** By `namespace/service`. */
  readonly slicesByService = new MultiIndex<SliceRecord>()
  readonly servicesByClusterIP = new MultiIndex<ServiceRecord>()
  readonly slicesByAddress = new MultiIndex<SliceRecord>()
  readonly podsByIP = new MultiIndex<PodRecord>()
  /** Merged endpoints per service, built on first use after a change to its slices. */
  readonly endpointsByService = new Map<string, ServiceEndpoint[]>()

  get<K extends RecordKind>(kind: K, namespace: string, name: string): RecordOf[K] | undefined {
    return (this.records[kind] as Table<RecordOf[K]>).get(namespace, name)
  }

  set<K extends RecordKind>(kind: K, record: RecordOf[K]): void {
    const namespace = namespaceOf(kind, record)
    const table = this.records[kind] as Table<RecordOf[K]>
    const old = table.get(namespace, record.name)
    table.set(namespace, record)
    this.reindex(kind, old, record)
  }

  delete(kind: RecordKind, namespace: string, name: string): void {
    const old = this.get(kind, namespace, name)
    if (!old) return
    this.reindex(kind, old, undefined)
    this.records[kind].delete(namespace, name)
  }

  /** Moves the indexes of a kind from `old` to `record` (either absent: an addition or a removal). */
  private reindex<K extends RecordKind>(kind: K, old: RecordOf[K] | undefined, record: RecordOf[K] | undefined): void {
    switch (kind) {
      case 'service': {
        const ips = (service: ServiceRecord | undefined): readonly string[] => service?.clusterIPs ?? []
        move(this.servicesByClusterIP, old as ServiceRecord | undefined, ips, record as ServiceRecord | undefined)
        break
      }
      case 'slice': {
        const [before, after] = [old as SliceRecord | undefined, record as SliceRecord | undefined]
        const serviceKey = (slice: SliceRecord | undefined): string[] => (slice ? [key(slice.namespace, slice.service)] : [])
        move(this.slicesByService, before, serviceKey, after)
        move(this.slicesByAddress, before, (slice) => slice?.endpoints.flatMap((ep) => addressList(ep.addresses)) ?? [], after)
        for (const k of [...serviceKey(before), ...serviceKey(after)]) this.endpointsByService.delete(k)
        break
      }
      case 'pod':
        move(this.podsByIP, old as PodRecord | undefined, (pod) => (pod ? addressList(pod.ips) : []), record as PodRecord | undefined)
        break
    }
  }
}

/**
 * Moves `index` from `old` under its keys to `value` under its own: a key both have is looked up
 * once (a changed EndpointSlice keeps most of its addresses), not removed and added again.
 */
function move<V>(index: MultiIndex<V>, old: V | undefined, keysOf: (value: V | undefined) => readonly string[], value: V | undefined): void {
  const keys = keysOf(value)
  if (old !== undefined) {
    const kept = new Set(keys)
    for (const k of keysOf(old)) if (!kept.has(k)) index.remove(k, old)
  }
  if (value !== undefined) for (const k of keys) index.replace(k, old, value)
}

/**
 * The records every answer is made from, fed by a source (manifest files, the API watch).
 * Each change is applied synchronously, so a query never sees half of it; `generation` counts
 * changes, so answers computed from the store can be reused until it moves. A change that
 * leaves a record as it was (a pod's status update, an unchanged object in a relist) is no change.
 */
export class RecordStore {
  /** What answers are made from. */
  private state = new StoreState()
  /**
   * What sources change: `state` itself, except while a snapshot is served; then the sources fill
   * this one, and it replaces the snapshot in one step when they have synced.
   */
  private writing = this.state
  private syncedOnce = false
  /** Unix seconds the served snapshot was written at, while one is served. */
  snapshotWrittenAt: number | null = null
  generation = 0
  /** Unix seconds of the last change: the SOA serial. */
  serial = Math.floor(Date.now() / 1000)

  /** Whether every kind has been loaded in full at least once. */
  get synced(): boolean {
    return this.syncedOnce
  }

  markSynced(): void {
    this.syncedOnce = true
    if (this.writing === this.state) return
    this.state = this.writing
    this.snapshotWrittenAt = null
    this.changed()
  }

  /**
   * Serves `objects` (a snapshot written at `writtenAt`) until the sources have synced, when what
   * they loaded meanwhile replaces it at once. The store stays unsynced: names not in the
   * snapshot are SERVFAIL, not NXDOMAIN.
   */
  serveSnapshot(objects: ClusterObjects, writtenAt: number): void {
    const served = new StoreState()
    for (const namespace of objects.namespaces) served.set('namespace', namespace)
    for (const service of objects.services) served.set('service', service)
    for (const slice of objects.slices) served.set('slice', slice)
    for (const pod of objects.pods) served.set('pod', pod)
    this.state = served
    this.snapshotWrittenAt = writtenAt
    this.changed()
  }

  /** Every record served, by kind (what a snapshot keeps). */
  objects(): ClusterObjects {
    const { records } = this.state
    return { namespaces: [...records.namespace.values()], services: [...records.service.values()], slices: [...records.slice.values()], pods: [...records.pod.values()] }
  }

  private changed(): void {
    this.generation++
    this.serial = Math.floor(Date.now() / 1000)
  }

  /** Adds or replaces a record; returns whether anything changed. */
  set<K extends RecordKind>(kind: K, record: RecordOf[K]): boolean {
    const old = this.writing.get(kind, namespaceOf(kind, record), record.name)
    if (old && sameRecord(old, record)) return false
    this.writing.set(kind, stamped(record))
    this.changed()
    return true
  }

  /** Removes the record of `kind` named `name` (in `namespace`, which namespaces themselves ignore). */
  delete(kind: RecordKind, namespace: string, name: string): boolean {
    const filedUnder = kind === 'namespace' ? '' : namespace
    if (!this.writing.get(kind, filedUnder, name)) return false
    this.writing.delete(kind, filedUnder, name)
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
    const target = this.writing
    const table = target.records[kind] as Table<RecordOf[K]>
    // The records kept or put, by identity: no key string per record, even for the length of a relist.
    // None for a first list: it starts from nothing, so nothing is left over to delete, and at
    // 150,000 Pods the set (and the arrays it outgrows) would be 9 MiB of the sync's peak RSS.
    const listed = table.size > 0 ? new Set<RecordOf[K]>() : null
    let changes = 0
    return {
      put: (record) => {
        const old = target.get(kind, namespaceOf(kind, record), record.name)
        if (old && sameRecord(old, record)) {
          listed?.add(old)
          return
        }
        const kept = stamped(record)
        listed?.add(kept)
        target.set(kind, kept)
        changes++
      },
      finish: () => {
        if (listed) {
          for (const record of [...table.values()]) {
            if (listed.has(record)) continue
            target.delete(kind, namespaceOf(kind, record), record.name)
            changes++
          }
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
    return this.state.records.namespace.get('', namespace) !== undefined
  }

  namespace(name: string): NamespaceRecord | undefined {
    return this.state.records.namespace.get('', name)
  }

  /** The EndpointSlices of a service, ready endpoints or not (for `explain`). */
  slices(namespace: string, service: string): SliceRecord[] {
    return [...this.state.slicesByService.get(key(namespace, service))].sort(byKey)
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.state.records.service.get(namespace, name)
  }

  /** The ready endpoints of a service across all its EndpointSlices, in a stable order. */
  endpoints(namespace: string, name: string): readonly ServiceEndpoint[] {
    const k = key(namespace, name)
    const cached = this.state.endpointsByService.get(k)
    if (cached) return cached
    const merged: ServiceEndpoint[] = []
    for (const slice of [...this.state.slicesByService.get(k)].sort(byKey)) {
      for (const ep of slice.endpoints) {
        for (const address of addressList(ep.addresses)) {
          merged.push({ address, hostname: ep.hostname, podName: ep.podName, ports: slice.ports, slice })
        }
      }
    }
    this.state.endpointsByService.set(k, merged)
    return merged
  }

  /** Services whose ClusterIPs include `ip`. */
  servicesWithClusterIP(ip: string): ServiceRecord[] {
    return [...this.state.servicesByClusterIP.get(ip)].sort(byKey)
  }

  /** Services that have `ip` as a ready endpoint address. */
  servicesWithEndpoint(ip: string): ServiceRecord[] {
    const found = new Set<string>()
    for (const slice of this.state.slicesByAddress.get(ip)) found.add(key(slice.namespace, slice.service))
    return [...found].sort().flatMap((k) => {
      const slash = k.indexOf('/')
      return this.state.records.service.get(k.slice(0, slash), k.slice(slash + 1)) ?? []
    })
  }

  /** Pods (not finished) that have `ip`. */
  podsWithIP(ip: string): PodRecord[] {
    return [...this.state.podsByIP.get(ip)]
  }
}
