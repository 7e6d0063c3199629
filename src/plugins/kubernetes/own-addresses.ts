import { networkInterfaces } from 'node:os'
import { canonicalIP } from '../../dns/address.js'

/**
 * This server's pod addresses: `POD_IP` (set from the downward API; several may be given,
 * comma-separated), else every non-loopback interface address.
 */
export function ownAddresses(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.POD_IP ?? '')
    .split(/[,\s]+/)
    .map((ip) => canonicalIP(ip))
    .filter((ip): ip is string => ip !== null)
  if (fromEnv.length > 0) return fromEnv
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && !i.address.startsWith('fe80:'))
    .map((i) => canonicalIP(i.address))
    .filter((ip): ip is string => ip !== null)
}
