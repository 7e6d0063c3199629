import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { collectNow } from '../../../src/compact-heap.js'
import { registry } from '../../../src/metrics/registry.js'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { buildQuery, udpExchange } from '../../support/raw-client.js'
import { startUnbound, unboundForFile, type UnboundZone } from '../../support/unbound.js'

const ZONE: UnboundZone = { zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80', 'www.example.com. 300 IN A 192.0.2.81'] }

const startServer = serverForEach()
const resolver = unboundForFile(ZONE)

const corefile = (cache: string, upstream = `127.0.0.1:${resolver().port}`): string => serverBlock([cache, kubernetes(), `forward . ${upstream}`])
const hits = (type: 'success' | 'denial'): Promise<number> => metricSum('coredns_cache_hits_total', { type })
const misses = (): Promise<number> => metricSum('coredns_cache_misses_total')
const ttlOf = (record: string | undefined): number => Number(record?.split(' ')[1])

describe('cache', () => {
  it('keeps each answer in memory of its own, not in a slab of the Buffer pool it shares with traffic', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `n${i}.kept.example`)
    const upstream = await startUnbound({ zone: 'kept.example.', records: names.map((n, i) => `${n}. 300 IN A 192.0.2.${i}`) }, '127.0.0.1', await freePort())
    try {
      const server = await startServer(serverBlock(['cache 30', `forward . 127.0.0.1:${upstream.port}`]))
      const buffersHeld = (): number => {
        collectNow()
        return process.memoryUsage().arrayBuffers
      }
      const before = buffersHeld()
      for (const name of names) {
        const reply = await udpExchange(server.port, buildQuery(name, 'A'), 2000)
        expect(reply?.readUInt16BE(6), name).toBe(1)
        // The traffic between two kept answers: short-lived Buffers of the same pool, a slab's worth.
        for (let i = 0; i < 1024; i++) Buffer.allocUnsafe(Buffer.poolSize / 1024)
      }
      // 100 answers of ~60 bytes; each keeping its slab would hold 100 × Buffer.poolSize (6.25 MiB).
      expect(buffersHeld() - before).toBeLessThan(1024 * 1024)
      expect(await metricSum('coredns_cache_entries', { type: 'success' })).toBe(100)
      // forward's per-query series, counted in plain numbers and read at scrape time: 100 forwarded
      // over one kept UDP socket (asked one after another).
      const scraped = await registry.metrics()
      const series = (name: string, last: string): string | undefined =>
        new RegExp(`^${name}\\{proxy_name="forward",to="127\\.0\\.0\\.1:${upstream.port}",${last}\\} (\\S+)$`, 'm').exec(scraped)?.[1]
      expect([
        series('coredns_proxy_request_duration_seconds_count', 'rcode="NOERROR"'),
        series('coredns_proxy_conn_cache_misses_total', 'proto="udp"'),
        series('coredns_proxy_conn_cache_hits_total', 'proto="udp"'),
      ]).toEqual(['100', '1', '99'])
    } finally {
      await upstream.stop()
    }
  })

  it('answers a repeated question from memory, its TTL counting down, in the asker’s letter case', async () => {
    const server = await startServer(corefile('cache 30'))
    const before = await hits('success')
    const first = await server.ask('api.example.com', 'A')
    expect(first.answer).toEqual(['api.example.com. 30 IN A 192.0.2.80'])
    await sleep(2100)
    const second = await server.ask('API.Example.COM', 'A')
    expect(second.answer[0]).toMatch(/^API\.Example\.COM\. 2[0-8] IN A 192\.0\.2\.80$/)
    expect(await hits('success')).toBe(before + 1)
  })

  it('keeps denials per their SOA, keys on DO, and honours keepttl', async () => {
    const server = await startServer(corefile(block('cache', ['keepttl'])))
    const before = await hits('denial')
    const nx = await server.ask('nope.example.com', 'A')
    expect(nx.status).toBe('NXDOMAIN')
    await sleep(1100)
    const again = await server.ask('nope.example.com', 'A')
    expect(again.status).toBe('NXDOMAIN')
    expect(again.authority).toEqual(nx.authority)
    expect(await hits('denial')).toBe(before + 1)
    // With DO set it is another question: a miss.
    await server.ask('nope.example.com', 'A', { flags: ['+dnssec'] })
    expect(await hits('denial')).toBe(before + 1)
  })

  it('leaves disabled zones uncached (kubeadm: the cluster zone)', async () => {
    const server = await startServer(corefile(block('cache 30', ['disable success cluster.local', 'disable denial cluster.local'])))
    const before = (await hits('success')) + (await hits('denial'))
    const missesBefore = await misses()
    for (let i = 0; i < 2; i++) {
      await server.ask('web.shop.svc.cluster.local', 'A')
      await server.ask('nope.shop.svc.cluster.local', 'A')
    }
    // The cache saw all four questions (each a miss), and answered none of them from memory.
    expect(await misses()).toBe(missesBefore + 4)
    expect((await hits('success')) + (await hits('denial'))).toBe(before)
  })

  it('serves stale answers when the upstream is gone', { timeout: 20_000 }, async () => {
    const own = await startUnbound(ZONE, '127.0.0.1', await freePort())
    const server = await startServer(corefile(block('cache', ['success 100 1 1', 'serve_stale 1h']), `127.0.0.1:${own.port}`))
    expect((await server.ask('www.example.com', 'A')).answer).toEqual(['www.example.com. 1 IN A 192.0.2.81'])
    await own.stop()
    await sleep(1200)
    const stale = await server.ask('www.example.com', 'A')
    expect(stale.answer).toEqual(['www.example.com. 0 IN A 192.0.2.81'])
  })

  it('caches SERVFAIL briefly, so a dead upstream is not asked again at once', { timeout: 20_000 }, async () => {
    const server = await startServer(corefile('cache', `127.0.0.1:${await freePort()}`))
    expect((await server.ask('api.example.com', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    const started = Date.now()
    expect((await server.ask('api.example.com', 'A')).status).toBe('SERVFAIL')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('prefetches a popular entry before it expires', { timeout: 20_000 }, async () => {
    const server = await startServer(corefile(block('cache', ['success 100 2 2', 'prefetch 2 1m 60%'])))
    expect(ttlOf((await server.ask('api.example.com', 'A')).answer[0])).toBe(2)
    await sleep(1100)
    // Two hits with under 60% of its TTL left: the second triggers a refresh in the background.
    await server.ask('api.example.com', 'A')
    await server.ask('api.example.com', 'A')
    await sleep(300)
    expect(ttlOf((await server.ask('api.example.com', 'A')).answer[0])).toBe(2)
  })
})
