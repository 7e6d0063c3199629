import { Watch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from '../../log.js'
import type { SourceFilter } from '../source-filter.js'
import type { RecordKind, RecordStore } from '../record-store.js'
import type { SliceRecord } from '../records.js'
import { ApiHealth } from './api-health.js'
import { programmingDuration } from './api-metrics.js'
import { ResourceWatch } from './resource-watch.js'
import { ENDPOINT_SLICES, LIVE_PODS_FIELD_SELECTOR, makeApiClients, NAMESPACES, PODS, SERVICES } from './watched-kinds.js'

/** Set by the EndpointSlice controller: when the change that led to this slice happened. */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time'

/**
 * Feeds a store from the Kubernetes API: Namespaces, Services, EndpointSlices (unless
 * `noendpoints`) and Pods (only for `pods verified`, finished ones left out by the API), with
 * `labels` and `namespace_labels` sent as label selectors. Synced once every kind is listed.
 */
export class ApiSource {
  private readonly watches: Array<ResourceWatch<RecordKind>> = []
  private readonly startedAt = Date.now()

  constructor(kc: KubeConfig, store: RecordStore, filter: SourceFilter, log: Logger) {
    const api = makeApiClients(kc)
    const watch = new Watch(kc)
    const health = new ApiHealth(log)
    const listed = new Set<string>()
    const common = { api, watch, store, health, log }
    const onListed = (kind: string) => (): void => {
      listed.add(kind)
      if (store.synced || listed.size < this.watches.length) return
      store.markSynced()
      log.info(
        `synced ${store.count('service')} services, ${store.count('slice')} endpoint slices, ${store.count('pod')} pods, ` +
          `${store.count('namespace')} namespaces in ${Date.now() - this.startedAt}ms`,
      )
    }
    const add = <K extends RecordKind>(w: ResourceWatch<K>): void => {
      this.watches.push(w as unknown as ResourceWatch<RecordKind>)
    }
    add(new ResourceWatch({ ...common, kind: NAMESPACES, labelSelector: filter.namespaceLabels?.text, onListed: onListed('namespace') }))
    add(new ResourceWatch({ ...common, kind: SERVICES, labelSelector: filter.labels?.text, onListed: onListed('service') }))
    if (filter.endpoints) {
      add(
        new ResourceWatch({
          ...common,
          kind: ENDPOINT_SLICES,
          onListed: onListed('slice'),
          onApplied: (slice, obj) => {
            if (store.synced) recordProgrammingDuration(store, slice, obj)
          },
        }),
      )
    }
    if (filter.pods) add(new ResourceWatch({ ...common, kind: PODS, fieldSelector: LIVE_PODS_FIELD_SELECTOR, onListed: onListed('pod') }))
  }

  start(): void {
    for (const w of this.watches) w.start()
  }

  stop(): void {
    for (const w of this.watches) w.stop()
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
