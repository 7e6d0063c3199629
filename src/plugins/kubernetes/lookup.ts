import type { RecordStore } from '../../cluster/record-store.js'
import type { PodRecord, PortRecord, ServiceRecord, SliceRecord } from '../../cluster/records.js'
import { canonicalIP } from '../../dns/address.js'
import { RRType } from '../../dns/constants.js'
import type { AddressRecord, ResourceRecord } from '../../dns/message.js'
import { isInZone, labelsBelow, longestZone } from '../../dns/names.js'
import { addressOfReverseName } from '../../dns/reverse.js'
import { metricTypeName } from '../../dns/type-names.js'
import { endpointName } from './endpoint-name.js'
import type { KubernetesOptions } from './options.js'
import { addressRecords, SOA_EXPIRE, SOA_REFRESH, SOA_RETRY, srvRecords, stripUnderscore, type Lookup as RecordsLookup, type Target as RecordTarget } from '../pkg/service-records.js'

/** Why a name has no answer: decided, and said, where the lookup decides it. */
export type ReasonCode =
  | 'not-synced'
  | 'not-in-schema'
  | 'too-deep'
  | 'namespace-not-exposed'
  | 'namespace-not-selected'
  | 'no-such-namespace'
  | 'namespace-only'
  | 'no-such-service'
  | 'service-not-selected'
  | 'headless-none-ready'
  | 'empty-service'
  | 'no-such-endpoint'
  | 'external-name-ip'
  | 'below-external-name'
  | 'pods-disabled'
  | 'bad-pod-address'
  | 'no-such-pod'
  | 'no-reverse'
  | 'no-records-of-type'

export interface Reason {
  readonly code: ReasonCode
  readonly text: string
}

/** A store record an answer record was made from, as `explain` names it. */
export interface Source {
  readonly kind: 'Service' | 'EndpointSlice' | 'Pod'
  readonly record: ServiceRecord | SliceRecord | PodRecord
}

/** What a name holds for a type, with why and from what (for `explain`). */
export interface Lookup extends RecordsLookup {
  /** Why there is no answer record, when there is none. */
  readonly reason: Reason | null
  /** For each answer record, the records it was made from ([] when made from the name alone). */
  readonly sources: readonly (readonly Source[])[]
}

const nxdomain = (code: ReasonCode, text: string): Lookup => ({ exists: false, answer: [], additional: [], reason: { code, text }, sources: [] })
const nodata = (code: ReasonCode, text: string): Lookup => ({ exists: true, answer: [], additional: [], reason: { code, text }, sources: [] })
const typeText = (type: number): string => (metricTypeName(type) === 'other' ? `type ${type}` : metricTypeName(type))
/** Records of `type`; none is NODATA, said so. */
function found(type: number, answer: ResourceRecord[], additional: ResourceRecord[] = [], sources: readonly (readonly Source[])[] = answer.map(() => [])): Lookup {
  if (answer.length === 0) return nodata('no-records-of-type', `the name exists but has no ${typeText(type)} records`)
  return { exists: true, answer, additional, reason: null, sources }
}
const serviceSource = (record: ServiceRecord): Source => ({ kind: 'Service', record })

const DNS_SCHEMA_VERSION = '1.1.0'
const DNS_VERSION_TTL = 28800
const MAX_CNAME_CHAIN = 10
const SOA_MAX_TTL = 300

/** A target with the records it was made from. */
interface Target extends RecordTarget {
  readonly sources: Source[]
}

/**
 * The records of the cluster zones, computed from the store; names in and out are lower case
 * (the handler restores the asker's case).
 */
export class ZoneLookup {
  constructor(
    private readonly options: KubernetesOptions,
    private readonly store: RecordStore,
    /** The server's own pod addresses, for the apex NS. */
    private readonly ownAddresses: readonly string[],
  ) {}

