import { mkdtempSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import dnsPacket from 'dns-packet'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setLogSink } from '../../src/log.js'
import { registry } from '../../src/metrics/registry.js'
import { Runtime } from '../../src/server/runtime.js'
import { startApiServer } from '../support/api-server/seed.js'
import type { FakeApiServer } from '../support/api-server/fake-api-server.js'
import { DEMO_CLUSTER, LAB_CLUSTER } from '../support/cluster.js'
import { block, serverBlock } from '../support/corefile.js'
import { metricSum } from '../support/metrics.js'
import { freePort } from '../support/ports.js'
import { frame, tcpExchange, udpExchange } from '../support/raw-client.js'
import { startUnbound, type RunningUnbound } from '../support/unbound.js'
import { until } from '../support/until.js'

/*
 * The answer cache in front of the chains (src/server/answer-cache.ts) must answer exactly what the
 * chain would. Two servers run the same Corefile on the same API server, one without the answer
 * cache; every contract case is asked of both in several query shapes, and the two answer
 * alike, byte for byte but the ID, each time: as the answer cache keeps it and as it replays it.
 */

const TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33 }
const HITS = 'clusterdns_answer_cache_hits_total'

const logLines: string[] = []
setLogSink((line) => logLines.push(line))

/** How a query is asked: header bits, EDNS, transport, and the letter case of its name. */
interface Shape {
  readonly label: string
  readonly rd: boolean
  readonly cd?: boolean
  readonly edns?: { readonly size: number; readonly dnssecOk: boolean }
  readonly tcp?: boolean
  /** Every other letter in capitals (as a 0x20 resolver asks). */
  readonly mixedCase?: boolean
  /** The payload size the second time (the reply's OPT record echoes the client's). */
  readonly againSize?: number
}

const SHAPES: readonly Shape[] = [
  { label: 'UDP, no EDNS', rd: true },
  { label: 'UDP, EDNS 1232', rd: true, edns: { size: 1232, dnssecOk: false } },
  { label: 'UDP, EDNS 1400 then 4000', rd: true, edns: { size: 1400, dnssecOk: false }, againSize: 4000 },
  { label: 'UDP, EDNS 4096 with DO and CD', rd: true, cd: true, edns: { size: 4096, dnssecOk: true } },
  { label: 'UDP, no RD', rd: false },
  { label: 'TCP, no EDNS', rd: true, tcp: true },
  { label: 'TCP, EDNS', rd: true, tcp: true, edns: { size: 1232, dnssecOk: false } },
  { label: 'UDP, EDNS, mixed case', rd: true, edns: { size: 1232, dnssecOk: false }, mixedCase: true },
]

const reverse4 = (ip: string): string => `${ip.split('.').reverse().join('.')}.in-addr.arpa`

/**
 * The contract's cases (/work/shared/reference/cluster-dns-behaviour.md) on the demo and lab
 * clusters, and forwarded names; `replayed`: whether the answer is one the cache may replay.
 */
