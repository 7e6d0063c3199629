import type { RecordKind, RecordOf } from '../record-store.js'
import type { Fields } from './json-fields.js'
import { projectEndpointSlice, projectNamespace, projectPod, projectService, type Warn } from '../project.js'

/** A kind the source lists and watches: where, how, and what the store keeps of it. */
export interface WatchedKind<K extends RecordKind> {
  readonly store: K
  readonly objectKind: string
  /** The REST resource, as RBAC names it ("pods"). */
  readonly resource: string
  /** Lists and watches across all namespaces. */
  readonly path: string
  /**
   * The record to keep, null when the object answers nothing (it is then removed); throws
   * InvalidObjectError; parts left out are reported to `warn`.
   */
  project(obj: unknown, warn: Warn): RecordOf[K] | null
  /** The fields `project` reads: the rest of each object is not parsed (json-fields.ts). */
  readonly fields: Fields | true
}

export const NAMESPACES: WatchedKind<'namespace'> = {
  store: 'namespace',
  objectKind: 'Namespace',
  resource: 'namespaces',
  path: '/api/v1/namespaces',
  project: projectNamespace,
  fields: true,
}

export const SERVICES: WatchedKind<'service'> = {
  store: 'service',
  objectKind: 'Service',
  resource: 'services',
  path: '/api/v1/services',
  project: projectService,
  fields: true,
}

export const ENDPOINT_SLICES: WatchedKind<'slice'> = {
  store: 'slice',
  objectKind: 'EndpointSlice',
  resource: 'endpointslices',
  path: '/apis/discovery.k8s.io/v1/endpointslices',
  project: projectEndpointSlice,
  // Parsed whole: most of a slice is its endpoints, which the store keeps, and JSON.parse reads a
  // slice of 10 endpoints in 14 us where reading only the fields kept takes 20 us (bench:parse).
  fields: true,
}

export const PODS: WatchedKind<'pod'> = {
  store: 'pod',
  objectKind: 'Pod',
  resource: 'pods',
  path: '/api/v1/pods',
  project: projectPod,
  // ~200 of a Pod's ~3,700 bytes of JSON: its spec, managedFields and container statuses are skipped.
  fields: {
    metadata: { name: true, namespace: true, resourceVersion: true, deletionTimestamp: true },
    status: { phase: true, podIP: true, podIPs: true },
  },
}

/** Finished pods answer nothing: the API leaves them out (CoreDNS asks the same). */
export const LIVE_PODS_FIELD_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed'
