import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { rr } from '../../support/cluster.js'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { fakeUdpUpstream, type FakeUpstream } from '../../support/fake-upstream.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { startUnbound, unboundForFile, type UnboundZone } from '../../support/unbound.js'

const TXT = Array.from({ length: 6 }, (_, i) => `"${String(i).repeat(100)}"`)
const EXAMPLE: UnboundZone = {
  zone: 'example.com.',
  records: ['api.example.com. 300 IN A 192.0.2.80', 'api.payments.example.com. 300 IN A 192.0.2.90', ...TXT.map((t) => `big.example.com. 300 IN TXT ${t}`)],
}
const EXAMPLE_BACKUP: UnboundZone = { zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.81'] }

const startServer = serverForEach()
const upstream = unboundForFile(EXAMPLE)

const corefile = (forward: string): string => serverBlock([kubernetes(), forward])
const up = (u: { address: string; port: number }): string => `${u.address}:${u.port}`

describe('forward, to a real unbound on loopback', () => {
  it('relays names outside the cluster zone, NXDOMAIN and its SOA included, and keeps cluster names local', async () => {
    const server = await startServer(corefile(`forward . ${up(upstream())}`))
    const api = await server.ask('API.example.com', 'A')
    expect(api.status).toBe('NOERROR')
    expect(api.answer).toEqual(['API.example.com. 300 IN A 192.0.2.80'])
    // The upstream's flags, relayed as it set them (unbound is authoritative for its local data).
    expect(api.flags).toEqual(['aa', 'qr', 'ra', 'rd'])
    const missing = await server.ask('nope.example.com', 'A')
    expect(missing.status).toBe('NXDOMAIN')
    expect(missing.authority).toEqual(['example.com. 60 IN SOA ns.example.com. admin.example.com. <serial> 3600 600 86400 60'])
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
  })

  it('follows an ExternalName to an outside name through forward: the CNAME, then its records', async () => {
    const server = await startServer(corefile(`forward . ${up(upstream())}`))
    const reply = await server.ask('payments.shop.svc.cluster.local', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual(['api.payments.example.com. 300 IN A 192.0.2.90', rr('payments.shop.svc.cluster.local', 'CNAME', 'api.payments.example.com.')])
    expect(reply.raw.indexOf('CNAME')).toBeLessThan(reply.raw.indexOf('192.0.2.90'))
    // SRV and other types are not followed.
    expect((await server.ask('payments.shop.svc.cluster.local', 'SRV')).answer).toEqual([])
  })

  it('relays a truncated reply as it is; the client asks again over TCP (more: coredns-transport.test.ts)', async () => {
    const server = await startServer(corefile(`forward . ${up(upstream())}`))
    const [noEdns, edns, truncated] = await Promise.all([
      server.ask('big.example.com', 'TXT', { flags: ['+noedns'] }),
      server.ask('big.example.com', 'TXT', { flags: ['+bufsize=1232', '+ignore'] }),
      server.ask('big.example.com', 'TXT', { flags: ['+noedns', '+ignore'] }),
    ])
    expect(noEdns.answer).toHaveLength(6)
    expect(edns.answer).toHaveLength(6)
    expect(edns.flags).not.toContain('tc')
    // Over 512 bytes for a client without EDNS: unbound, asked as the client asked, truncates (TC,
    // no records) and dig asks again over TCP, as it did above.
    expect(truncated.flags).toContain('tc')
    expect(truncated.answer).toEqual([])
  })

  it('works with force_tcp and reuses its TCP connections', async () => {
    const server = await startServer(corefile(block(`forward . ${up(upstream())}`, ['force_tcp', 'expire 5s'])))
    // The counters are per upstream, and other tests here reach this one over TCP too.
    const labels = { to: up(upstream()), proto: 'tcp' }
    const opened = (): Promise<number> => metricSum('coredns_proxy_conn_cache_misses_total', labels)
    const reused = (): Promise<number> => metricSum('coredns_proxy_conn_cache_hits_total', labels)
    const [openedBefore, reusedBefore] = [await opened(), await reused()]
    for (let i = 0; i < 3; i++) expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    // One connection opened, then reused for the other two.
    expect(await opened()).toBe(openedBefore + 1)
    expect(await reused()).toBe(reusedBefore + 2)
  })

  it('reuses its UDP sockets as CoreDNS does: one query at a time each, the one idle longest first', async () => {
    const fake = await fakeUdpUpstream((query) => {
      const q = dnsPacket.decode(query)
      const name = q.questions![0]!.name
      return [dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ name, type: 'A', ttl: 60, data: '192.0.2.7' }] })]
    }, 300)
    try {
      const labels = { to: `127.0.0.1:${fake.port}`, proto: 'udp' }
      const server = await startServer(corefile(`forward . 127.0.0.1:${fake.port}`))
      for (const name of ['a.example.net', 'b.example.net']) expect((await server.ask(name, 'A')).answer).toEqual([`${name}. 60 IN A 192.0.2.7`])
      // Asked at once, two queries take two sockets: the one kept and a new one.
      const both = await Promise.all(['c.example.net', 'd.example.net'].map((name) => server.ask(name, 'A')))
      expect(both.map((r) => r.status)).toEqual(['NOERROR', 'NOERROR'])
      for (const name of ['e.example.net', 'f.example.net']) await server.ask(name, 'A')
      const [a, b, c, d, e, f] = fake.sourcePorts
      expect([b, new Set([c, d]).size]).toEqual([a, 2])
      // Then the two idle sockets serve in turn (the one idle longest first), not the last used again.
      expect(new Set([e, f])).toEqual(new Set([c, d]))
      expect(await metricSum('coredns_proxy_conn_cache_misses_total', labels)).toBe(2)
      expect(await metricSum('coredns_proxy_conn_cache_hits_total', labels)).toBe(4)
    } finally {
      await fake.close()
    }
  })

  it('reads its upstreams from a resolv.conf file (port 53 on a loopback address of its own)', async () => {
    const resolver = await startUnbound(EXAMPLE, '127.0.0.153', 53)
    try {
      const server = await startServer(corefile('forward . resolv.conf'), { 'resolv.conf': '# test\nsearch example.com\nnameserver 127.0.0.153\noptions ndots:5\n' })
      expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    } finally {
      await resolver.stop()
    }
  })

  it('answers SERVFAIL when no upstream answers', async () => {
    const server = await startServer(corefile(`forward . 127.0.0.1:${await freePort()}`))
    const reply = await server.ask('api.example.com', 'A', { timeout: 8 })
    expect(reply.status).toBe('SERVFAIL')
  })

  it('fails over to the next upstream, marks the dead one down, and takes it back once it answers', { timeout: 30_000 }, async () => {
    const deadPort = await freePort()
    const server = await startServer(corefile(block(`forward . 127.0.0.1:${deadPort} ${up(upstream())}`, ['policy sequential', 'max_fails 1', 'health_check 200ms'])))
    const first = await server.ask('api.example.com', 'A', { timeout: 8 })
    expect(first.answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    // A refused port fails its health checks at once (marked down after two, max_fails 1): fast either way.
    const started = Date.now()
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect(Date.now() - started).toBeLessThan(1500)
    // It comes back: the health check (. IN NS every 200ms) marks it up, and sequential prefers it.
    const revived = await startUnbound(EXAMPLE_BACKUP, '127.0.0.1', deadPort)
    try {
      let answer: readonly string[] = []
      for (let i = 0; i < 40 && answer[0] !== 'api.example.com. 300 IN A 192.0.2.81'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        answer = (await server.ask('api.example.com', 'A')).answer
      }
      expect(answer).toEqual(['api.example.com. 300 IN A 192.0.2.81'])
    } finally {
      await revived.stop()
    }
  })

  it('acts in the fixed order whatever order the Corefile writes: kubernetes before forward', async () => {
    const server = await startServer(`.:0 {\n  forward . ${up(upstream())}\n  bind 127.0.0.1\n  ${kubernetes()}\n}\n`)
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })

  // `next RCODE` (to a following forward only, as CoreDNS 1.14): several.test.ts.
  it('except leaves names to the rest of the chain', async () => {
    const server = await startServer(corefile(block(`forward . ${up(upstream())}`, ['except example.com'])))
    expect((await server.ask('api.example.com', 'A')).status).toBe('REFUSED')
    expect((await server.ask('other.test', 'A')).status).toBe('NXDOMAIN')
  })
})

