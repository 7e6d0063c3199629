import { RRType } from '../../dns/constants.js'
import type { ResourceRecord } from '../../dns/message.js'
import { isInZone, labelsBelow } from '../../dns/names.js'
import type { ClusterView } from '../plugin.js'
import { addressRecords, found, NODATA, NXDOMAIN, SOA_EXPIRE, SOA_REFRESH, SOA_RETRY, srvRecords, stripUnderscore, type Lookup, type Target } from '../pkg/service-records.js'

export interface ExternalOptions {
  readonly zones: readonly string[]
  /** The label of the names the zone's own name server lives under (`dns`: `ns1.dns.ZONE`). */
  readonly apex: string
  readonly ttl: number
  /** Headless Services without external addresses answer with their ready endpoints. */
  readonly headless: boolean
}


/**
 * The external zone's records, from the kubernetes plugin's store, as CoreDNS's k8s_external and
 * kubernetes External(): `SVC.NS.ZONE` (A, AAAA, SRV), `_PORT._PROTO.SVC.NS.ZONE` (SRV),
 * `ENDPOINT.SVC.NS.ZONE` with `headless`, the apex's SOA and NS, and `ns1.APEX.ZONE`.
 */
export class ExternalLookup {
  constructor(
    private readonly options: ExternalOptions,
    private readonly cluster: ClusterView,
  ) {}

  lookup(name: string, type: number, zone: string): Lookup {
    if (name === zone) return this.zoneApex(zone, type)
    const apex = `${this.options.apex}.${zone}`
    if (isInZone(name, apex)) return this.subApex(name, type, apex)
    return this.service(name, type, zone)
  }

  soa(zone: string): ResourceRecord {
    const { ttl, apex } = this.options
    return {
      name: zone,
      type: RRType.SOA,
      ttl,
      mname: `ns1.${apex}.${zone}`,
      rname: `hostmaster.${apex}.${zone}`,
      serial: this.cluster.store.serial,
      refresh: SOA_REFRESH,
      retry: SOA_RETRY,
      expire: SOA_EXPIRE,
      minimum: ttl,
    }
  }

  private zoneApex(zone: string, type: number): Lookup {
    if (type === RRType.SOA) return found([this.soa(zone)])
    if (type !== RRType.NS) return NODATA
    const target = `ns1.${this.options.apex}.${zone}`
    const addresses = this.nameServerAddresses()
    const glue = [...addressRecords(target, RRType.A, addresses, this.options.ttl), ...addressRecords(target, RRType.AAAA, addresses, this.options.ttl)]
    return found([{ name: zone, type: RRType.NS, ttl: this.options.ttl, target }], glue)
  }

  /** `APEX.ZONE` is an empty non-terminal; `ns1.APEX.ZONE` the name server; nothing else exists. */
  private subApex(name: string, type: number, apex: string): Lookup {
    const below = labelsBelow(name, apex)
    if (below.length === 0) return NODATA
    if (below.length > 1 || below[0] !== 'ns1') return NXDOMAIN
    return found(addressRecords(name, type, this.nameServerAddresses(), this.options.ttl))
  }

  /**
   * The external addresses of this server's own Services (found by its pod address among their
   * endpoints; a headless one's endpoints with `headless`); without any such Service, its pod addresses.
   */
  private nameServerAddresses(): string[] {
    const { store, ownAddresses } = this.cluster
    let foundEndpoint = false
    const addresses: string[] = []
    for (const ip of ownAddresses) {
      for (const service of store.servicesWithEndpoint(ip)) {
        foundEndpoint = true
        if (this.options.headless && service.kind === 'headless') addresses.push(...store.endpoints(service.namespace, service.name).map((ep) => ep.address))
        else addresses.push(...service.externalIPs)
      }
    }
    return foundEndpoint ? addresses : [...ownAddresses]
  }

  private service(name: string, type: number, zone: string): Lookup {
    const labels = labelsBelow(name, zone)
    const [namespace, serviceName, ...rest] = labels as [string, string | undefined, ...string[]]
    if (!this.cluster.namespaceExposed(namespace)) return NXDOMAIN
    if (serviceName === undefined) return NODATA
    if (rest.length > 2) return NXDOMAIN
    const endpoint = rest.length === 1 ? rest[0]! : null
    const port = rest.length === 2 ? { protocol: stripUnderscore(rest[0]!), name: stripUnderscore(rest[1]!) } : null
    const targets = this.targets(namespace, serviceName, zone, endpoint, port)
    if (targets.length === 0) return NXDOMAIN
    if (type === RRType.A || type === RRType.AAAA) return found(addressRecords(name, type, targets.map((t) => t.address), this.options.ttl))
    if (type === RRType.SRV) {
      const srv = srvRecords(name, targets, this.options.ttl)
      return srv ? found(srv.answer, srv.additional) : NODATA
    }
    return NODATA
  }

  /**
   * Each (external address, port) of the Service; with `headless`, a headless Service (or an
   * endpoint name) without external addresses gives its ready endpoints instead. As CoreDNS, an
   * endpoint label is ignored otherwise, and a Service without ports has no records.
   */
  private targets(namespace: string, serviceName: string, zone: string, endpoint: string | null, port: { name: string; protocol: string } | null): Target[] {
    const { store } = this.cluster
    const service = store.service(namespace, serviceName)
    if (!service) return []
    const matches = (p: { name: string; protocol: string }): boolean => port === null || (p.name === port.name && p.protocol === port.protocol)
    const owner = `${service.name}.${service.namespace}.${zone}`
    if (this.options.headless && service.externalIPs.length === 0 && (service.kind === 'headless' || endpoint !== null)) {
      return store.endpoints(namespace, serviceName).flatMap((ep) => {
        const label = this.cluster.endpointName(ep)
        if (endpoint !== null && label !== endpoint) return []
        return ep.ports.filter(matches).map((p) => ({ name: `${label}.${owner}`, address: ep.address, port: p.port }))
      })
    }
    return service.externalIPs.flatMap((address) => service.ports.filter(matches).map((p) => ({ name: owner, address, port: p.port })))
  }
}
