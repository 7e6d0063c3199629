import { readFileSync } from 'node:fs'
import { normalizeName } from '../../dns/names.js'

/** What clusterdns reads of a resolv.conf file: its nameservers and search domains, as written. */
export interface ResolvConf {
  readonly nameservers: readonly string[]
  readonly search: readonly string[]
}

export function parseResolvConf(text: string): ResolvConf {
  const nameservers = [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!)
  // As in glibc, the last search (or domain) line wins.
  const search = [...text.matchAll(/^\s*(?:search|domain)\s+(.+)$/gm)].at(-1)?.[1]?.split(/\s+/).filter(Boolean) ?? []
  return { nameservers, search }
}

/** The host's resolv.conf, which the kubernetes plugin reads as CoreDNS does; tests point it elsewhere. */
export const HOST_RESOLV_CONF_ENV = 'CLUSTERDNS_RESOLV_CONF'

/**
 * The search domains of the server's own resolv.conf (lower case, no trailing dot): what CoreDNS's
 * kubernetes plugin appends to a pod's search path for autopath. Unreadable gives none, as there.
 */
export function hostSearchDomains(env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    return parseResolvConf(readFileSync(env[HOST_RESOLV_CONF_ENV] ?? '/etc/resolv.conf', 'utf8')).search.map(normalizeName)
  } catch {
    return []
  }
}