  lookup(name: string, type: number, zone: string, chain = 0): Lookup {
    if (name === zone) return this.apex(zone, type)
    if (zone.endsWith('arpa')) return this.reverse(name, type)
    const labels = labelsBelow(name, zone)
    if (labels.length === 1 && labels[0] === 'dns-version') {
      return found(type, type === RRType.TXT ? [{ name, type: RRType.TXT, ttl: DNS_VERSION_TTL, texts: [DNS_SCHEMA_VERSION] }] : [])
    }
    if (labels.length === 2 && labels[0] === 'dns' && labels[1] === 'ns') {
      return found(type, addressRecords(name, type, this.ownAddresses, this.options.ttl))
    }
    if (labels[0] === 'svc') return this.service(name, type, zone, labels.slice(1), chain)
    if (labels[0] === 'pod') return this.pod(name, type, labels.slice(1))
    return nxdomain('not-in-schema', `${zone} holds only svc and pod names (and dns-version, dns.ns); ${labels[0]} is neither`)
  }

  soa(zone: string): ResourceRecord {
    const ttl = this.options.ttl
    return {
      name: zone,
      type: RRType.SOA,
      ttl: Math.min(ttl, SOA_MAX_TTL),
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: this.store.serial,
      refresh: SOA_REFRESH,
      retry: SOA_RETRY,
      expire: SOA_EXPIRE,
      minimum: ttl,
    }
  }

  namespaceExposed(namespace: string): boolean {
    return (this.options.namespaces === null || this.options.namespaces.has(namespace)) && this.store.hasNamespace(namespace)
  }

  /** Why names in `namespace` are NXDOMAIN: null when it is exposed. */
  private hiddenNamespace(namespace: string): Lookup | null {
    if (this.options.namespaces !== null && !this.options.namespaces.has(namespace)) {
      return nxdomain('namespace-not-exposed', `namespace ${namespace} is not one of \`namespaces ${[...this.options.namespaces].join(' ')}\``)
    }
    if (this.store.hasNamespace(namespace)) return null
    if (this.options.namespaceLabels !== null) {
      return nxdomain('namespace-not-selected', `no Namespace ${namespace} in the store: \`namespace_labels\` does not select it, or it does not exist`)
    }
    return nxdomain('no-such-namespace', `no Namespace ${namespace} in the store`)
  }

  private apex(zone: string, type: number): Lookup {
    if (type === RRType.SOA) return found(type, [this.soa(zone)])
    if (type !== RRType.NS) return found(type, [])
    const { target, addresses } = this.nameServer()
    return found(type, [{ name: zone, type: RRType.NS, ttl: this.options.ttl, target }], [
      ...addressRecords(target, RRType.A, addresses, this.options.ttl),
      ...addressRecords(target, RRType.AAAA, addresses, this.options.ttl),
    ])
  }

  /**
   * This server's own Service, found by its pod address among the endpoints, with the addresses
   * clients reach it by; without one, `ns.dns.<zone>` and the pod's own addresses.
   */
  private nameServer(): { target: string; addresses: readonly string[] } {
    const zone = this.options.primaryZone
    for (const ip of this.ownAddresses) {
      const service = this.store.servicesWithEndpoint(ip).find((s) => this.namespaceExposed(s.namespace))
      if (!service) continue
      const target = `${service.name}.${service.namespace}.svc.${zone}`
      return { target, addresses: service.kind === 'cluster-ip' ? service.clusterIPs : [ip] }
    }
    return { target: `ns.dns.${zone}`, addresses: this.ownAddresses }
  }

  private reverse(name: string, type: number): Lookup {
    const ip = addressOfReverseName(name)
    if (ip === null) return nxdomain('no-reverse', `${name} is not the reverse name of one whole address`)
    const targets = this.ptrTargets(ip)
    if (targets.length === 0) return nxdomain('no-reverse', `no exposed Service has ClusterIP or ready endpoint ${ip}`)
    if (type !== RRType.PTR) return found(type, [])
    return found(type, targets.map((t) => ({ name, type: RRType.PTR, ttl: this.options.ttl, target: t.name })), [], targets.map((t) => t.sources))
  }

  /** A ClusterIP names its service alone; an endpoint address names each (service, endpoint name). */
  private ptrTargets(ip: string): { name: string; sources: Source[] }[] {
    const zone = this.options.primaryZone
    const byClusterIP = this.store.servicesWithClusterIP(ip).filter((s) => this.namespaceExposed(s.namespace))
    if (byClusterIP.length > 0) return [{ name: `${byClusterIP[0]!.name}.${byClusterIP[0]!.namespace}.svc.${zone}`, sources: [serviceSource(byClusterIP[0]!)] }]
    const targets = new Map<string, Source[]>()
    for (const service of this.store.servicesWithEndpoint(ip)) {
      if (!this.namespaceExposed(service.namespace)) continue
      for (const ep of this.store.endpoints(service.namespace, service.name)) {
        const target = `${endpointName(ep, this.options.endpointPodNames)}.${service.name}.${service.namespace}.svc.${zone}`
        if (ep.address === ip && !targets.has(target)) targets.set(target, [serviceSource(service), { kind: 'EndpointSlice', record: ep.slice }])
      }
    }
    return [...targets].map(([name, sources]) => ({ name, sources }))
  }

