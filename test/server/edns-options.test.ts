import { describe, expect, it } from 'vitest'
import { clusterKubernetes, serverBlock } from '../support/corefile.js'
import { startServer } from '../support/dns-server.js'
import { startedForAll } from '../support/lifetimes.js'
import { metricSum } from '../support/metrics.js'
import { unboundForFile } from '../support/unbound.js'

// CoreDNS's scrub writer (request.SizeAndDo) answers with the query's OPT record: the client's
// payload size, DO, and the options it supports (NSID, EXPIRE, COOKIE, TCP-KEEPALIVE, PADDING)
// copied as the client sent them. A forwarded reply keeps the upstream's OPT and options (the
// client's payload size written in); the cache keeps no OPT, so a hit gets the asker's.

const upstream = unboundForFile({ zone: 'example.com.', records: ['www.example.com. 300 IN A 192.0.2.80'] }, ['nsid: "ascii_upstream"'])
const directives = (): string[] => [`forward example.com ${upstream().address}:${upstream().port}`, clusterKubernetes()]
const server = startedForAll(() => startServer(serverBlock(directives())), (s) => s.stop())
const cached = startedForAll(() => startServer(serverBlock(['cache', ...directives()])), (s) => s.stop())
const named = startedForAll(() => startServer(serverBlock(['nsid clusterdns-a', clusterKubernetes()])), (s) => s.stop())

const WEB = 'web.shop.svc.cluster.local'
const cookieLine = (raw: string): string | undefined => /^; COOKIE: .*$/m.exec(raw)?.[0]

describe('EDNS options echoed as CoreDNS echoes them', () => {
  it('dig +cookie: our reply carries the client cookie, which dig prints as echoed', async () => {
    const [fixed, random] = await Promise.all([
      server().ask(WEB, 'A', { flags: ['+cookie=0102030405060708'] }),
      server().ask(WEB, 'A', { flags: ['+cookie'] }),
    ])
    expect(fixed.answer).toEqual([`${WEB}. 5 IN A 10.96.100.10`])
    expect(cookieLine(fixed.raw)).toBe('; COOKIE: 0102030405060708 (echoed)')
    expect(cookieLine(random.raw)).toMatch(/^; COOKIE: [0-9a-f]{16} \(echoed\)$/)
    // Without one asked for, none.
    expect(cookieLine((await server().ask(WEB, 'A')).raw)).toBeUndefined()
  })

  it('BADVERS carries CoreDNS\'s own bare OPT record: payload size 0, no DO, nothing echoed', async () => {
    const reply = await server().ask(WEB, 'A', { flags: ['+edns=1', '+noednsneg', '+dnssec', '+cookie=0102030405060708'] })
    expect(reply.status).toBe('BADVERS')
    expect(reply.edns).toBe('EDNS: version: 0, flags:; udp: 0')
    expect(cookieLine(reply.raw)).toBeUndefined()
  })

  it('kdig: NSID, EXPIRE, TCP-KEEPALIVE and PADDING come back as sent, an unknown option does not', async () => {
    const reply = await server().ask(WEB, 'A', { tool: 'kdig', flags: ['+nsid', '+expire', '+ednsopt=11', '+ednsopt=65001:abcd', '+padding=64'] })
    expect(reply.status).toBe('NOERROR')
    expect(reply.raw).toMatch(/^;; NSID: *$/m)
    expect(reply.raw).toMatch(/^;; EXPIRE: \(empty\)$/m)
    expect(reply.raw).toMatch(/^;; Option \(11\): *$/m)
    expect(reply.raw).toMatch(/^;; PADDING: \d+ B$/m)
    expect(reply.raw).not.toMatch(/Option \(65001\)/)
    // The client's payload size (kdig's 4096), as CoreDNS writes it.
    expect(reply.edns).toMatch(/UDP size: 4096 B/)
  })

  it('nsid gives its identifier in place of the empty NSID asked, and the cookie is echoed beside it', async () => {
    const reply = await named().ask(WEB, 'A', { flags: ['+nsid', '+cookie=1112131415161718'] })
    expect(reply.raw).toContain('; NSID: 63 6c 75 73 74 65 72 64 6e 73 2d 61 ("clusterdns-a")')
    expect(cookieLine(reply.raw)).toBe('; COOKIE: 1112131415161718 (echoed)')
  })

  it('a forwarded reply keeps the upstream options with the client payload size; a cache hit echoes its own asker', async () => {
    const forwarded = await server().ask('www.example.com', 'A', { flags: ['+nsid', '+cookie=2122232425262728', '+bufsize=900'] })
    expect(forwarded.answer).toEqual(['www.example.com. 300 IN A 192.0.2.80'])
    // unbound (1.17) answers NSID and no cookie; CoreDNS relays its OPT record so.
    expect(forwarded.raw).toContain('("upstream")')
    expect(cookieLine(forwarded.raw)).toBeUndefined()
    expect(forwarded.edns).toMatch(/udp: 900$/)

    for (const [i, cookie] of ['3132333435363738', '4142434445464748'].entries()) {
      const hits = await metricSum('coredns_cache_hits_total')
      const reply = await cached().ask(WEB, 'A', { flags: [`+cookie=${cookie}`] })
      expect(await metricSum('coredns_cache_hits_total')).toBe(hits + i)
      expect(cookieLine(reply.raw)).toBe(`; COOKIE: ${cookie} (echoed)`)
    }
    await cached().ask('www.example.com', 'A')
    const hit = await cached().ask('www.example.com', 'A', { flags: ['+cookie=5152535455565758', '+bufsize=1000'] })
    expect(cookieLine(hit.raw)).toBe('; COOKIE: 5152535455565758 (echoed)')
    expect(hit.raw).not.toContain('upstream')
    expect(hit.edns).toMatch(/udp: 1000$/)
  })
})