describe('forward, to hand-made upstreams', () => {
  let fake: FakeUpstream | undefined
  let fakePort: number
  afterEach(async () => {
    await fake?.close()
    fake = undefined
  })

  /** An upstream that answers each query with `replies(query)`, or stays silent. */
  async function fakeUpstream(replies: (query: dnsPacket.Packet) => Buffer[]): Promise<void> {
    fake = await fakeUdpUpstream((query) => replies(dnsPacket.decode(query)))
    fakePort = fake.port
  }

  const answer = (id: number, name: string, ip: string): Buffer =>
    dnsPacket.encode({ type: 'response', id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [{ name, type: 'A' }], answers: [{ name, type: 'A', ttl: 60, data: ip }] })

  // A reply with the right ID but another question is answered FORMERR, as CoreDNS: wrong-reply.test.ts.
  it('ignores replies whose ID does not match (spoofing)', async () => {
    await fakeUpstream((q) => {
      const name = q.questions![0]!.name
      return [answer((q.id! + 1) & 0xffff, name, '192.0.2.66'), answer(q.id!, name, '192.0.2.99')]
    })
    const server = await startServer(corefile(`forward . 127.0.0.1:${fakePort}`))
    expect((await server.ask('api.example.org', 'A')).answer).toEqual(['api.example.org. 60 IN A 192.0.2.99'])
  })

  it('failover: an upstream answering SERVFAIL makes the next one be asked', async () => {
    await fakeUpstream((q) => [dnsPacket.encode({ type: 'response', id: q.id, flags: 2, questions: q.questions })])
    let server = await startServer(corefile(block(`forward . 127.0.0.1:${fakePort} ${up(upstream())}`, ['policy sequential', 'failover SERVFAIL'])))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    await server.stop()
    server = await startServer(corefile(block(`forward . 127.0.0.1:${fakePort} ${up(upstream())}`, ['policy sequential'])))
    expect((await server.ask('api.example.com', 'A')).status).toBe('SERVFAIL')
  })

  it('refuses past max_concurrent queries in flight', async () => {
    await fakeUpstream(() => [])
    const server = await startServer(corefile(block(`forward . 127.0.0.1:${fakePort}`, ['max_concurrent 2'])))
    const replies = await Promise.all(['a', 'b', 'c'].map(async (n, i) => {
      await new Promise((r) => setTimeout(r, i * 100))
      return server.ask(`${n}.example.org`, 'A', { timeout: 8 })
    }))
    expect(replies.map((r) => r.status)).toEqual(['SERVFAIL', 'SERVFAIL', 'REFUSED'])
  })
})