  private pod(name: string, type: number, labels: string[]): Lookup {
    if (labels.length === 0) return found(type, [])
    if (this.options.pods === 'disabled') return nxdomain('pods-disabled', 'pod names are not answered: `pods disabled`')
    if (labels.length > 2) return nxdomain('too-deep', `${labels.length} labels below pod; the schema allows 2 (address.namespace.pod)`)
    const [namespace, podLabel] = labels as [string, string | undefined]
    const hidden = this.hiddenNamespace(namespace)
    if (hidden) return hidden
    if (podLabel === undefined) return nodata('namespace-only', `${name} is a namespace: it holds no records itself`)
    const ip = addressOfPodLabel(podLabel)
    if (ip === null) return nxdomain('bad-pod-address', `${podLabel} is not an address written with dashes`)
    if (this.options.pods !== 'verified') return found(type, addressRecords(name, type, [ip], this.options.ttl))
    const pods = this.store.podsWithIP(ip).filter((p) => p.namespace === namespace)
    if (pods.length === 0) return nxdomain('no-such-pod', `\`pods verified\`: no Pod in namespace ${namespace} has IP ${ip}`)
    const answer = addressRecords(name, type, [ip], this.options.ttl)
    return found(type, answer, [], answer.map(() => pods.map((record) => ({ kind: 'Pod' as const, record }))))
  }

  private service(name: string, type: number, zone: string, labels: string[], chain: number): Lookup {
    if (labels.length === 0) return found(type, [])
    const [namespace, serviceName] = labels as [string, string | undefined]
    const hidden = this.hiddenNamespace(namespace)
    if (hidden) return hidden
    if (serviceName === undefined) return nodata('namespace-only', `${name} is a namespace: it holds no records itself`)
    if (labels.length > 4) return nxdomain('too-deep', `${labels.length} labels below svc; the schema allows 4 (_port._proto.service.namespace)`)
    const service = this.store.service(namespace, serviceName)
    if (!service) {
      return this.options.labels === null
        ? nxdomain('no-such-service', `no Service ${namespace}/${serviceName} in the store`)
        : nxdomain('service-not-selected', `no Service ${namespace}/${serviceName} in the store: \`labels\` does not select it, or it does not exist`)
    }
    const below = labels.slice(2)
    if (service.kind === 'external-name') {
      if (below.length > 0) return nxdomain('below-external-name', `${namespace}/${serviceName} is an ExternalName Service: no names below it`)
      return this.externalName(name, type, service, chain)
    }
    if (this.options.ignoreEmptyService && service.kind === 'cluster-ip' && this.store.endpoints(namespace, serviceName).length === 0) {
      return nxdomain('empty-service', `\`ignore empty_service\`: Service ${namespace}/${serviceName} has ${this.endpointCount(service)}`)
    }
    const endpoint = below.length === 1 ? below[0]! : null
    const port = below.length === 2 ? { protocol: stripUnderscore(below[0]!), name: stripUnderscore(below[1]!) } : null
    const targets = this.targets(service, zone, endpoint, port)
    if (targets.length === 0) {
      if (service.kind === 'headless' && this.store.endpoints(namespace, serviceName).length === 0) {
        return nxdomain('headless-none-ready', `headless Service ${namespace}/${serviceName} has ${this.endpointCount(service)}`)
      }
      const what = endpoint !== null ? `no ready endpoint named ${endpoint}` : port !== null ? `no port named ${port.name} over ${port.protocol}` : 'no address'
      return nxdomain('no-such-endpoint', `Service ${namespace}/${serviceName} has ${what}`)
    }
    if (type === RRType.A || type === RRType.AAAA) return this.addresses(name, type, targets)
    if (type === RRType.SRV) return this.srv(name, targets)
    return found(type, [])
  }

