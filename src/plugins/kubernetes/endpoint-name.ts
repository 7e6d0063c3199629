import type { ServiceEndpoint } from '../../cluster/record-store.js'

/** Pod names this long or longer are not valid DNS labels, so the address is used instead. */
const MAX_POD_NAME_LABEL = 63

/**
 * The label an endpoint is known by under its service: its hostname; else, with
 * `endpoint_pod_names`, its pod's name; else its address with `.`/`:` as `-`.
 */
export function endpointName(ep: ServiceEndpoint, endpointPodNames: boolean): string {
  if (ep.hostname) return ep.hostname
  if (endpointPodNames && ep.podName && ep.podName.length <= MAX_POD_NAME_LABEL) return ep.podName
  const dashed = ep.address.replace(/[.:]/g, '-')
  // A label cannot end in `-` (`fd00::` → `fd00--0`).
  return dashed.endsWith('-') ? `${dashed}0` : dashed
}
