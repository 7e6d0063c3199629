import type { ServiceEndpoint } from '../../cluster/record-store.js'

/**
 * The label an endpoint is known by under its service: its hostname; else, with
 * `endpoint_pod_names`, its pod's name (kept only when it is a DNS label); else its address with `.`/`:` as `-`.
 */
export function endpointName(ep: ServiceEndpoint, endpointPodNames: boolean): string {
  if (ep.hostname) return ep.hostname
  if (endpointPodNames && ep.podName) return ep.podName
  const dashed = ep.address.replace(/[.:]/g, '-')
  // A label cannot end in `-` (`fd00::` → `fd00--0`).
  return dashed.endsWith('-') ? `${dashed}0` : dashed
}