const CASES: ReadonlyArray<{ readonly name: string; readonly type: string; readonly replayed: boolean }> = [
  // ClusterIP services: dual-stack, no endpoints, one family only.
  { name: 'web.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'web.shop.svc.cluster.local', type: 'AAAA', replayed: true },
  { name: 'empty.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'web6.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'web6.lab.svc.cluster.local', type: 'AAAA', replayed: true },
  { name: 'kube-dns.kube-system.svc.cluster.local', type: 'A', replayed: true },
  // Headless services, endpoint names (hostname, dashed address, shared hostname), readiness.
  { name: 'db.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'twins.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'twins.lab.svc.cluster.local', type: 'AAAA', replayed: true },
  { name: 'hollow.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'portless.lab.svc.cluster.local', type: 'SRV', replayed: true },
  { name: 'shared.twins.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'db-0.db.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'db-0.db.shop.svc.cluster.local', type: 'AAAA', replayed: true },
  { name: '10-10-0-3.twins.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: '5678-abcd--1.twins.lab.svc.cluster.local', type: 'AAAA', replayed: true },
  { name: '10-244-1-11.web.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'db-2.db.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'twins-pod-c.twins.lab.svc.cluster.local', type: 'A', replayed: true },
  // SRV: named ports, the plain service name, `_` optional, no match, too deep.
  { name: '_http._tcp.web.shop.svc.cluster.local', type: 'SRV', replayed: true },
  { name: 'http.tcp.web.shop.svc.cluster.local', type: 'SRV', replayed: true },
  { name: 'twins.lab.svc.cluster.local', type: 'SRV', replayed: true },
  { name: '_postgres._tcp.db.shop.svc.cluster.local', type: 'SRV', replayed: true },
  { name: '_http._udp.web.shop.svc.cluster.local', type: 'SRV', replayed: true },
  { name: 'a.b.c.web.shop.svc.cluster.local', type: 'A', replayed: true },
  // ExternalName: followed inside the zone (the store's), followed outside (not replayed), an IP, a loop.
  { name: 'storefront.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'payments.shop.svc.cluster.local', type: 'A', replayed: false },
  { name: 'payments.shop.svc.cluster.local', type: 'SRV', replayed: true },
  { name: 'ipname.lab.svc.cluster.local', type: 'A', replayed: true },
  { name: 'loop.lab.svc.cluster.local', type: 'A', replayed: true },
  // PTR: a ClusterIP, endpoints, an address outside the cluster (falls through, forwarded and cached).
  { name: reverse4('10.96.100.10'), type: 'PTR', replayed: true },
  { name: reverse4('10.244.1.21'), type: 'PTR', replayed: true },
  { name: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa', type: 'PTR', replayed: true },
  { name: reverse4('192.0.2.200'), type: 'PTR', replayed: true },
  // Pods (insecure), dns-version, the apex, structural names, other types, wildcards are labels.
  { name: '10-244-1-11.shop.pod.cluster.local', type: 'A', replayed: true },
  { name: 'dns-version.cluster.local', type: 'TXT', replayed: true },
  { name: 'cluster.local', type: 'SOA', replayed: true },
  { name: 'cluster.local', type: 'NS', replayed: true },
  { name: 'svc.cluster.local', type: 'A', replayed: true },
  { name: 'shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'web.shop.svc.cluster.local', type: 'MX', replayed: true },
  { name: '*.shop.svc.cluster.local', type: 'A', replayed: true },
  { name: 'nope.shop.svc.cluster.local', type: 'A', replayed: true },
  // Outside the cluster: forwarded, then served by `cache` (NXDOMAIN too).
  { name: 'host1.example.com', type: 'A', replayed: true },
  { name: 'api.payments.example.com', type: 'A', replayed: true },
  { name: 'missing.example.com', type: 'A', replayed: true },
]

const serverOf = (s: Running): string => `dns://127.0.0.1:${s.port}`

/**
 * The per-query series of one server (its label dropped): coredns_dns_* and coredns_cache_*; of the
 * durations only the count (they differ in time, not in number).
 */
async function querySeries(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  // The listener's label (dns_*), and the block's first address as configured (cache_*).
  const ours = [`server="dns://127.0.0.1:${port}",`, `server="dns://:${port}",`]
  for (const line of (await registry.metrics()).split('\n')) {
    const [, sample, labels, value] = /^(coredns_(?:dns|cache)_\w+)\{(.*)\} (\S+)$/.exec(line) ?? []
    const label = ours.find((l) => labels?.includes(l))
    if (!label || (sample!.startsWith('coredns_dns_request_duration_seconds') && !sample!.endsWith('_count'))) continue
    out.set(`${sample} {${labels!.replace(label, '')}}`, Number(value))
  }
  return out
}

let id = 0x100
function questionPacket(name: string, type: string, shape: Shape): Buffer {
  const asked = shape.mixedCase ? [...name].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('') : name
  const labels = asked.split('.').flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'latin1')])
  const header = Buffer.alloc(12)
  header.writeUInt16BE(id++ & 0xffff, 0)
  header.writeUInt16BE((shape.rd ? 0x0100 : 0) | (shape.cd ? 0x0010 : 0), 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(shape.edns ? 1 : 0, 10)
  const tail = Buffer.alloc(4)
  tail.writeUInt16BE(TYPES[type]!, 0)
  tail.writeUInt16BE(1, 2)
  const opt = Buffer.alloc(shape.edns ? 11 : 0)
  if (shape.edns) {
    opt.writeUInt16BE(41, 1)
    opt.writeUInt16BE(shape.edns.size, 3)
    opt.writeUInt16BE(shape.edns.dnssecOk ? 0x8000 : 0, 7)
  }
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail, opt])
}

async function exchange(port: number, packet: Buffer, shape: Shape): Promise<Buffer> {
  const reply = shape.tcp ? (await tcpExchange(port, frame(packet), 1))[0]! : await udpExchange(port, packet, 3000)
  if (!reply) throw new Error('no reply')
  expect(reply.readUInt16BE(0)).toBe(packet.readUInt16BE(0))
  return reply
}

/** A reply but its ID, in hex: what must be equal. */
const body = (reply: Buffer): string => reply.subarray(2).toString('hex')

interface Running {
  readonly runtime: Runtime
  readonly port: number
}

async function startRuntime(corefile: string, answerCache: boolean): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-answer-cache-'))
  const path = join(dir, 'Corefile')
  writeFileSync(path, corefile)
  const runtime = new Runtime(path, 'test', { answerCache })
  await runtime.start()
  return { runtime, port: runtime.dns.addresses[0]!.port }
}

/** kubeadm's Corefile, on the test API server and unbound; with `loadbalance` or not. */
const kubeadm = async (api: FakeApiServer, upstream: RunningUnbound, extra: readonly string[] = []): Promise<string> =>
  serverBlock([
    'errors',
    block('kubernetes cluster.local in-addr.arpa ip6.arpa', [`endpoint ${api.url}`, 'pods insecure', 'fallthrough in-addr.arpa ip6.arpa', 'ttl 30']),
    `prometheus 127.0.0.1:${await freePort()}`,
    `forward . 127.0.0.1:${upstream.port}`,
    block('cache 30', ['disable success cluster.local', 'disable denial cluster.local']),
    'loop',
    ...extra,
    // A port of its own: the server label of its metrics tells it from the others.
  ], { port: await freePort() })

let api: FakeApiServer
let upstream: RunningUnbound
const running: Running[] = []
const apis: FakeApiServer[] = []
const start = async (corefile: string, answerCache: boolean): Promise<Running> => {
  const server = await startRuntime(corefile, answerCache)
  running.push(server)
  return server
}

beforeAll(async () => {
  api = await startApiServer([DEMO_CLUSTER, LAB_CLUSTER])
  const records = ['host1.example.com. 300 IN A 192.0.2.1', 'host1.example.com. 300 IN AAAA 2001:db8::1', 'api.payments.example.com. 300 IN A 192.0.2.10']
  upstream = await startUnbound({ zone: 'example.com.', records }, '127.0.0.1', await freePort())
}, 30_000)

afterAll(async () => {
  await Promise.all(running.map((s) => s.runtime.shutdown()))
  await upstream?.stop()
  await Promise.all([api, ...apis].map((a) => a?.close()))
})

/**
 * Waits until the servers' SOA serials agree. A serial is the second of the store's last change, so
 * two servers syncing from one API can differ by one when their syncs straddle a second; then one
 * more change, which both see, is made until they agree.
 */
async function sameSerial(servers: readonly Running[]): Promise<void> {
  const shape = SHAPES[0]!
  const serial = async (server: Running): Promise<number> => {
    const reply = dnsPacket.decode(await exchange(server.port, questionPacket('cluster.local', 'SOA', shape), shape))
    const [soa] = reply.answers ?? []
    return soa?.type === 'SOA' ? soa.data.serial ?? 0 : 0
  }
  for (let change = 0; change < 10; change++) {
    const serials = await Promise.all(servers.map(serial))
    if (serials.every((s) => s === serials[0])) return
    api.cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `serial-${change}` } })
    await sleep(300)
  }
  throw new Error('the servers\' SOA serials never agreed')
}

