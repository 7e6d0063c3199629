import type { Logger } from '../../log.js'
import type { SourceFilter } from '../source-filter.js'
import type { RecordKind, RecordStore } from '../record-store.js'
import type { SliceRecord } from '../records.js'
import { ApiClient } from './api-client.js'
import { ApiHealth } from './api-health.js'
import { programmingDuration } from './api-metrics.js'
import { collectSoon, compactHeap } from '../../compact-heap.js'
import type { ApiTarget } from './api-target.js'
import { DEFAULT_MAX_OBJECT_BYTES, ResourceWatch } from './resource-watch.js'
import { ENDPOINT_SLICES, LIVE_PODS_FIELD_SELECTOR, NAMESPACES, PODS, SERVICES } from './watched-kinds.js'

/** Set by the EndpointSlice controller: when the change that led to this slice happened. */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time'

export interface ApiSourceOptions {
  /** Try watch-list first (the initial state streamed as watch events; default true). */
  readonly watchList?: boolean
  /** API objects larger than this many bytes of JSON are refused with a log line. */
  readonly maxObjectBytes?: number
  /** How often a first sync still in progress says how far it got (default 5 s). */
  readonly progressEveryMs?: number
}

const DEFAULT_PROGRESS_MS = 5000
/** How long after a full list the heap is compacted: after /ready has answered, and the next kind's list if several end together. */
const COMPACT_AFTER_MS = 1000
/**
 * While a full list is read, a major collection is started this often. Left to itself V8 lets a
 * list's garbage pile up until it ends: the parsed JSON, socket buffers, and the store's Maps as they
 * rehash into ever larger arrays (at 150,000 Pods, 122 MiB of heap for 75 live, RSS 196 MiB against
 * 150 steady). Collecting every second holds the peak near 1.1× steady. Each collection stops the
 * process for 30–100 ms (more as the heap grows), so no more often than that in the first sync.
 */
const COLLECT_WHILE_LISTING_MS = 1000
/**
 * A relist (after 410 Gone) reads as fast as the API sends, with few records to make, so its garbage
 * piles up faster, most in its first second, when Services, EndpointSlices and the first Pods come
 * in at once. At 150,000 Pods its peak was 1.16–1.25× steady collecting every second, 1.14–1.28× every
 * half second (twelve runs), 1.08–1.09× every quarter second (three runs, alternating with three at
 * half a second: 1.16–1.19×). Relists are rare; the pauses are the price of staying inside the
 * memory limit.
 */
const COLLECT_WHILE_RELISTING_MS = 250

/**
 * Feeds a store from the Kubernetes API: Namespaces, Services, EndpointSlices (unless
 * `noendpoints`) and Pods (only for `pods verified`, finished ones left out by the API), with
 * `labels` and `namespace_labels` sent as label selectors. Synced once every kind is listed.
 */
export class ApiSource {
  private readonly watches: Array<ResourceWatch<RecordKind>> = []
  private readonly startedAt = Date.now()
  private progress: NodeJS.Timeout | null = null
  private compaction: NodeJS.Timeout | null = null
  private collecting: NodeJS.Timeout | null = null

  constructor(
    target: ApiTarget,
    private readonly store: RecordStore,
    filter: SourceFilter,
    private readonly log: Logger,
    private readonly options: ApiSourceOptions = {},
  ) {
    const client = new ApiClient(target)
    const health = new ApiHealth(log, () => store.synced)
    const common = { client, store, health, log, watchList: options.watchList ?? true, maxObjectBytes: options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES }
    const onListed = (): void => {
      if (this.watches.some((w) => !w.listed)) return
      this.compactSoon()
      if (store.synced) return
      store.markSynced()
      this.stopProgress()
      log.info(
        `synced ${store.count('service')} services, ${store.count('slice')} endpoint slices, ${store.count('pod')} pods, ` +
          `${store.count('namespace')} namespaces in ${Date.now() - this.startedAt}ms`,
      )
    }
    const add = <K extends RecordKind>(w: ResourceWatch<K>): void => {
      this.watches.push(w as unknown as ResourceWatch<RecordKind>)
    }
    add(new ResourceWatch({ ...common, kind: NAMESPACES, labelSelector: filter.namespaceLabels?.text, onListed }))
    add(new ResourceWatch({ ...common, kind: SERVICES, labelSelector: filter.labels?.text, onListed }))
    if (filter.endpoints) {
      add(
        new ResourceWatch({
          ...common,
          kind: ENDPOINT_SLICES,
          onListed,
          onApplied: (slice, obj) => {
            if (store.synced) recordProgrammingDuration(store, slice, obj)
          },
        }),
      )
    }
    if (filter.pods) add(new ResourceWatch({ ...common, kind: PODS, fieldSelector: LIVE_PODS_FIELD_SELECTOR, onListed }))
  }

  start(): void {
    for (const w of this.watches) w.start()
    const every = this.options.progressEveryMs ?? DEFAULT_PROGRESS_MS
    let last = { at: Date.now(), received: this.watches.map(() => 0) }
    this.progress = setInterval(() => {
      const now = Date.now()
      const received = this.watches.map((w) => w.received)
      const parts = this.watches.flatMap((w, i) => {
        if (w.listed) return []
        const rate = Math.max(0, received[i]! - last.received[i]!) / ((now - last.at) / 1000)
        return [`${w.objectKind} ${received[i]} so far (${Math.round(rate)}/s)`]
      })
      last = { at: now, received }
      if (parts.length > 0) this.log.info(`syncing for ${((now - this.startedAt) / 1000).toFixed(0)}s: ${parts.join(', ')}`)
    }, every)
    this.progress.unref()
    this.collectWhileListing()
  }

  stop(): void {
    this.stopProgress()
    if (this.compaction) clearTimeout(this.compaction)
    if (this.collecting) clearTimeout(this.collecting)
    for (const w of this.watches) w.stop()
  }

  /** Starts a collection every so often while a full list is read (see COLLECT_WHILE_LISTING_MS). */
  private collectWhileListing(): void {
    this.collecting = setTimeout(
      () => {
        if (this.watches.some((w) => w.listing)) collectSoon()
        this.collectWhileListing()
      },
      this.store.synced ? COLLECT_WHILE_RELISTING_MS : COLLECT_WHILE_LISTING_MS,
    )
    this.collecting.unref()
  }

  /** After a full list (the first sync, a relist after 410 Gone), what it parsed is returned to the system. */
  private compactSoon(): void {
    if (this.compaction) return
    this.compaction = setTimeout(() => {
      this.compaction = null
      this.log.debug(compactHeap())
    }, COMPACT_AFTER_MS)
    this.compaction.unref()
  }

  private stopProgress(): void {
    if (this.progress) clearInterval(this.progress)
    this.progress = null
  }
}

/** From the change that triggered the slice to now, when the store has just applied it. */
function recordProgrammingDuration(store: RecordStore, slice: SliceRecord, obj: unknown): void {
  const annotations = (obj as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations
  const trigger = Date.parse(annotations?.[TRIGGER_TIME_ANNOTATION] ?? '')
  const service = store.service(slice.namespace, slice.service)
  if (Number.isNaN(trigger) || !service || service.kind === 'external-name') return
  const kind = service.kind === 'cluster-ip' ? 'cluster_ip' : service.hasSelector ? 'headless_with_selector' : 'headless_without_selector'
  programmingDuration.observe({ service_kind: kind }, Math.max(0, Date.now() - trigger) / 1000)
}
