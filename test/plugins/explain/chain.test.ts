import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { serverForEach, type RunningServer } from '../../support/dns-server.js'
import { metricSum } from '../../support/metrics.js'
import { unboundForFile } from '../../support/unbound.js'

const CLUSTER = fileURLToPath(new URL('../../fixtures/explain-cluster.yaml', import.meta.url))
const MAIN = join(fileURLToPath(new URL('../../..', import.meta.url)), 'dist', 'main.js')
const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })
const startServer = serverForEach()

/** A block with autopath, a cache and forward around kubernetes; the client 127.0.0.1 is a pod in shop. */
const start = (...extra: string[]): Promise<RunningServer> =>
  startServer(
    serverBlock([
      'prometheus 127.0.0.1:0',
      'explain 127.0.0.1:0',
      ...extra,
      'cache 30',
      block('kubernetes cluster.local', [`manifests ${CLUSTER}`, 'pods verified']),
      `forward . 127.0.0.1:${upstream().port}`,
    ]),
  )
const httpPort = (server: RunningServer): number => server.runtime.http.port('127.0.0.1:0')!
async function explained(server: RunningServer, query: string): Promise<Record<string, any>> {
  const res = await fetch(`http://127.0.0.1:${httpPort(server)}/debug/explain?${query}&format=json`)
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, any>
}
const withoutTtl = (lines: readonly string[]): string[] => lines.map((l) => l.split(' ').filter((_, i) => i !== 1).join(' ')).sort()