describe('the answer cache', () => {
  it('replays byte for byte what the chain answers, for every contract case and query shape', async () => {
    const [fast, slow] = await Promise.all([start(await kubeadm(api, upstream), true), start(await kubeadm(api, upstream), false)])
    await sameSerial([fast, slow])
    let replays = 0
    for (const shape of SHAPES) {
      for (const c of CASES) {
        const where = `${c.name} ${c.type} (${shape.label})`
        // Both servers asked at once, so a forwarded answer is kept by both within the same second.
        const both = (asked: Shape): Promise<Buffer[]> => Promise.all([fast, slow].map((s) => exchange(s.port, questionPacket(c.name, c.type, asked), asked)))
        // Kept the first time (kubernetes) or at cache's first hit (the second time); replayed after.
        for (let round = 1; round <= 2; round++) {
          const [fastReply, chainReply] = await both(shape)
          expect(body(fastReply!), `${where}, asked ${round}×`).toBe(body(chainReply!))
        }
        const hitsBefore = await metricSum(HITS)
        const again = shape.againSize ? { ...shape, edns: { ...shape.edns!, size: shape.againSize } } : shape
        const [replay, chain] = await both(again)
        const replayed = (await metricSum(HITS)) - hitsBefore
        expect(body(replay!), `${where}, asked 3×`).toBe(body(chain!))
        // A reply cut to fit (TC) is not kept: the chain cuts it per client.
        const truncated = (chain![2]! & 0x02) !== 0
        expect(replayed, where).toBe(c.replayed && !truncated ? 1 : 0)
        replays += replayed
      }
    }
    expect(replays).toBeGreaterThan(CASES.length * SHAPES.length * 0.8)
  }, 120_000)

  it('serves a change of the store on the very next query', async () => {
    const ownApi = await startApiServer([DEMO_CLUSTER, LAB_CLUSTER])
    apis.push(ownApi)
    const fast = await start(await kubeadm(ownApi, upstream), true)
    const shape = SHAPES[1]!
    const ask = (name: string, type: string): Promise<Buffer> => exchange(fast.port, questionPacket(name, type, shape), shape)
    const address = (reply: Buffer): string => [...reply.subarray(reply.length - 11 - 4, reply.length - 11)].join('.')
    await ask('empty.lab.svc.cluster.local', 'A')
    const hitsBefore = await metricSum(HITS)
    expect(address(await ask('empty.lab.svc.cluster.local', 'A'))).toBe('10.96.50.50')
    expect((await metricSum(HITS)) - hitsBefore).toBe(1)

    // The service becomes dual-stack with a new IPv4 address: its AAAA (kept, NODATA) is asked until
    // the store has the change; then the very next A query, kept before, must show the new address.
    const aaaaCount = async (): Promise<number> => (await ask('empty.lab.svc.cluster.local', 'AAAA')).readUInt16BE(6)
    expect(await aaaaCount()).toBe(0)
    ownApi.cluster.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty', namespace: 'lab' },
      spec: { clusterIP: '10.96.50.51', clusterIPs: ['10.96.50.51', 'fd00:10:96::51'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    })
    expect(await until(aaaaCount, (count) => count === 1)).toBe(1)
    expect(address(await ask('empty.lab.svc.cluster.local', 'A'))).toBe('10.96.50.51')
  }, 30_000)

  it('counts the TTLs of a cached forwarded answer down on every replay, as cache hits', async () => {
    const fast = await start(await kubeadm(api, upstream), true)
    const shape = SHAPES[0]!
    const ttl = (reply: Buffer): number => reply.readUInt32BE(12 + 'host1.example.com'.length + 2 + 4 + 6)
    const ask = (): Promise<Buffer> => exchange(fast.port, questionPacket('host1.example.com', 'A', shape), shape)
    expect(ttl(await ask())).toBe(30)
    // Kept at cache's first hit, replayed from the next question on.
    await ask()
    const before = { replays: await metricSum(HITS), cacheHits: await metricSum('coredns_cache_hits_total', { type: 'success' }) }
    const seen: number[] = []
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100))
      seen.push(ttl(await ask()))
    }
    expect(seen[0]).toBeLessThan(30)
    expect(seen[1]).toBeLessThan(seen[0]!)
    expect((await metricSum(HITS)) - before.replays).toBe(2)
    expect((await metricSum('coredns_cache_hits_total', { type: 'success' })) - before.cacheHits).toBe(2)
  }, 30_000)

  it('shuffles the address records of every replay under loadbalance, as the chain does', async () => {
    const fast = await start(await kubeadm(api, upstream, ['loadbalance']), true)
    const shape = SHAPES[1]!
    const records = (reply: Buffer): string[] => {
      const out: string[] = []
      for (let at = 12 + 'db.shop.svc.cluster.local'.length + 2 + 4; out.length < reply.readUInt16BE(6); at += 16) out.push(reply.subarray(at, at + 16).toString('hex'))
      return out
    }
    const first = records(await exchange(fast.port, questionPacket('db.shop.svc.cluster.local', 'A', shape), shape))
    expect(first).toHaveLength(2)
    const hitsBefore = await metricSum(HITS)
    const orders = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const replayed = records(await exchange(fast.port, questionPacket('db.shop.svc.cluster.local', 'A', shape), shape))
      expect([...replayed].sort()).toEqual([...first].sort())
      orders.add(replayed.join())
    }
    expect((await metricSum(HITS)) - hitsBefore).toBe(40)
    expect(orders.size).toBe(2)
  }, 30_000)

  it('counts every replay in the coredns_dns_* and coredns_cache_* metrics as the chain counts its answer', async () => {
    const [fast, slow] = await Promise.all([start(await kubeadm(api, upstream), true), start(await kubeadm(api, upstream), false)])
    // The loop plugin's probe of itself, counted once per server, first.
    for (const s of [fast, slow]) await until(() => metricSum('coredns_dns_requests_total', { server: serverOf(s), type: 'HINFO' }), (n) => n === 1)
    const before = await Promise.all([fast, slow].map((s) => querySeries(s.port)))
    const shape = SHAPES[1]!
    for (let round = 0; round < 3; round++) {
      for (const c of CASES) await Promise.all([fast, slow].map((s) => exchange(s.port, questionPacket(c.name, c.type, shape), shape)))
    }
    const [fastAfter, slowAfter] = await Promise.all([fast, slow].map((s) => querySeries(s.port)))
    const delta = (after: Map<string, number>, was: Map<string, number>): Record<string, number> => Object.fromEntries([...after].map(([k, v]) => [k, v - (was.get(k) ?? 0)]))
    const fastDelta = delta(fastAfter!, before[0]!)
    expect(fastDelta['coredns_dns_requests_total {zone=".",view="",proto="udp",family="1",type="A"}']).toBeGreaterThan(0)
    expect(fastDelta['coredns_cache_misses_total {zones=".",view=""}']).toBeGreaterThan(0)
    expect(fastDelta).toEqual(delta(slowAfter!, before[1]!))
  }, 30_000)

  it('answers a damaged copy of a kept question as the chain does (the full decoder reads it)', async () => {
    const [fast, slow] = await Promise.all([start(await kubeadm(api, upstream), true), start(await kubeadm(api, upstream), false)])
    await sameSerial([fast, slow])
    const shape = SHAPES[1]!
    const kept = CASES.filter((c) => c.replayed).map((c) => questionPacket(c.name, c.type, shape))
    // Twice: a forwarded answer is kept at cache's first hit.
    for (const packet of [...kept, ...kept]) await Promise.all([fast, slow].map((s) => exchange(s.port, packet, shape)))
    // A fixed seed: the same damage every run.
    let seed = 11
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
    for (let i = 0; i < 300; i++) {
      const damaged = Buffer.from(kept[random(kept.length)]!)
      for (let hits = 1 + random(2); hits > 0; hits--) damaged[2 + random(damaged.length - 2)] = random(256)
      damaged[2]! &= 0x7f // still a query: a response is dropped unread
      const [a, b] = await Promise.all([fast, slow].map((s) => udpExchange(s.port, damaged, 1000)))
      expect(a?.toString('hex'), damaged.toString('hex')).toBe(b?.toString('hex'))
    }
  }, 60_000)

  it('is never used by a block with a plugin that acts on every query (log)', async () => {
    const fast = await start(await kubeadm(api, upstream, ['log']), true)
    const shape = SHAPES[1]!
    await exchange(fast.port, questionPacket('web.shop.svc.cluster.local', 'A', shape), shape)
    const hitsBefore = await metricSum(HITS)
    await exchange(fast.port, questionPacket('web.shop.svc.cluster.local', 'A', shape), shape)
    expect((await metricSum(HITS)) - hitsBefore).toBe(0)
  }, 30_000)
})
