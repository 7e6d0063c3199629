import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node'
import type { RecordKind, RecordOf } from '../record-store.js'
import { projectEndpointSlice, projectNamespace, projectPod, projectService, type Warn } from '../project.js'

/** One page of a list, as the library's API clients return it. */
export interface ListPage {
  readonly items: readonly unknown[]
  readonly metadata?: { readonly resourceVersion?: string; readonly _continue?: string }
}

export interface ListParams {
  readonly limit: number
  readonly _continue?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
}

/** The library's API clients for the groups we read. */
export interface ApiClients {
  readonly core: CoreV1Api
  readonly discovery: DiscoveryV1Api
}

export function makeApiClients(kc: KubeConfig): ApiClients {
  return { core: kc.makeApiClient(CoreV1Api), discovery: kc.makeApiClient(DiscoveryV1Api) }
}

/** A kind the source lists and watches: where, how, and what the store keeps of it. */
export interface WatchedKind<K extends RecordKind> {
  readonly store: K
  readonly objectKind: string
  readonly watchPath: string
  list(api: ApiClients, params: ListParams): Promise<ListPage>
  /**
   * The record to keep, null when the object answers nothing (it is then removed); throws
   * InvalidObjectError; parts left out are reported to `warn`.
   */
  project(obj: unknown, warn: Warn): RecordOf[K] | null
}

export const NAMESPACES: WatchedKind<'namespace'> = {
  store: 'namespace',
  objectKind: 'Namespace',
  watchPath: '/api/v1/namespaces',
  list: (api, params) => api.core.listNamespace(params),
  project: projectNamespace,
}

export const SERVICES: WatchedKind<'service'> = {
  store: 'service',
  objectKind: 'Service',
  watchPath: '/api/v1/services',
  list: (api, params) => api.core.listServiceForAllNamespaces(params),
  project: projectService,
}

export const ENDPOINT_SLICES: WatchedKind<'slice'> = {
  store: 'slice',
  objectKind: 'EndpointSlice',
  watchPath: '/apis/discovery.k8s.io/v1/endpointslices',
  list: (api, params) => api.discovery.listEndpointSliceForAllNamespaces(params),
  project: projectEndpointSlice,
}

export const PODS: WatchedKind<'pod'> = {
  store: 'pod',
  objectKind: 'Pod',
  watchPath: '/api/v1/pods',
  list: (api, params) => api.core.listPodForAllNamespaces(params),
  project: projectPod,
}

/** Finished pods answer nothing: the API leaves them out (CoreDNS asks the same). */
export const LIVE_PODS_FIELD_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed'
