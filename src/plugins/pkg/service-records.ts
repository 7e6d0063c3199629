import { isIPv4, isIPv6 } from 'node:net'
import { RRType } from '../../dns/constants.js'
import type { AddressRecord, ResourceRecord } from '../../dns/message.js'

/** What a name holds for a type: NXDOMAIN when the name does not exist, else records (maybe none). */
export interface Lookup {
  readonly exists: boolean
  readonly answer: readonly ResourceRecord[]
  readonly additional: readonly ResourceRecord[]
}

export const NXDOMAIN: Lookup = { exists: false, answer: [], additional: [] }
export const NODATA: Lookup = { exists: true, answer: [], additional: [] }
export const found = (answer: ResourceRecord[], additional: ResourceRecord[] = []): Lookup => ({ exists: true, answer, additional })

/** The SOA timers CoreDNS's kubernetes and k8s_external write. */
export const SOA_REFRESH = 7200
export const SOA_RETRY = 1800
export const SOA_EXPIRE = 86400

/** `_http._tcp` labels: '_' is optional on each, and names match in lower case. */
export const stripUnderscore = (label: string): string => (label.startsWith('_') ? label.slice(1) : label)

/** One address a service name stands for: the name it is known by (an SRV target), with a port or none. */
export interface Target {
  readonly name: string
  readonly address: string
  readonly port: number | null
}

/** A or AAAA records of `name` for the addresses of the asked family, de-duplicated. */
export function addressRecords(name: string, type: number, addresses: readonly string[], ttl: number): AddressRecord[] {
  if (type !== RRType.A && type !== RRType.AAAA) return []
  const family = type === RRType.A ? isIPv4 : isIPv6
  return [...new Set(addresses)].filter((a) => family(a)).map((address) => ({ name, type, ttl, address }))
}

/**
 * SRV as CoreDNS writes it for Services: weight floor(100/N) over all entries with a port, then
 * one record per (target, port); each target's address in additional. Null when no entry has a port.
 */
export function srvRecords(name: string, targets: readonly Target[], ttl: number): { answer: ResourceRecord[]; additional: ResourceRecord[] } | null {
  const withPort = targets.filter((t) => t.port !== null)
  if (withPort.length === 0) return null
  const weight = Math.max(1, Math.floor(100 / withPort.length))
  const answer: ResourceRecord[] = []
  const additional: ResourceRecord[] = []
  const seenTarget = new Set<string>()
  const seenGlue = new Set<string>()
  for (const t of withPort) {
    const key = `${t.name}:${t.port}`
    if (!seenTarget.has(key)) {
      seenTarget.add(key)
      answer.push({ name, type: RRType.SRV, ttl, priority: 0, weight, port: t.port!, target: t.name })
    }
    const glue = `${t.name}|${t.address}`
    if (!seenGlue.has(glue)) {
      seenGlue.add(glue)
      additional.push({ name: t.name, type: isIPv4(t.address) ? RRType.A : RRType.AAAA, ttl, address: t.address })
    }
  }
  return { answer, additional }
}
