import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLUSTER } from '../../support/cluster.js'
import { dig } from '../../support/dig.js'
import { startServer, type RunningServer } from '../../support/dns-server.js'

let server: RunningServer
let metricsUrl: string
beforeAll(async () => {
  server = await startServer(`.:0 {
  bind 127.0.0.1 ::1
  prometheus 127.0.0.1:0
  kubernetes cluster.local in-addr.arpa {
    manifests ${DEMO_CLUSTER}
  }
}
`)
  metricsUrl = `http://127.0.0.1:${server.runtime.http.port('127.0.0.1:0')}/metrics`
})
afterAll(() => server.stop())

/** The families the per-query recorder counts. */
const PER_QUERY = /^(# (HELP|TYPE) )?coredns_dns_(requests_total|request_duration_seconds|request_size_bytes|response_size_bytes|responses_total)(_bucket|_sum|_count)?[{ ]/

/**
 * The per-query families of a scrape, each family's series sorted (Prometheus reads a family's
 * series in any order). Durations are timing: their bucket counts and sum become `<n>`, while the
 * `+Inf` bucket and the count, which are the number of queries, stay.
 */
function perQueryFamilies(text: string): string {
  const families = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    if (!PER_QUERY.test(line)) continue
    const family = line.startsWith('#') ? line.split(' ')[2]! : line.replace(/(_bucket|_sum|_count)?[{ ].*$/, '')
    const timing = line.startsWith('coredns_dns_request_duration_seconds_') && !line.includes('le="+Inf"') && !line.includes('_count{')
    const kept = timing ? line.replace(/ \S+$/, ' <n>') : line
    families.set(family, [...(families.get(family) ?? []), kept])
  }
  return [...families].map(([, lines]) => [...lines.filter((l) => l.startsWith('#')), ...lines.filter((l) => !l.startsWith('#')).sort()].join('\n')).join('\n\n') + '\n'
}

describe('the per-query metrics', () => {
  it('scrape to the same families, series, label sets and counts as prom-client counting each query did', async () => {
    // A fixed set of real queries: both transports, both address families, several types and rcodes.
    await server.ask('web.shop.svc.cluster.local', 'A')
    await server.ask('web.shop.svc.cluster.local', 'AAAA')
    await server.ask('_http._tcp.web.shop.svc.cluster.local', 'SRV')
    await server.ask('10.100.96.10.in-addr.arpa', 'PTR')
    await server.ask('nope.shop.svc.cluster.local', 'A', { tcp: true })
    // `bind` with port 0: each address has a port of its own.
    const v6 = { server: '::1', port: server.runtime.dns.addresses.find((a) => a.address === '::1')!.port }
    await dig('web.shop.svc.cluster.local', 'A', v6)
    await dig('example.com', 'MX', { ...v6, tcp: true })
    await server.ask('web.shop.svc.cluster.local', 'TYPE65280')
    const text = await (await fetch(metricsUrl)).text()
    // Recorded from the implementation that counted each query in prom-client (the commit before
    // the counts became plain numbers), with the same queries.
    await expect(perQueryFamilies(text)).toMatchFileSnapshot('per-query-exposition.txt')
  })
})
