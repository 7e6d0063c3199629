import { parseLabelSelector, type LabelSelector } from '../../../src/cluster/label-selector.js'

/** The kinds a cluster DNS server watches, by their REST resource name. */
export type Resource = 'namespaces' | 'services' | 'endpointslices' | 'pods'

export interface KubeObject {
  kind?: string
  apiVersion?: string
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; [k: string]: unknown }
  [field: string]: unknown
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface WatchEvent {
  readonly type: EventType
  readonly object: KubeObject
}

interface HistoryEntry {
  readonly resource: Resource
  readonly rv: number
  readonly type: EventType
  readonly object: KubeObject
  /** The object before a MODIFIED, to turn selector transitions into ADDED/DELETED. */
  readonly before: KubeObject | null
}

/** A list or watch that asked for too old a resourceVersion or continue token. */
export class GoneError extends Error {}

const RESOURCE_OF_KIND: Record<string, Resource> = {
  Namespace: 'namespaces',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Pod: 'pods',
}

export function resourceOf(obj: KubeObject): Resource | undefined {
  return obj.kind ? RESOURCE_OF_KIND[obj.kind] : undefined
}

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`

/** `a.b=c,d!=e` over an object's fields, as the API server's field selectors. */
export function fieldSelector(text: string | undefined): (obj: KubeObject) => boolean {
  if (!text) return () => true
  const terms = text.split(',').map((term) => {
    const m = /^([\w.]+)(!=|==|=)(.*)$/.exec(term.trim())
    if (!m) throw new Error(`bad field selector ${term}`)
    return { path: m[1]!.split('.'), negate: m[2] === '!=', value: m[3]! }
  })
  return (obj) =>
    terms.every(({ path, negate, value }) => {
      const actual = path.reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], obj)
      return negate ? String(actual ?? '') !== value : String(actual ?? '') === value
    })
}

export interface Filter {
  readonly labels: LabelSelector | null
  readonly fields: (obj: KubeObject) => boolean
}

export function makeFilter(labelSelector: string | undefined, fields: string | undefined): Filter {
  return { labels: labelSelector ? parseLabelSelector(labelSelector) : null, fields: fieldSelector(fields) }
}

const matches = (filter: Filter, obj: KubeObject): boolean =>
  (filter.labels?.matches(obj.metadata.labels ?? {}) ?? true) && filter.fields(obj)

/**
 * An in-memory API server store: objects with resourceVersions from one counter, and a bounded
 * history of changes that watches replay from; older resourceVersions are Gone (410).
 */
export class FakeCluster {
  private rv = 1
  private readonly objects: Record<Resource, Map<string, KubeObject>> = {
    namespaces: new Map(),
    services: new Map(),
    endpointslices: new Map(),
    pods: new Map(),
  }
  /** Keys in list order, rebuilt after a change: pages of a large list must not sort it again. */
  private readonly sortedKeys: Partial<Record<Resource, string[]>> = {}
  private history: HistoryEntry[] = []
  /** Watches may start at this resourceVersion or later. */
  private oldestWatchable = 1
  private readonly listeners = new Set<(entry: HistoryEntry) => void>()

  constructor(private readonly historyLimit = 10_000) {}

  get resourceVersion(): number {
    return this.rv
  }

  /** Creates or replaces an object (by kind, namespace and name). */
  apply(input: KubeObject): KubeObject {
    const resource = resourceOf(input)
    if (!resource) throw new Error(`unsupported kind ${input.kind}`)
    const before = this.objects[resource].get(keyOf(input)) ?? null
    const object = structuredClone(input)
    object.metadata.resourceVersion = String(++this.rv)
    this.objects[resource].set(keyOf(object), object)
    this.record({ resource, rv: this.rv, type: before ? 'MODIFIED' : 'ADDED', object, before })
    return object
  }

  delete(kind: string, namespace: string | undefined, name: string): void {
    const resource = RESOURCE_OF_KIND[kind]!
    const key = `${namespace ?? ''}/${name}`
    const before = this.objects[resource].get(key)
    if (!before) return
    this.objects[resource].delete(key)
    const object = structuredClone(before)
    object.metadata.resourceVersion = String(++this.rv)
    this.record({ resource, rv: this.rv, type: 'DELETED', object, before: null })
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects[RESOURCE_OF_KIND[kind]!].get(`${namespace ?? ''}/${name}`)
  }

  private record(entry: HistoryEntry): void {
    delete this.sortedKeys[entry.resource]
    this.history.push(entry)
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit)
      this.oldestWatchable = dropped[dropped.length - 1]!.rv
    }
    for (const listener of this.listeners) listener(entry)
  }

  /** Forgets the event history, as etcd compaction does: every older resourceVersion is Gone. */
  compact(): void {
    this.history = []
    this.oldestWatchable = this.rv
  }

  /** One page of a list, in key order; `after` is where the previous page ended. */
  list(resource: Resource, filter: Filter, limit: number, continueToken: string | undefined): { items: KubeObject[]; rv: number; next?: string } {
    let after = ''
    let rv = this.rv
    if (continueToken) {
      const token = JSON.parse(Buffer.from(continueToken, 'base64').toString()) as { rv: number; after: string }
      if (token.rv < this.oldestWatchable) throw new GoneError('The provided continue parameter is too old')
      after = token.after
      rv = token.rv
    }
    const keys = (this.sortedKeys[resource] ??= [...this.objects[resource].keys()].sort())
    let start = 0
    for (let end = keys.length; start < end; ) {
      const mid = (start + end) >> 1
      if (keys[mid]! <= after) start = mid + 1
      else end = mid
    }
    const items: KubeObject[] = []
    let last = ''
    for (let i = start; i < keys.length; i++) {
      const k = keys[i]!
      const obj = this.objects[resource].get(k)!
      if (!matches(filter, obj)) continue
      if (limit > 0 && items.length === limit) {
        return { items, rv, next: Buffer.from(JSON.stringify({ rv, after: last })).toString('base64') }
      }
      items.push(obj)
      last = k
    }
    return { items, rv }
  }

  /**
   * Calls `onEvent` for every change after `fromRv` (replayed from history, then live) that the
   * filter sees; an object that stops or starts matching becomes DELETED or ADDED. Throws
   * GoneError when `fromRv` is older than the history holds. Returns the unsubscribe function.
   */
  watch(resource: Resource, fromRv: number, filter: Filter, onEvent: (event: WatchEvent) => void): () => void {
    if (fromRv < this.oldestWatchable) throw new GoneError(`too old resource version: ${fromRv} (${this.oldestWatchable})`)
    const deliver = (entry: HistoryEntry): void => {
      if (entry.resource !== resource || entry.rv <= fromRv) return
      const now = entry.type !== 'DELETED' && matches(filter, entry.object)
      const was = entry.type === 'DELETED' ? matches(filter, entry.object) : entry.before !== null && matches(filter, entry.before)
      if (entry.type === 'DELETED') {
        if (was) onEvent({ type: 'DELETED', object: entry.object })
      } else if (now && was) onEvent({ type: 'MODIFIED', object: entry.object })
      else if (now) onEvent({ type: 'ADDED', object: entry.object })
      else if (was) onEvent({ type: 'DELETED', object: entry.object })
    }
    for (const entry of this.history) deliver(entry)
    this.listeners.add(deliver)
    return () => this.listeners.delete(deliver)
  }
}
