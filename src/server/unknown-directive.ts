/** Every plugin of CoreDNS's plugin.cfg (1.14), so a Corefile written for it gets a precise answer. */
const COREDNS_PLUGINS = [
  'root', 'metadata', 'geoip', 'cancel', 'proxyproto', 'quic', 'grpc_server', 'https', 'https3', 'timeouts', 'multisocket',
  'reload', 'nsid', 'bufsize', 'bind', 'debug', 'trace', 'ready', 'health', 'pprof', 'shed', 'prometheus', 'errors', 'log',
  'dnstap', 'local', 'dns64', 'any', 'chaos', 'loadbalance', 'tsig', 'rewrite', 'autopath', 'acl', 'cache', 'header',
  'dnssec', 'tls', 'minimal', 'template', 'transfer', 'hosts', 'route53', 'azure', 'clouddns', 'k8s_external', 'kubernetes',
  'file', 'auto', 'secondary', 'etcd', 'loop', 'forward', 'grpc', 'erratic', 'whoami', 'on', 'sign', 'view', 'nomad',
]

/** Typos further than this many edits from every directive get no suggestion. */
const MAX_DISTANCE = 2

/**
 * What to say about a directive this server does not know: a CoreDNS plugin it does not support
 * is named as such; a typo gets the nearest supported directive.
 */
export function unknownDirective(name: string, supported: readonly string[]): string {
  if (COREDNS_PLUGINS.includes(name)) return `plugin/${name}: ${name} is a CoreDNS plugin clusterdns does not support`
  let best: { name: string; distance: number } | null = null
  for (const candidate of supported) {
    const distance = editDistance(name.toLowerCase(), candidate)
    if (distance <= MAX_DISTANCE && distance < name.length && (!best || distance < best.distance)) best = { name: candidate, distance }
  }
  return best ? `unknown directive '${name}'; did you mean '${best.name}'?` : `unknown directive '${name}'`
}

/** Damerau-Levenshtein (optimal string alignment): an adjacent swap counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}
