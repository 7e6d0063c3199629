import { isIPv4, isIPv6 } from 'node:net'
import { canonicalIP } from '../dns/address.js'
import { escapeText, nameLabels, normalizeName } from '../dns/names.js'
import { InvalidObjectError } from '../errors.js'
import { compactAddresses, type EndpointRecord, type NamespaceRecord, type PodRecord, type PortRecord, type ServiceRecord, type SliceRecord } from './records.js'

/** Reports a part of an object that was left out (the object itself is kept). */
export type Warn = (message: string) => void

/**
 * A DNS label as Kubernetes names are (RFC 1123): what Service and namespace names and endpoint
 * hostnames become in answers. Anything else could not be written, or could not be asked for.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
/** Text from an object as a log line shows it: a 10,000-character name is cut short. */
const LOGGED_TEXT = 100
function shown(text: string): string {
  return text.length > LOGGED_TEXT ? `${text.slice(0, LOGGED_TEXT)}... (${text.length} characters)` : text
}

const NOT_A_LABEL = 'is not a DNS label (RFC 1123: at most 63 of a-z, 0-9 and -, a letter or digit at each end)'

type Json = Record<string, unknown>

/**
 * One copy of each string that many records repeat (namespaces, service and port names,
 * protocols): every object parsed from the API brings its own copy otherwise. Started over when
 * it grows past a bound, so churn cannot grow it without end.
 */
const interned = new Map<string, string>()
const INTERN_LIMIT = 100_000
function intern(text: string): string {
  const known = interned.get(text)
  if (known !== undefined) return known
  if (interned.size >= INTERN_LIMIT) interned.clear()
  interned.set(text, text)
  return text
}
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

/**
 * The object's name, namespace and labels. The namespace, and the name when `nameIsLabel` (it
 * appears in answers), must be DNS labels: an object that breaks this is skipped.
 */
function metadata(kind: string, obj: unknown, namespaced: boolean, nameIsLabel: boolean): { name: string; namespace: string; labels: Json; resourceVersion: string } {
  if (!isObject(obj) || !isObject(obj.metadata)) throw new InvalidObjectError(kind, '?', 'no metadata')
  const { name, namespace, labels, resourceVersion } = obj.metadata
  if (typeof name !== 'string' || name === '') throw new InvalidObjectError(kind, '?', 'metadata.name is missing')
  // kubectl fills in `default` for namespaced objects written without one; so do we.
  const ns = namespaced ? (typeof namespace === 'string' && namespace !== '' ? namespace.toLowerCase() : 'default') : ''
  const lowerName = name.toLowerCase()
  const ref = shown(namespaced ? `${ns}/${lowerName}` : lowerName)
  if (namespaced && !DNS_LABEL.test(ns)) throw new InvalidObjectError(kind, ref, `namespace ${NOT_A_LABEL}`)
  if (nameIsLabel && !DNS_LABEL.test(lowerName)) throw new InvalidObjectError(kind, ref, `name ${NOT_A_LABEL}`)
  const version = typeof resourceVersion === 'string' ? resourceVersion : ''
  return { name: lowerName, namespace: intern(ns), labels: isObject(labels) ? labels : {}, resourceVersion: version }
}

