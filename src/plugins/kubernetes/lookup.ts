import type { RecordStore } from '../../cluster/record-store.js'
import type { PortRecord, ServiceRecord } from '../../cluster/records.js'
import { canonicalIP } from '../../dns/address.js'
import { RRType } from '../../dns/constants.js'
import type { ResourceRecord } from '../../dns/message.js'
import { isInZone, labelsBelow, longestZone } from '../../dns/names.js'
import { addressOfReverseName } from '../../dns/reverse.js'
import { endpointName } from './endpoint-name.js'
import { addressRecords, found, NODATA, NXDOMAIN, SOA_EXPIRE, SOA_REFRESH, SOA_RETRY, srvRecords, stripUnderscore, type Lookup, type Target } from '../pkg/service-records.js'
import type { KubernetesOptions } from './options.js'


const DNS_SCHEMA_VERSION = '1.1.0'
const DNS_VERSION_TTL = 28800
const MAX_CNAME_CHAIN = 10
const SOA_MAX_TTL = 300

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
      return type === RRType.TXT ? found([{ name, type: RRType.TXT, ttl: DNS_VERSION_TTL, texts: [DNS_SCHEMA_VERSION] }]) : NODATA
    }
    if (labels.length === 2 && labels[0] === 'dns' && labels[1] === 'ns') {
      return found(addressRecords(name, type, this.ownAddresses, this.options.ttl))
    }
    if (labels[0] === 'svc') return this.service(name, type, zone, labels.slice(1), chain)
    if (labels[0] === 'pod') return this.pod(name, type, labels.slice(1))
    return NXDOMAIN
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

  private apex(zone: string, type: number): Lookup {
    if (type === RRType.SOA) return found([this.soa(zone)])
    if (type !== RRType.NS) return NODATA
    const { target, addresses } = this.nameServer()
    return found([{ name: zone, type: RRType.NS, ttl: this.options.ttl, target }], [
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
    if (ip === null) return NXDOMAIN
    const targets = this.ptrTargets(ip)
    if (targets.length === 0) return NXDOMAIN
    if (type !== RRType.PTR) return NODATA
    return found(targets.map((target) => ({ name, type: RRType.PTR, ttl: this.options.ttl, target })))
  }

  /** A ClusterIP names its service alone; an endpoint address names each (service, endpoint name). */
  private ptrTargets(ip: string): string[] {
    const zone = this.options.primaryZone
    const byClusterIP = this.store.servicesWithClusterIP(ip).filter((s) => this.namespaceExposed(s.namespace))
    if (byClusterIP.length > 0) return [`${byClusterIP[0]!.name}.${byClusterIP[0]!.namespace}.svc.${zone}`]
    const targets = new Set<string>()
    for (const service of this.store.servicesWithEndpoint(ip)) {
      if (!this.namespaceExposed(service.namespace)) continue
      for (const ep of this.store.endpoints(service.namespace, service.name)) {
        if (ep.address === ip) targets.add(`${endpointName(ep, this.options.endpointPodNames)}.${service.name}.${service.namespace}.svc.${zone}`)
      }
    }
    return [...targets]
  }

  private pod(name: string, type: number, labels: string[]): Lookup {
    if (labels.length === 0) return NODATA
    if (this.options.pods === 'disabled' || labels.length > 2) return NXDOMAIN
    const [namespace, podLabel] = labels as [string, string | undefined]
    if (!this.namespaceExposed(namespace)) return NXDOMAIN
    if (podLabel === undefined) return NODATA
    const ip = addressOfPodLabel(podLabel)
    if (ip === null) return NXDOMAIN
    if (this.options.pods === 'verified' && !this.store.podsWithIP(ip).some((p) => p.namespace === namespace)) return NXDOMAIN
    return found(addressRecords(name, type, [ip], this.options.ttl))
  }

  private service(name: string, type: number, zone: string, labels: string[], chain: number): Lookup {
    if (labels.length === 0) return NODATA
    const [namespace, serviceName] = labels as [string, string | undefined]
    if (!this.namespaceExposed(namespace)) return NXDOMAIN
    if (serviceName === undefined) return NODATA
    if (labels.length > 4) return NXDOMAIN
    const service = this.store.service(namespace, serviceName)
    if (!service) return NXDOMAIN
    const below = labels.slice(2)
    if (service.kind === 'external-name') {
      return below.length === 0 ? this.externalName(name, type, service, chain) : NXDOMAIN
    }
    if (this.options.ignoreEmptyService && service.kind === 'cluster-ip' && this.store.endpoints(namespace, serviceName).length === 0) {
      return NXDOMAIN
    }
    const endpoint = below.length === 1 ? below[0]! : null
    const port = below.length === 2 ? { protocol: stripUnderscore(below[0]!), name: stripUnderscore(below[1]!) } : null
    const targets = this.targets(service, zone, endpoint, port)
    if (targets.length === 0) return NXDOMAIN
    if (type === RRType.A || type === RRType.AAAA) {
      return found(addressRecords(name, type, targets.map((t) => t.address), this.options.ttl))
    }
    if (type === RRType.SRV) return this.srv(name, targets)
    return NODATA
  }

  /** The (address, port) pairs a service name, endpoint name or `_port._proto` name stands for. */
  private targets(service: ServiceRecord, zone: string, endpoint: string | null, port: { name: string; protocol: string } | null): Target[] {
    const matches = (p: PortRecord): boolean => port === null || (p.name === port.name && p.protocol === port.protocol)
    const serviceName = `${service.name}.${service.namespace}.svc.${zone}`
    const expand = (name: string, address: string, ports: readonly PortRecord[]): Target[] => {
      if (ports.length === 0) return port === null ? [{ name, address, port: null }] : []
      return ports.filter(matches).map((p) => ({ name, address, port: p.port }))
    }
    if (service.kind === 'cluster-ip' && endpoint === null) {
      return service.ports.length === 0 && port === null
        ? service.clusterIPs.map((address) => ({ name: serviceName, address, port: null }))
        : service.ports.filter(matches).flatMap((p) => service.clusterIPs.map((address) => ({ name: serviceName, address, port: p.port })))
    }
    const targets: Target[] = []
    for (const ep of this.store.endpoints(service.namespace, service.name)) {
      const label = endpointName(ep, this.options.endpointPodNames)
      if (endpoint !== null && label !== endpoint) continue
      targets.push(...expand(`${label}.${serviceName}`, ep.address, ep.ports))
    }
    return targets
  }

  private srv(name: string, targets: Target[]): Lookup {
    const srv = srvRecords(name, targets, this.options.ttl)
    return srv ? found(srv.answer, srv.additional) : NODATA
  }

  /** CNAME to the external name; for A/AAAA/TXT, a target inside our zones is followed. */
  private externalName(name: string, type: number, service: ServiceRecord, chain: number): Lookup {
    const target = service.externalName
    if (target === null) return NXDOMAIN
    if (type !== RRType.A && type !== RRType.AAAA && type !== RRType.TXT && type !== RRType.CNAME) return NODATA
    const cname: ResourceRecord = { name, type: RRType.CNAME, ttl: this.options.ttl, target }
    if (type === RRType.CNAME || target === name || chain >= MAX_CNAME_CHAIN) return found([cname])
    const targetZone = longestZone(target, this.options.zones)
    if (targetZone === null || !isInZone(target, targetZone)) return found([cname])
    const next = this.lookup(target, type, targetZone, chain + 1)
    return found([cname, ...next.answer], [...next.additional])
  }
}

/** `10-0-0-1` → 10.0.0.1; `fd00--1` → fd00::1 (CoreDNS's rule: three dashes and no `--` is IPv4). */
function addressOfPodLabel(label: string): string | null {
  const dashes = label.split('-').length - 1
  const text = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':')
  return canonicalIP(text)
}
