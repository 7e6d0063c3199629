import { isIPv4 } from 'node:net'
import { canonicalIP } from '../../dns/address.js'
import { normalizeName } from '../../dns/names.js'

/** Names to addresses and addresses to names, from hosts-file lines. */
export interface HostsTable {
  readonly addressesByName: ReadonlyMap<string, { readonly v4: readonly string[]; readonly v6: readonly string[] }>
  readonly namesByAddress: ReadonlyMap<string, readonly string[]>
}

/** Parses hosts-file text (`IP NAME…`, `#` comments); lines that are not that are skipped. */
export function parseHosts(text: string): HostsTable {
  const addressesByName = new Map<string, { v4: string[]; v6: string[] }>()
  const namesByAddress = new Map<string, string[]>()
  for (const raw of text.split('\n')) {
    const [ipText, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/)
    const ip = ipText ? canonicalIP(ipText) : null
    if (ip === null || names.length === 0) continue
    for (const nameText of names) {
      const name = normalizeName(nameText)
      let entry = addressesByName.get(name)
      if (!entry) addressesByName.set(name, (entry = { v4: [], v6: [] }))
      const family: string[] = isIPv4(ip) ? entry.v4 : entry.v6
      if (!family.includes(ip)) family.push(ip)
      const reverse = namesByAddress.get(ip) ?? []
      if (!reverse.includes(name)) namesByAddress.set(ip, [...reverse, name])
    }
  }
  return { addressesByName, namesByAddress }
}

/** Inline entries first, then the file's, as CoreDNS merges them. */
export function mergeHosts(first: HostsTable, second: HostsTable): HostsTable {
  const addressesByName = new Map<string, { v4: string[]; v6: string[] }>()
  const namesByAddress = new Map<string, string[]>()
  for (const table of [first, second]) {
    for (const [name, { v4, v6 }] of table.addressesByName) {
      const entry = addressesByName.get(name) ?? { v4: [], v6: [] }
      addressesByName.set(name, { v4: [...new Set([...entry.v4, ...v4])], v6: [...new Set([...entry.v6, ...v6])] })
    }
    for (const [ip, names] of table.namesByAddress) namesByAddress.set(ip, [...new Set([...(namesByAddress.get(ip) ?? []), ...names])])
  }
  return { addressesByName, namesByAddress }
}