/** The object's labels, for selectors. */
export function labelsOf(obj: unknown): Record<string, string> {
  const labels = isObject(obj) && isObject(obj.metadata) && isObject(obj.metadata.labels) ? obj.metadata.labels : {}
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function ports(kind: string, ref: string, list: unknown): PortRecord[] {
  return asArray(list).flatMap((p) => {
    if (!isObject(p)) throw new InvalidObjectError(kind, ref, 'a port is not an object')
    // An EndpointSlice port without a number means "all ports": nothing to publish in SRV.
    if (p.port === null || p.port === undefined) return []
    if (typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      throw new InvalidObjectError(kind, ref, `port ${JSON.stringify(p.port)} is not a number from 1 to 65535`)
    }
    const name = typeof p.name === 'string' ? intern(p.name.toLowerCase()) : ''
    const protocol = typeof p.protocol === 'string' ? intern(p.protocol.toLowerCase()) : 'tcp'
    return [{ name, protocol, port: p.port }]
  })
}

function address(kind: string, ref: string, text: unknown): string {
  const ip = typeof text === 'string' ? canonicalIP(text) : null
  if (ip === null) throw new InvalidObjectError(kind, ref, `${JSON.stringify(text)} is not an IP address`)
  return ip
}

export function projectService(obj: unknown): ServiceRecord {
  const { name, namespace, resourceVersion } = metadata('Service', obj, true, true)
  const ref = `${namespace}/${name}`
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {}
  const hasSelector = isObject(spec.selector) && Object.keys(spec.selector).length > 0
  const base = { namespace, name, resourceVersion, ports: ports('Service', ref, spec.ports), hasSelector, externalIPs: externalIPs(ref, spec, (obj as Json).status) }
  if (spec.type === 'ExternalName') {
    if (typeof spec.externalName !== 'string' || spec.externalName === '') {
      throw new InvalidObjectError('Service', ref, 'type ExternalName without spec.externalName')
    }
    const target = normalizeName(spec.externalName)
    // What CoreDNS would fail to write in every answer (it does not check): skipped here instead.
    if (nameLabels(target) === null || target === '') {
      throw new InvalidObjectError('Service', ref, `spec.externalName ${shown(JSON.stringify(spec.externalName))} is not a domain name (labels of 1 to 63 bytes, 253 in all)`)
    }
    // An IP literal is not a name a CNAME can point at; CoreDNS ignores it.
    const externalName = isIPv4(target) || isIPv6(target) ? null : target
    return { ...base, kind: 'external-name', clusterIPs: [], externalName }
  }
  if (spec.clusterIP === 'None') return { ...base, kind: 'headless', clusterIPs: [], externalName: null }
  const listed = asArray(spec.clusterIPs)
  const ips = listed.length > 0 ? listed : spec.clusterIP !== undefined ? [spec.clusterIP] : []
  if (ips.length === 0) throw new InvalidObjectError('Service', ref, 'no spec.clusterIP (and not headless)')
  return { ...base, kind: 'cluster-ip', clusterIPs: ips.map((ip) => address('Service', ref, ip)), externalName: null }
}

/** A Service's external addresses (as CoreDNS: spec.externalIPs first; ingress host names are not kept). */
function externalIPs(ref: string, spec: Json, status: unknown): string[] {
  const loadBalancer = isObject(status) && isObject(status.loadBalancer) ? status.loadBalancer : {}
  const ingressIPs = asArray(loadBalancer.ingress).flatMap((i) => (isObject(i) && i.ip !== undefined ? [i.ip] : []))
  return [...asArray(spec.externalIPs), ...ingressIPs].map((ip) => address('Service', ref, ip))
}

/**
 * Null for slices that publish nothing DNS answers with (FQDN address type). An endpoint hostname
 * that is not a DNS label is left out (with `warn`): the endpoint is then named by its address.
 */
export function projectEndpointSlice(obj: unknown, warn: Warn): SliceRecord | null {
  const { name, namespace, labels, resourceVersion } = metadata('EndpointSlice', obj, true, false)
  const ref = `${namespace}/${name}`
  const body = obj as Json
  if (body.addressType === 'FQDN') return null
  const family = body.addressType === 'IPv6' ? isIPv6 : body.addressType === 'IPv4' ? isIPv4 : null
  if (!family) throw new InvalidObjectError('EndpointSlice', ref, `addressType ${JSON.stringify(body.addressType)} is not IPv4, IPv6 or FQDN`)
  const service = labels[SERVICE_NAME_LABEL]
  if (typeof service !== 'string' || service === '') {
    throw new InvalidObjectError('EndpointSlice', ref, `no ${SERVICE_NAME_LABEL} label`)
  }
  const endpoints: EndpointRecord[] = []
  let notReady = 0
  for (const ep of asArray(body.endpoints)) {
    if (!isObject(ep)) throw new InvalidObjectError('EndpointSlice', ref, 'an endpoint is not an object')
    const conditions = isObject(ep.conditions) ? ep.conditions : {}
    if (conditions.ready === false) {
      notReady++
      continue
    }
    const addresses = asArray(ep.addresses).map((a) => {
      if (typeof a !== 'string' || !family(a)) throw new InvalidObjectError('EndpointSlice', ref, `${JSON.stringify(a)} is not an ${body.addressType} address`)
      return canonicalIP(a)!
    })
    if (addresses.length === 0) continue
    const targetRef = isObject(ep.targetRef) ? ep.targetRef : {}
    let hostname = typeof ep.hostname === 'string' && ep.hostname !== '' ? ep.hostname.toLowerCase() : null
    if (hostname !== null && !DNS_LABEL.test(hostname)) {
      warn(escapeText(`EndpointSlice ${ref}: leaving out hostname ${shown(JSON.stringify(ep.hostname))}: it ${NOT_A_LABEL}`))
      hostname = null
    }
    const podName = targetRef.kind === 'Pod' && typeof targetRef.name === 'string' ? targetRef.name.toLowerCase() : ''
    // A pod name that is no DNS label (too long, dotted) cannot name it: the address does (CoreDNS's rule).
    endpoints.push({ addresses: compactAddresses(addresses), hostname, podName: DNS_LABEL.test(podName) ? podName : null })
  }
  return { namespace, name, resourceVersion, service: intern(service.toLowerCase()), endpoints, ports: ports('EndpointSlice', ref, body.ports), notReady }
}

/** Null for pods that answer nothing: finished, being deleted, or without an address yet. */
export function projectPod(obj: unknown): PodRecord | null {
  const { name, namespace, resourceVersion } = metadata('Pod', obj, true, false)
  const ref = `${namespace}/${name}`
  const body = obj as Json
  const status = isObject(body.status) ? body.status : {}
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return null
  if (isObject(body.metadata) && (body.metadata as Json).deletionTimestamp) return null
  const listed = asArray(status.podIPs).map((p) => (isObject(p) ? p.ip : p))
  const texts = listed.length > 0 ? listed : status.podIP !== undefined ? [status.podIP] : []
  if (texts.length === 0) return null
  return { namespace, name, resourceVersion, ips: compactAddresses(texts.map((ip) => address('Pod', ref, ip))) }
}

export function projectNamespace(obj: unknown): NamespaceRecord {
  const { name, resourceVersion } = metadata('Namespace', obj, false, true)
  return { name, resourceVersion }
}
