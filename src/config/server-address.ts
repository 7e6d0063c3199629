import { isIPv4, isIPv6 } from 'node:net'
import { ConfigError, type SourcePosition } from '../errors.js'
import { normalizeName } from '../dns/names.js'
import { reverseZonesOfCidr } from '../dns/reverse.js'

export const DEFAULT_DNS_PORT = 53

/** A server block key resolved: the zones it serves (lower case, no trailing dot) and its port. */
export interface ServerAddress {
  readonly zones: readonly string[]
  readonly port: number
}

/**
 * Parses `[dns://]ZONE[:PORT]`. ZONE is a name (`.` is the root) or a CIDR, which stands for the
 * reverse zones that cover it (`10.96.0.0/12` → `96.10.in-addr.arpa` … `111.10.in-addr.arpa`).
 */
export function parseServerAddress(key: string, at: SourcePosition, defaultPort = DEFAULT_DNS_PORT): ServerAddress {
  let rest = key
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(rest)
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'dns') {
      throw new ConfigError(at, `server address ${key}: only dns:// is supported, not ${scheme[1]}://`)
    }
    rest = rest.slice(scheme[0].length)
  }
  let port = defaultPort
  const portMatch = /:(\d*)$/.exec(rest)
  if (portMatch && !isIPv6(rest.split('/')[0]!)) {
    port = Number(portMatch[1])
    if (portMatch[1] === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(at, `server address ${key}: port must be a number from 0 to 65535`)
    }
    rest = rest.slice(0, portMatch.index)
  }
  if (rest === '') throw new ConfigError(at, `server address ${key}: no zone (use '.' for the root)`)
  return { zones: parseZone(rest, at), port }
}

/** A zone argument (of a server key or a plugin): a domain name or a CIDR. */
export function parseZone(text: string, at: SourcePosition): string[] {
  if (text.includes('/')) {
    const zones = reverseZonesOfCidr(text)
    if (!zones) throw new ConfigError(at, `${text} is not a valid CIDR (ADDRESS/PREFIX)`)
    return zones
  }
  if (isIPv4(text) || isIPv6(text)) throw new ConfigError(at, `${text} is an address, not a zone (a CIDR needs /PREFIX)`)
  const zone = normalizeName(text)
  if (zone.split('.').some((label) => label === '' && zone !== '') || zone.length > 253) {
    throw new ConfigError(at, `${text} is not a valid zone name`)
  }
  return [zone]
}
