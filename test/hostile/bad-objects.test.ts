import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import type { KubeObject } from '../support/api-server/fake-cluster.js'
import { startApiServer } from '../support/api-server/seed.js'
import { rr } from '../support/cluster.js'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { buildQuery, udpExchange } from '../support/raw-client.js'
import { until } from '../support/until.js'

/** What a test started, stopped after it, last started first. */
const started: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of started.splice(0).reverse()) await stop()
})
async function startDns(corefile: string, files: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(corefile, files)
  started.push(() => server.stop())
  return server
}

const LONG = 'x'.repeat(10_000)
const FORGED = 'web\n[ERROR] plugin/kubernetes: FORGED LINE'

const service = (name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({ kind: 'Service', apiVersion: 'v1', metadata: { name, namespace }, spec })
const clusterIP = (ip: string) => ({ clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] })

/** Objects no controller validated, next to good ones that must keep serving. */
const OBJECTS: KubeObject[] = [
  { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'lab2' } },
  { kind: 'Namespace', apiVersion: 'v1', metadata: { name: LONG } },
  service('ok', 'lab2', clusterIP('10.96.50.1')),
  service(LONG, 'lab2', clusterIP('10.96.50.2')),
  service('fine', LONG, clusterIP('10.96.50.3')),
  service(FORGED, 'lab2', clusterIP('10.96.50.4')),
  service('wide', 'lab2', { type: 'ExternalName', externalName: `${'a'.repeat(100)}.example.com` }),
  service('holes', 'lab2', { type: 'ExternalName', externalName: 'a..example.com' }),
  service('hosts', 'lab2', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: { name: 'hosts-abc', namespace: 'lab2', labels: { 'kubernetes.io/service-name': 'hosts' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.50.1'], hostname: LONG, conditions: { ready: true } },
      { addresses: ['10.244.50.2'], hostname: 'good', conditions: { ready: true } },
    ],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  } as KubeObject,
]

/** Asks over UDP and decodes the reply with dns-packet: throws when it does not parse. */
async function ask(server: RunningServer, name: string, type: string): Promise<dnsPacket.Packet> {
  const reply = await udpExchange(server.port, buildQuery(name, type, { edns: true }))
  expect(reply).not.toBeNull()
  return dnsPacket.decode(reply!)
}

const rcodeOf = (packet: dnsPacket.Packet): string | undefined => (packet as { rcode?: string }).rcode

const records = (packet: dnsPacket.Packet): string[] =>
  (packet.answers ?? []).map((a) => {
    const data = (a as { data?: unknown }).data
    return `${a.name} ${a.type} ${typeof data === 'object' && data !== null && 'target' in data ? String(data.target) : String(data)}`
  }).sort()

/** What both sources must serve from OBJECTS: the good objects and parts, nothing of the bad. */
async function expectServed(server: RunningServer): Promise<void> {
  const ok = await ask(server, 'ok.lab2.svc.cluster.local', 'A')
  expect(records(ok)).toEqual(['ok.lab2.svc.cluster.local A 10.96.50.1'])
  for (const ip of ['10.96.50.2', '10.96.50.3']) {
    const ptr = await ask(server, ip.split('.').reverse().join('.') + '.in-addr.arpa', 'PTR')
    expect(rcodeOf(ptr)).toBe('NXDOMAIN')
  }
  for (const name of ['wide', 'holes']) {
    const cname = await ask(server, `${name}.lab2.svc.cluster.local`, 'A')
    expect(rcodeOf(cname)).toBe('NXDOMAIN')
  }
  // The endpoint whose hostname is no label is still served, named by its address.
  const srv = await ask(server, '_http._tcp.hosts.lab2.svc.cluster.local', 'SRV')
  expect(records(srv)).toEqual([
    '_http._tcp.hosts.lab2.svc.cluster.local SRV 10-244-50-1.hosts.lab2.svc.cluster.local',
    '_http._tcp.hosts.lab2.svc.cluster.local SRV good.hosts.lab2.svc.cluster.local',
  ])
  const dig = await server.ask('10-244-50-1.hosts.lab2.svc.cluster.local', 'A')
  expect(dig.answer).toEqual([rr('10-244-50-1.hosts.lab2.svc.cluster.local', 'A', '10.244.50.1')])
}

function expectSkipLines(): void {
  const skipped = logLines.filter((l) => l.startsWith('[WARNING] plugin/kubernetes: '))
  const one = (pattern: RegExp): void => expect(skipped.filter((l) => pattern.test(l)), `${pattern}`).toHaveLength(1)
  one(/skipping Service lab2\/x{95}\.\.\. \(10005 characters\): name is not a DNS label/)
  one(/skipping Service x{100}\.\.\. \(10005 characters\): namespace is not a DNS label/)
  one(/skipping Namespace x{100}\.\.\. \(10000 characters\): name is not a DNS label/)
  one(/skipping Service lab2\/wide: spec.externalName "a{99}\.\.\. \(114 characters\) is not a domain name/)
  one(/skipping Service lab2\/holes: spec.externalName "a..example.com" is not a domain name/)
  one(/EndpointSlice lab2\/hosts-abc: leaving out hostname "x{99}\.\.\. \(10002 characters\): it is not a DNS label/)
  // The forged name is one line, its newline escaped.
  one(/skipping Service lab2\/web\\010\[error\] plugin\/kubernetes: forged line: name is not a DNS label/)
  expect(logLines.some((l) => /^\[ERROR\] plugin\/kubernetes: forged/i.test(l))).toBe(false)
  // No line carries a 10,000-character name.
  expect(logLines.every((l) => l.length < 1000)).toBe(true)
}

describe('objects whose names DNS cannot carry are skipped, the rest served', () => {
  it('from a manifest file', async () => {
    logLines.length = 0
    const yaml = OBJECTS.map((o) => JSON.stringify(o)).join('\n---\n')
    const dns = await startDns(
      `.:0 {
  bind 127.0.0.1
  kubernetes cluster.local in-addr.arpa {
    manifests cluster.yaml
  }
}
`,
      { 'cluster.yaml': yaml },
    )
    await expectServed(dns)
    expectSkipLines()
  })

  it('from the API', async () => {
    logLines.length = 0
    const api = await startApiServer([])
    started.push(() => api.close())
    for (const obj of OBJECTS.slice(0, 3)) api.cluster.apply(obj)
    const dns = await startDns(`.:0 {
  bind 127.0.0.1
  kubernetes cluster.local in-addr.arpa {
    endpoint ${api.url}
    startup_timeout 2s
  }
}
`)
    // The rest arrive as watch events, after the first list.
    for (const obj of OBJECTS.slice(3)) api.cluster.apply(obj)
    await until(async () => (await ask(dns, '_http._tcp.hosts.lab2.svc.cluster.local', 'SRV')).answers?.length === 2, Boolean, 5000, 100)
    await expectServed(dns)
    expectSkipLines()
  })
})
