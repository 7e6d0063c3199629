import type { RecordKind, RecordOf } from '../record-store.js'
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
}

export const NAMESPACES: WatchedKind<'namespace'> = {
  store: 'namespace',
  objectKind: 'Namespace',
  resource: 'namespaces',
  path: '/api/v1/namespaces',
  project: projectNamespace,
}

export const SERVICES: WatchedKind<'service'> = {
  store: 'service',
  objectKind: 'Service',
  resource: 'services',
  path: '/api/v1/services',
  project: projectService,
}

export const ENDPOINT_SLICES: WatchedKind<'slice'> = {
  store: 'slice',
  objectKind: 'EndpointSlice',
  resource: 'endpointslices',
  path: '/apis/discovery.k8s.io/v1/endpointslices',
  project: projectEndpointSlice,
}

export const PODS: WatchedKind<'pod'> = {
  store: 'pod',
  objectKind: 'Pod',
  resource: 'pods',
  path: '/api/v1/pods',
  project: projectPod,
}

/** Finished pods answer nothing: the API leaves them out (CoreDNS asks the same). */
export const LIVE_PODS_FIELD_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed'
