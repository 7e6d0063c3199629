import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { rr } from '../../support/cluster.js'
import { serverForEach } from '../../support/dns-server.js'

const FIXTURE = fileURLToPath(new URL('../../fixtures/external-cluster.yaml', import.meta.url))
// The server's own pod address: its Service's external address is the zone's name server.
beforeAll(() => {
  process.env.POD_IP = '10.30.0.5'
})

const startServer = serverForEach()

const corefile = (external: string, rest = ''): string => `.:0 {
  bind 127.0.0.1
  kubernetes cluster.local {
    manifests ${FIXTURE}
  }
  ${external}
  ${rest}
}
`
const soa = (mname = 'ns1.dns.example.org.', rname = 'hostmaster.dns.example.org.', ttl = 5): string =>
  `example.org. ${ttl} IN SOA ${mname} ${rname} <serial> 7200 1800 86400 ${ttl}`

describe('k8s_external, on the manifest source', () => {
  it('answers LoadBalancer ingress IPs and externalIPs as SVC.NS.ZONE; the cluster zone is unchanged', async () => {
    const server = await startServer(corefile('k8s_external example.org'))
    const lb = await server.ask('lb.edge.example.org', 'A')
    expect(lb.status).toBe('NOERROR')
    expect(lb.flags).toContain('aa')
    expect(lb.answer).toEqual([rr('lb.edge.example.org', 'A', '203.0.113.10')])
    expect((await server.ask('lb.edge.example.org', 'AAAA')).answer).toEqual([rr('lb.edge.example.org', 'AAAA', '2001:db8::10')])
    expect((await server.ask('ext.edge.example.org', 'A')).answer).toEqual([rr('ext.edge.example.org', 'A', '198.51.100.7')])
    expect((await server.ask('LB.Edge.example.org', 'A')).answer).toEqual([rr('LB.Edge.example.org', 'A', '203.0.113.10')])
    expect((await server.ask('lb.edge.svc.cluster.local', 'A')).answer).toEqual([rr('lb.edge.svc.cluster.local', 'A', '10.96.60.1')])
  })

  it('SRV for the service and for _port._proto, with the addresses in additional', async () => {
    const server = await startServer(corefile('k8s_external example.org'))
    const port = await server.ask('_https._tcp.lb.edge.example.org', 'SRV')
    expect(port.answer).toEqual([rr('_https._tcp.lb.edge.example.org', 'SRV', '0 50 443 lb.edge.example.org.')])
    expect(port.additional).toEqual([rr('lb.edge.example.org', 'A', '203.0.113.10'), rr('lb.edge.example.org', 'AAAA', '2001:db8::10')])
    const all = await server.ask('lb.edge.example.org', 'SRV')
    expect(all.answer).toEqual([rr('lb.edge.example.org', 'SRV', '0 25 443 lb.edge.example.org.'), rr('lb.edge.example.org', 'SRV', '0 25 80 lb.edge.example.org.')])
  })

  it('NXDOMAIN without external addresses (or ports), NODATA for a namespace or another type, SOA in authority', async () => {
    const server = await startServer(corefile('k8s_external example.org'))
    for (const name of ['plain.edge.example.org', 'noports.edge.example.org', 'lb.nosuch.example.org', 'a.b.c.lb.edge.example.org', 'db.edge.example.org']) {
      const reply = await server.ask(name, 'A')
      expect(reply.status, name).toBe('NXDOMAIN')
      expect(reply.authority, name).toEqual([soa()])
    }
    for (const [name, type] of [['edge.example.org', 'A'], ['lb.edge.example.org', 'TXT']] as const) {
      const reply = await server.ask(name, type)
      expect([reply.status, reply.answer.length], name).toEqual(['NOERROR', 0])
      expect(reply.authority).toEqual([soa()])
    }
  })

  it('the apex: SOA, NS ns1.dns.ZONE with the external address of the server’s own Service', async () => {
    const server = await startServer(corefile('k8s_external example.org'))
    expect((await server.ask('example.org', 'SOA')).answer).toEqual([soa()])
    const ns = await server.ask('example.org', 'NS')
    expect(ns.answer).toEqual([rr('example.org', 'NS', 'ns1.dns.example.org.')])
    expect(ns.additional).toEqual([rr('ns1.dns.example.org', 'A', '192.0.2.53')])
    expect((await server.ask('ns1.dns.example.org', 'A')).answer).toEqual([rr('ns1.dns.example.org', 'A', '192.0.2.53')])
    expect((await server.ask('dns.example.org', 'A')).status).toBe('NOERROR')
    expect((await server.ask('ns2.dns.example.org', 'A')).status).toBe('NXDOMAIN')
  })

  it('apex and ttl options', async () => {
    const server = await startServer(corefile('k8s_external example.org {\n    apex ns\n    ttl 60\n  }'))
    expect((await server.ask('example.org', 'SOA')).answer).toEqual([soa('ns1.ns.example.org.', 'hostmaster.ns.example.org.', 60)])
    expect((await server.ask('lb.edge.example.org', 'A')).answer).toEqual([rr('lb.edge.example.org', 'A', '203.0.113.10', 60)])
    expect((await server.ask('ns1.ns.example.org', 'A')).answer).toEqual([rr('ns1.ns.example.org', 'A', '192.0.2.53', 60)])
  })

  it('headless: a headless Service answers with its ready endpoints, ENDPOINT.SVC.NS.ZONE too', async () => {
    const server = await startServer(corefile('k8s_external example.org {\n    headless\n  }'))
    expect((await server.ask('db.edge.example.org', 'A')).answer).toEqual([rr('db.edge.example.org', 'A', '10.20.0.1'), rr('db.edge.example.org', 'A', '10.20.0.2')])
    expect((await server.ask('db-1.db.edge.example.org', 'A')).answer).toEqual([rr('db-1.db.edge.example.org', 'A', '10.20.0.2')])
    expect((await server.ask('_pg._tcp.db.edge.example.org', 'SRV')).answer).toEqual([
      rr('_pg._tcp.db.edge.example.org', 'SRV', '0 50 5432 db-0.db.edge.example.org.'),
      rr('_pg._tcp.db.edge.example.org', 'SRV', '0 50 5432 db-1.db.edge.example.org.'),
    ])
  })

  it('fallthrough passes NXDOMAIN on; names outside the zone go on anyway', async () => {
    const server = await startServer(corefile('k8s_external example.org {\n    fallthrough\n  }'))
    expect((await server.ask('plain.edge.example.org', 'A')).status).toBe('REFUSED')
    expect((await server.ask('lb.edge.example.org', 'A')).answer).toEqual([rr('lb.edge.example.org', 'A', '203.0.113.10')])
    expect((await server.ask('lb.edge.example.com', 'A')).status).toBe('REFUSED')
  })

  it('refuses a block without kubernetes and bad options', async () => {
    await expect(startServer('.:0 {\n  bind 127.0.0.1\n  k8s_external example.org\n}\n')).rejects.toThrow(/plugin\/k8s_external: the kubernetes plugin is not loaded/)
    await expect(startServer(corefile('k8s_external example.org {\n    ttl 4000\n  }'))).rejects.toThrow(/ttl must be in range \[0, 3600\]: 4000/)
    await expect(startServer(corefile('k8s_external example.org {\n    transfer\n  }'))).rejects.toThrow(/plugin\/k8s_external: .*unknown property transfer/)
  })
})