  /** `0 of 3 endpoints ready`, over all the service's EndpointSlices. */
  private endpointCount(service: ServiceRecord): string {
    const slices = this.store.slices(service.namespace, service.name)
    const ready = slices.reduce((n, s) => n + s.endpoints.length, 0)
    return `${ready} of ${ready + slices.reduce((n, s) => n + s.notReady, 0)} endpoints ready`
  }

  /** A or AAAA records of the targets' addresses of the asked family, one per address with every target's sources. */
  private addresses(name: string, type: number, targets: Target[]): Lookup {
    const byAddress = new Map<string, Source[]>()
    for (const t of targets) byAddress.set(t.address, [...(byAddress.get(t.address) ?? []), ...t.sources])
    const answer = addressRecords(name, type, [...byAddress.keys()], this.options.ttl)
    return found(type, answer, [], answer.map((r) => [...new Set(byAddress.get((r as AddressRecord).address))]))
  }

  /** The (address, port) pairs a service name, endpoint name or `_port._proto` name stands for. */
  private targets(service: ServiceRecord, zone: string, endpoint: string | null, port: { name: string; protocol: string } | null): Target[] {
    const matches = (p: PortRecord): boolean => port === null || (p.name === port.name && p.protocol === port.protocol)
    const serviceName = `${service.name}.${service.namespace}.svc.${zone}`
    const own = [serviceSource(service)]
    const expand = (name: string, address: string, ports: readonly PortRecord[], sources: Source[]): Target[] => {
      if (ports.length === 0) return port === null ? [{ name, address, port: null, sources }] : []
      return ports.filter(matches).map((p) => ({ name, address, port: p.port, sources }))
    }
    if (service.kind === 'cluster-ip' && endpoint === null) {
      return service.ports.length === 0 && port === null
        ? service.clusterIPs.map((address) => ({ name: serviceName, address, port: null, sources: own }))
        : service.ports.filter(matches).flatMap((p) => service.clusterIPs.map((address) => ({ name: serviceName, address, port: p.port, sources: own })))
    }
    const targets: Target[] = []
    for (const ep of this.store.endpoints(service.namespace, service.name)) {
      const label = endpointName(ep, this.options.endpointPodNames)
      if (endpoint !== null && label !== endpoint) continue
      targets.push(...expand(`${label}.${serviceName}`, ep.address, ep.ports, [own[0]!, { kind: 'EndpointSlice', record: ep.slice }]))
    }
    return targets
  }

  /** SRV records of the targets; each from the records of the targets it names. */
  private srv(name: string, targets: Target[]): Lookup {
    const srv = srvRecords(name, targets, this.options.ttl)
    if (!srv) return nodata('no-records-of-type', 'the name exists, but no port of it has a number to publish in SRV')
    const sources = srv.answer.map((r) => targets.find((t) => r.type === RRType.SRV && t.name === r.target && t.port === r.port)?.sources ?? [])
    return found(RRType.SRV, srv.answer, srv.additional, sources)
  }

  /** CNAME to the external name; for A/AAAA/TXT, a target inside our zones is followed. */
  private externalName(name: string, type: number, service: ServiceRecord, chain: number): Lookup {
    const target = service.externalName
    if (target === null) return nxdomain('external-name-ip', `ExternalName Service ${service.namespace}/${service.name} names an IP address, which a CNAME cannot point at`)
    if (type !== RRType.A && type !== RRType.AAAA && type !== RRType.TXT && type !== RRType.CNAME) return found(type, [])
    const cname: ResourceRecord = { name, type: RRType.CNAME, ttl: this.options.ttl, target }
    const own = [serviceSource(service)]
    if (type === RRType.CNAME || target === name || chain >= MAX_CNAME_CHAIN) return found(type, [cname], [], [own])
    const targetZone = longestZone(target, this.options.zones)
    if (targetZone === null || !isInZone(target, targetZone)) return found(type, [cname], [], [own])
    const next = this.lookup(target, type, targetZone, chain + 1)
    return found(type, [cname, ...next.answer], [...next.additional], [own, ...next.sources])
  }
}

/** `10-0-0-1` → 10.0.0.1; `fd00--1` → fd00::1 (CoreDNS's rule: three dashes and no `--` is IPv4). */
function addressOfPodLabel(label: string): string | null {
  const dashes = label.split('-').length - 1
  const text = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':')
  return canonicalIP(text)
}