describe('explain through the whole chain', () => {
  it('a client’s search path: each step autopath tried, the upstream that answered, and what dig gets', async () => {
    const server = await start('autopath @kubernetes')
    const e = await explained(server, 'name=api.example.com.shop.svc.cluster.local&type=A&client=127.0.0.1')
    expect(e.autopath.searchPath).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'])
    expect(e.autopath.steps).toEqual([
      { name: 'api.example.com.shop.svc.cluster.local', rcode: 'NXDOMAIN' },
      { name: 'api.example.com.svc.cluster.local', rcode: 'NXDOMAIN' },
      { name: 'api.example.com.cluster.local', rcode: 'NXDOMAIN' },
      { name: 'api.example.com', rcode: 'NOERROR' },
    ])
    expect(e.answeredBy).toBe('forward')
    const to = `127.0.0.1:${upstream().port}`
    expect(e.forward).toEqual({ upstreams: [{ upstream: to, healthy: true }], tried: [{ upstream: to, healthy: true, rcode: 0 }] })
    expect(withoutTtl(e.reply.answer)).toEqual(withoutTtl(['api.example.com.shop.svc.cluster.local. 30 IN CNAME api.example.com.', 'api.example.com. 30 IN A 192.0.2.80']))
    const before = await metricSum('clusterdns_autopath_answered_total', { namespace: 'shop' })
    const dug = await server.ask('api.example.com.shop.svc.cluster.local', 'A')
    expect(withoutTtl(dug.answer)).toEqual(withoutTtl(e.reply.answer))
    // dig asked once (from 127.0.0.1, the pod): autopath answered in that one round trip.
    expect(await metricSum('clusterdns_autopath_answered_total', { namespace: 'shop' })).toBe(before + 1)
  })

  it('a cached name: the cache holds it, with the seconds it has left', async () => {
    const server = await start()
    const first = await explained(server, 'name=api.example.com&type=A')
    expect(first.cache).toEqual({ held: false })
    expect(first.answeredBy).toBe('forward')
    const second = await explained(server, 'name=api.example.com&type=A')
    expect(second.answeredBy).toBe('cache')
    expect(second.cache.held).toBe(true)
    expect(second.cache.remainingTtl).toBeGreaterThan(25)
    expect(second.cache.remainingTtl).toBeLessThanOrEqual(30)
    expect(second.forward).toBeNull()
    // A cached denial still says why the kubernetes plugin denied it.
    await explained(server, 'name=nope.shop.svc.cluster.local&type=A')
    const denial = await explained(server, 'name=nope.shop.svc.cluster.local&type=A')
    expect(denial.answeredBy).toBe('cache')
    expect(denial.reason).toEqual({ code: 'no-such-service', text: 'no Service shop/nope in the store' })
  })

  it('counts search expansions answered NXDOMAIN by client namespace, and lists the top NXDOMAIN names with why', async () => {
    const server = await start()
    const count = (domain: string) => metricSum('clusterdns_search_path_nxdomain_total', { namespace: 'shop', domain })
    const before = await Promise.all(['namespace', 'svc', 'zone'].map(count))
    for (let i = 0; i < 3; i++) expect((await server.ask('nope.example.com.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    for (let i = 0; i < 2; i++) expect((await server.ask('nope.example.com.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect((await server.ask('nope.example.com.cluster.local', 'A')).status).toBe('NXDOMAIN')
    // Not expansions of a dotted name: an undotted one in the client's namespace, an upstream's NXDOMAIN.
    expect((await server.ask('nope.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect((await server.ask('nope.example.com', 'A')).status).toBe('NXDOMAIN')
    const after = await Promise.all(['namespace', 'svc', 'zone'].map(count))
    expect(after.map((n, i) => n - before[i]!)).toEqual([3, 2, 1])

    const top = (await (await fetch(`http://127.0.0.1:${httpPort(server)}/debug/nxdomain?format=json`)).json()) as Record<string, any>[]
    // Repeats came from the cache; the reason is still the kubernetes plugin's.
    expect(top[0]).toMatchObject({ name: 'nope.example.com.shop.svc.cluster.local.', type: 'A', count: 3, answeredBy: 'cache', reason: { code: 'no-such-service', text: 'no Service shop/com in the store' } })
    expect(top[1]).toMatchObject({ name: 'nope.example.com.svc.cluster.local.', count: 2, reason: { code: 'no-such-namespace' } })
    expect(top.find((t) => t.name === 'nope.example.com.')).toMatchObject({ count: 1, answeredBy: 'forward', reason: { code: 'upstream' } })
    // The same reason explain gives.
    const e = await explained(server, 'name=nope.example.com.svc.cluster.local&type=A')
    expect(top[1]!.reason).toEqual(e.reason)
  })

  it('clusterdns explain asks a running server, in plain words or JSON; one line and exit 1 when it cannot', async () => {
    const server = await start()
    const url = `http://127.0.0.1:${httpPort(server)}`
    // Asynchronously: the server answering it runs in this process.
    const cli = (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [MAIN, 'explain', ...args], { timeout: 10_000 }, (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }))
      })
    const text = await cli('web.shop.svc.cluster.local', '--server', url)
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain('web.shop.svc.cluster.local. 5 IN A 10.96.7.10\n  from Service shop/web, resourceVersion 201, changed 20')
    const denied = await cli('idle.shop.svc.cluster.local', 'AAAA', `--server=${url}`)
    expect(denied.stdout).toContain('reply: NXDOMAIN')
    expect(denied.stdout).toContain('why: headless Service shop/idle has 0 of 2 endpoints ready (headless-none-ready)')
    const json = await cli('db.shop.svc.cluster.local', 'SRV', '--json', '--server', url)
    // The same explanation as over HTTP (this second asking is a cache hit: the records and their sources are the same).
    const again = await explained(server, 'name=db.shop.svc.cluster.local&type=SRV')
    const printed = JSON.parse(json.stdout) as Record<string, any>
    expect(printed).toMatchObject({ answeredBy: 'kubernetes', cache: { held: false } })
    expect(printed.records.map((r: Record<string, unknown>) => r.sources)).toEqual(again.records.map((r: Record<string, unknown>) => r.sources))
    expect(again.records[0].sources.map((s: Record<string, string>) => s.name)).toEqual(['db', 'db-x1'])
    const bad = await cli('x..cluster.local', '--server', url)
    expect([bad.status, bad.stderr]).toEqual([1, `${url} answered 400: "x..cluster.local" is not a domain name\n`])
    await server.stop()
    const down = await cli('web.shop.svc.cluster.local', '--server', url)
    expect(down.status).toBe(1)
    expect(down.stderr).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/)
  })
})
