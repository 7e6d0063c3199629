import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { block, kubernetes, serverBlock } from '../support/corefile.js'
import { startServer } from '../support/dns-server.js'
import { startedForAll } from '../support/lifetimes.js'
import { metricSum } from '../support/metrics.js'
import { unboundForFile } from '../support/unbound.js'

// A UDP reply that does not fit is cut as CoreDNS's scrub writer cuts it (miekg/dns Msg.Truncate):
// as many whole records as fit the client's size (512 at least) less the OPT record, answer section
// first, then authority, then additional; TC set. The counts below are worked out the way miekg
// measures a compressed message: header 12, the question (a name of N characters is N + 2 bytes, then
// type and class), each A record 16 bytes (its owner a 2-byte pointer to the question, 10 bytes of
// type, class, TTL and length, 4 of address).

const HEADER = 12
const OPT = 11
const A_RECORD = 2 + 10 + 4
const questionSize = (name: string): number => name.length + 2 + 4
/** How many A records of `name` fit `size` bytes after an OPT record of `opt` bytes. */
const aRecordsFitting = (name: string, size: number, opt = 0): number => Math.floor((size - opt - HEADER - questionSize(name)) / A_RECORD)

// 80 endpoints with three-digit last octets, so every SRV target is the same length.
const ADDRESSES = Array.from({ length: 80 }, (_, i) => `10.20.1.${100 + i}`)
const dir = mkdtempSync(join(tmpdir(), 'clusterdns-truncation-'))
const MANIFEST = join(dir, 'wide.yaml')
writeFileSync(
  MANIFEST,
  `apiVersion: v1
kind: Namespace
metadata: { name: wide }
---
apiVersion: v1
kind: Service
metadata: { name: pods, namespace: wide }
spec: { clusterIP: None, ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: pods-1
  namespace: wide
  labels: { kubernetes.io/service-name: pods }
addressType: IPv4
endpoints: [${ADDRESSES.map((a) => `{ addresses: [${a}] }`).join(', ')}]
ports: [{ name: http, port: 80, protocol: TCP }]
`,
)
const HEADLESS = 'pods.wide.svc.cluster.local'
const FORWARDED = 'many.example.com'

const upstream = unboundForFile({ zone: 'example.com.', records: ADDRESSES.map((a) => `${FORWARDED}. 300 IN A ${a}`) })
// force_tcp: forward sends the client's query as it is (CoreDNS), so over UDP unbound would cut the
// reply itself (TC, no records: coredns-transport.test.ts); over TCP it comes whole and is cut here.
const directives = (): string[] => [block(`forward example.com ${upstream().address}:${upstream().port}`, ['force_tcp']), kubernetes([`manifests ${MANIFEST}`])]
const server = startedForAll(() => startServer(serverBlock(directives())), (s) => s.stop())
const cached = startedForAll(() => startServer(serverBlock(['cache', ...directives()])), (s) => s.stop())

describe('our own answer, cut to the whole records that fit', () => {
  it('an 80-endpoint headless Service over +noedns: 29 A records, as CoreDNS', async () => {
    const reply = await server().ask(HEADLESS, 'A', { flags: ['+noedns', '+ignore'] })
    expect(reply.flags).toContain('tc')
    // 512 - 12 - 33 = 467 bytes: 29 records of 16.
    expect(aRecordsFitting(HEADLESS, 512)).toBe(29)
    expect(reply.answer).toHaveLength(29)
    expect(reply.edns).toBe('')
    // Over TCP all 80, without TC.
    const tcp = await server().ask(HEADLESS, 'A', { tcp: true, flags: ['+noedns'] })
    expect(tcp.flags).not.toContain('tc')
    expect(tcp.answer).toHaveLength(80)
  })

  it('over +bufsize=512 the OPT record takes its 11 bytes first: 28', async () => {
    const reply = await server().ask(HEADLESS, 'A', { flags: ['+bufsize=512', '+ignore'] })
    expect(reply.flags).toContain('tc')
    expect(reply.answer).toHaveLength(aRecordsFitting(HEADLESS, 512, OPT))
    expect(reply.answer).toHaveLength(28)
    expect(reply.edns).toMatch(/udp: 512/)
  })

  it('SRV alike: as many SRV records as fit, and no additional record after the cut', async () => {
    const name = `_http._tcp.${HEADLESS}`
    // Each SRV: owner pointer 2 + 10 + priority, weight, port 6 + its target written whole (RFC
    // 2782), `10-20-1-1NN.pods.wide.svc.cluster.local` = 41 bytes: 59.
    const srv = 2 + 10 + 6 + (`10-20-1-100.${HEADLESS}`.length + 2)
    expect(srv).toBe(59)
    const fitting = (size: number): number => Math.floor((size - HEADER - questionSize(name)) / srv)
    const [noEdns, edns] = await Promise.all([
      server().ask(name, 'SRV', { flags: ['+noedns', '+ignore'] }),
      server().ask(name, 'SRV', { flags: ['+bufsize=1232', '+ignore'] }),
    ])
    expect(noEdns.flags).toContain('tc')
    expect(noEdns.answer).toHaveLength(fitting(512))
    expect(noEdns.answer).toHaveLength(7)
    expect(noEdns.additional).toEqual([])
    expect(edns.flags).toContain('tc')
    expect(edns.answer).toHaveLength(fitting(1232 - OPT))
    expect(edns.answer).toHaveLength(19)
    expect(edns.additional).toEqual([])
    for (const record of noEdns.answer) expect(record).toMatch(/^_http\._tcp\.pods\.wide\.svc\.cluster\.local\. 5 IN SRV 0 1 80 10-20-1-1\d\d\.pods\.wide\.svc\.cluster\.local\.$/)
  })
})

describe('a relayed answer, cut the same way', () => {
  it('a large forwarded reply from unbound over +noedns: 29 of its 80 A records', async () => {
    const reply = await server().ask(FORWARDED, 'A', { flags: ['+noedns', '+ignore'] })
    expect(reply.status).toBe('NOERROR')
    expect(reply.flags).toContain('tc')
    // 512 - 12 - 22 = 478 bytes: 29 records of 16 (unbound's owner names are pointers too).
    expect(reply.answer).toHaveLength(aRecordsFitting(FORWARDED, 512))
    expect(reply.answer).toHaveLength(29)
    for (const record of reply.answer) expect(ADDRESSES).toContain(record.split(' ')[4])
  })

  it('over +bufsize=700 the OPT record is the client\'s size, and 40 records fit', async () => {
    const reply = await server().ask(FORWARDED, 'A', { flags: ['+bufsize=700', '+ignore'] })
    expect(reply.flags).toContain('tc')
    expect(reply.answer).toHaveLength(aRecordsFitting(FORWARDED, 700, OPT))
    expect(reply.answer).toHaveLength(40)
    expect(reply.edns).toMatch(/udp: 700/)
  })

  it('a cached answer, kept whole from a TCP query, is cut for a UDP client', async () => {
    for (const name of [FORWARDED, HEADLESS]) {
      const whole = await cached().ask(name, 'A', { tcp: true, flags: ['+noedns'] })
      expect(whole.answer, name).toHaveLength(80)
      const hits = await metricSum('coredns_cache_hits_total')
      const reply = await cached().ask(name, 'A', { flags: ['+noedns', '+ignore'] })
      expect(await metricSum('coredns_cache_hits_total'), name).toBe(hits + 1)
      expect(reply.flags, name).toContain('tc')
      expect(reply.answer, name).toHaveLength(aRecordsFitting(name, 512))
    }
  })
})
