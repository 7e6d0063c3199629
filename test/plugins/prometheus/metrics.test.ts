import { describe, expect, it } from 'vitest'
import { kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForFile } from '../../support/dns-server.js'

const server = serverForFile(serverBlock(['prometheus 127.0.0.1:0', kubernetes()]))
const metricsUrl = (path = '/metrics'): string => `http://127.0.0.1:${server().runtime.http.port('127.0.0.1:0')}${path}`

/** The value of one sample line, by metric name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'))
    const have = labelText.split(/,(?=\w+=")/)
    if (have.length === wanted.length && wanted.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('/metrics', () => {
  it('counts real queries under CoreDNS names and labels', async () => {
    await server().ask('web.shop.svc.cluster.local', 'A')
    await server().ask('web.shop.svc.cluster.local', 'A')
    await server().ask('web.shop.svc.cluster.local', 'AAAA')
    await server().ask('nope.shop.svc.cluster.local', 'A', { tcp: true })
    await server().ask('example.com', 'MX')
    const response = await fetch(metricsUrl())
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    // `server` is the address as configured (port 0 here: the test asked for any free port).
    const base = { server: 'dns://127.0.0.1:0', zone: '.', view: '' }
    expect(sample(text, 'coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'A' })).toBe(2)
    expect(sample(text, 'coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'AAAA' })).toBe(1)
    expect(sample(text, 'coredns_dns_requests_total', { ...base, proto: 'tcp', family: '1', type: 'A' })).toBe(1)
    expect(sample(text, 'coredns_dns_requests_total', { ...base, proto: 'udp', family: '1', type: 'MX' })).toBe(1)
    expect(sample(text, 'coredns_dns_responses_total', { ...base, rcode: 'NOERROR', plugin: 'kubernetes' })).toBe(2 + 1)
    expect(sample(text, 'coredns_dns_responses_total', { ...base, rcode: 'NXDOMAIN', plugin: 'kubernetes' })).toBe(1)
    expect(sample(text, 'coredns_dns_responses_total', { ...base, rcode: 'REFUSED', plugin: '' })).toBe(1)
    expect(sample(text, 'coredns_dns_request_duration_seconds_count', { ...base, type: 'A' })).toBe(3)
    expect(sample(text, 'coredns_dns_request_size_bytes_count', { ...base, proto: 'udp' })).toBe(4)
    expect(sample(text, 'coredns_dns_response_size_bytes_count', { ...base, proto: 'tcp' })).toBe(1)
    // 511 bytes and below: every one of these answers is small.
    expect(sample(text, 'coredns_dns_response_size_bytes_bucket', { ...base, proto: 'udp', le: '511' })).toBe(4)
    expect(sample(text, 'coredns_plugin_enabled', { ...base, name: 'kubernetes' })).toBe(1)
    expect(sample(text, 'coredns_plugin_enabled', { ...base, name: 'prometheus' })).toBe(1)
    expect(sample(text, 'coredns_build_info', { version: 'test', revision: '', goversion: process.version })).toBe(1)
    expect(text).toMatch(/^# TYPE coredns_kubernetes_dns_programming_duration_seconds histogram$/m)
    expect(text).toMatch(/^# TYPE coredns_panics_total counter$/m)
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m)
    // Its observer has Node build an object after every collection: too dear under load (README).
    expect(text).not.toMatch(/^# TYPE nodejs_gc_duration_seconds /m)
    expect(text).toMatch(/^coredns_reload_version_info\{hash="sha512",value="[0-9a-f]{128}"\} 1$/m)
  })

  it('answers 404 off its path', async () => {
    expect((await fetch(metricsUrl('/other'))).status).toBe(404)
  })
})
