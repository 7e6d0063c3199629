import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { RRType } from '../../src/dns/constants.js'
import type { ResourceRecord } from '../../src/dns/message.js'
import { encodeReply } from '../../src/dns/response-encoder.js'
import { decodedQuery } from '../support/raw-client.js'

const aRecords = (name: string, count: number): ResourceRecord[] =>
  Array.from({ length: count }, (_, i) => ({ name, type: RRType.A, ttl: 5, address: `10.0.0.${i + 1}` }))

const reply = (answer: ResourceRecord[], additional: ResourceRecord[] = []) => ({
  rcode: 0,
  authoritative: true,
  answer,
  authority: [],
  additional,
  plugin: 'test',
})

describe('encodeReply', () => {
  it('compresses names: ten A records for a service are 207 bytes, as CoreDNS sends them', () => {
    const name = 'web.default.svc.cluster.local'
    const wire = encodeReply(decodedQuery(name, 'A'), reply(aRecords(name, 10)))
    expect(wire.length).toBe(207)
    const decoded = dnsPacket.decode(wire)
    expect(decoded.answers!.map((a) => [a.name, (a as { data?: unknown }).data])).toEqual(aRecords(name, 10).map((r) => [name, (r as { address: string }).address]))
    // dns-packet's own encoder writes every name in full.
    expect(dnsPacket.encode(decoded).length).toBe(497)
  })

  it('round-trips every record type it writes, through pointers into rdata', () => {
    const name = 'x.cluster.local'
    const records: ResourceRecord[] = [
      { name, type: RRType.CNAME, ttl: 1, target: 'web.shop.svc.cluster.local' },
      { name: 'web.shop.svc.cluster.local', type: RRType.AAAA, ttl: 2, address: 'fd00:10:96::100' },
      { name, type: RRType.SRV, ttl: 3, priority: 0, weight: 50, port: 80, target: 'web.shop.svc.cluster.local' },
      { name, type: RRType.TXT, ttl: 4, texts: ['1.1.0', 'x'.repeat(300)] },
      { name: 'cluster.local', type: RRType.SOA, ttl: 5, mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
      { name: 'cluster.local', type: RRType.NS, ttl: 6, target: 'ns.dns.cluster.local' },
    ]
    const decoded = dnsPacket.decode(encodeReply(decodedQuery(name, 'A'), reply(records), 65535))
    const answers = decoded.answers as Array<{ name: string; type: string; ttl: number; data: unknown }>
    expect(answers.map((a) => [a.name, a.type, a.ttl])).toEqual(records.map((r) => [r.name, Object.keys(RRType).find((k) => RRType[k as keyof typeof RRType] === r.type), r.ttl]))
    expect(answers[1]!.data).toBe('fd00:10:96::100')
    expect(answers[2]!.data).toMatchObject({ priority: 0, weight: 50, port: 80, target: 'web.shop.svc.cluster.local' })
    expect((answers[3]!.data as Buffer[]).map(String)).toEqual(['1.1.0', 'x'.repeat(255), 'x'.repeat(45)])
    expect(answers[4]!.data).toMatchObject({ mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, minimum: 5 })
  })

  it('truncates to whole records as miekg/dns Msg.Truncate does, keeps the OPT record, and sets TC', () => {
    const name = 'big.lab.svc.cluster.local'
    const records: ResourceRecord[] = [{ name, type: RRType.CNAME, ttl: 5, target: 'b.lab.svc.cluster.local' }, ...aRecords('b.lab.svc.cluster.local', 40)]
    const wire = encodeReply(decodedQuery(name, 'A', 'udp', { edns: true }), reply(records), 512)
    expect(wire.length).toBeLessThanOrEqual(512)
    const decoded = dnsPacket.decode(wire)
    expect(decoded.flag_tc).toBe(true)
    // Header 12 + question 31 + CNAME 16 (owner and `lab…` pointers) = 59; each A 16 (owner a
    // pointer into the CNAME's data); 512 less the OPT's 11: 27 A records fit.
    expect(decoded.answers!.map((a) => a.type)).toEqual(['CNAME', ...Array<string>(27).fill('A')])
    expect(decoded.additionals!.map((a) => a.type)).toEqual(['OPT'])
  })

  it('sets TC when only additional records are left out, keeping those that fit', () => {
    const name = 'x.lab.svc.cluster.local'
    const targets = Array.from({ length: 12 }, (_, i) => `t${i}.lab.svc.cluster.local`)
    const srv: ResourceRecord[] = targets.map((target) => ({ name, type: RRType.SRV, ttl: 5, priority: 0, weight: 8, port: 80, target }))
    const wire = encodeReply(decodedQuery(name, 'SRV'), reply(srv, targets.map((t) => aRecords(t, 1)[0]!)), 512)
    const decoded = dnsPacket.decode(wire)
    expect(decoded.flag_tc).toBe(true)
    // Header 12 + question 29; each SRV 2 + 10 + 6 + its target written whole (26) = 44: 12 SRV end
    // at 569 > 512, so 10 fit (481) and no additional record after them (CoreDNS stops at the first
    // record that does not fit).
    expect(decoded.answers).toHaveLength(10)
    expect(decoded.additionals).toEqual([])
    const eight = dnsPacket.decode(encodeReply(decodedQuery(name, 'SRV'), reply(srv.slice(0, 8), targets.slice(0, 8).map((t) => aRecords(t, 1)[0]!)), 512))
    // 8 SRV end at 393; each A is 16 (its owner a pointer to the SRV's target): 7 of 8 fit.
    expect(eight.flag_tc).toBe(true)
    expect(eight.answers).toHaveLength(8)
    expect(eight.additionals).toHaveLength(7)
  })
})
