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
