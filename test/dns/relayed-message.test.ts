import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { RRType } from '../../src/dns/constants.js'
import type { DnsQuery } from '../../src/dns/message.js'
import { rewriteRelayed } from '../../src/dns/relayed-message.js'
import { encodeReply } from '../../src/dns/response-encoder.js'
import { buildQuery, decodedQuery } from '../support/raw-client.js'

/** Records as [name, type, ttl, data] (no OPT record in the sections compared). */
const rows = (records: dnsPacket.Answer[] | undefined): unknown[][] => (records ?? []).map((a) => [a.name, a.type, (a as { ttl?: number }).ttl, (a as { data?: unknown }).data])

const queryFor = (name: string, type: string): DnsQuery => decodedQuery(name, type, 'udp', { edns: true })

describe('rewriteRelayed', () => {
  it('moves a compressed reply to another question: no pointer is left into the old one', () => {
    // Our encoder points every owner name at the question; the question then changes length.
    const asked = queryFor('web.rewritten.example', 'A')
    const upstream = encodeReply(queryFor('web.shop.svc.cluster.local', 'A'), {
      rcode: 0,
      authoritative: true,
      answer: [
        { name: 'web.shop.svc.cluster.local', type: RRType.CNAME, ttl: 30, target: 'pod.shop.svc.cluster.local' },
        { name: 'pod.shop.svc.cluster.local', type: RRType.A, ttl: 20, address: '10.0.0.1' },
      ],
      authority: [],
      additional: [],
      plugin: 'test',
    })
    const back = (name: string): string => (name === 'web.shop.svc.cluster.local' ? asked.name : name)
    const wire = rewriteRelayed(upstream, { questionWire: asked.questionWire, questionName: asked.name, rename: back })!
    const decoded = dnsPacket.decode(wire)
    expect(wire.subarray(0, 4)).toEqual(upstream.subarray(0, 4)) // ID and flags as the upstream set them
    expect(decoded.questions).toEqual([{ name: 'web.rewritten.example', type: 'A', class: 'IN' }])
    expect(rows(decoded.answers)).toEqual([
      ['web.rewritten.example', 'CNAME', 30, 'pod.shop.svc.cluster.local'],
      ['pod.shop.svc.cluster.local', 'A', 20, '10.0.0.1'],
    ])
    expect(decoded.additionals!.map((a) => a.type)).toEqual(['OPT'])
    // Written through the compressing writer: smaller than the same message uncompressed.
    expect(wire.length).toBeLessThan(dnsPacket.encode(decoded).length)
  })

  it('renames names inside MX, SRV and SOA data, copies other data byte for byte, and puts records first', () => {
    const upstream = dnsPacket.encode({
      type: 'response',
      id: 7,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [{ name: 'old.example', type: 'MX' }],
      answers: [
        { name: 'old.example', type: 'MX', ttl: 50, data: { preference: 10, exchange: 'old.example' } },
        { name: 'old.example', type: 'SRV', ttl: 50, data: { priority: 1, weight: 2, port: 53, target: 'old.example' } },
        { name: 'old.example', type: 'HINFO', ttl: 50, data: { cpu: 'old.example', os: 'x' } },
      ],
      authorities: [{ name: 'example', type: 'SOA', ttl: 60, data: { mname: 'old.example', rname: 'admin.example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }],
    })
    const asked = queryFor('new.example', 'MX')
    const wire = rewriteRelayed(upstream, {
      questionWire: asked.questionWire,
      questionName: asked.name,
      rename: (name) => (name === 'old.example' ? 'new.example' : name),
      prepend: (ttl) => [{ name: 'alias.example', type: RRType.CNAME, ttl: ttl ?? 0, target: 'new.example' }],
    })!
    const decoded = dnsPacket.decode(wire)
    expect(rows(decoded.answers)).toEqual([
      ['alias.example', 'CNAME', 50, 'new.example'],
      ['new.example', 'MX', 50, { preference: 10, exchange: 'new.example' }],
      ['new.example', 'SRV', 50, { priority: 1, weight: 2, port: 53, target: 'new.example' }],
      ['new.example', 'HINFO', 50, { cpu: 'old.example', os: 'x' }],
    ])
    expect(rows(decoded.authorities)[0]![3]).toMatchObject({ mname: 'new.example', rname: 'admin.example', minimum: 5 })
  })

  it('refuses a message whose names loop or run past its end', () => {
    const looping = Buffer.from(buildQuery('a.example', 'A'))
    looping.writeUInt16BE(0xc000 | 12, 12) // the question's name points at itself
    expect(rewriteRelayed(looping, { questionWire: Buffer.from([0, 0, 1, 0, 1]), questionName: '' })).toBeNull()
    const upstream = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a.example', type: 'A' }], answers: [{ name: 'a.example', type: 'A', ttl: 5, data: '192.0.2.1' }] })
    expect(rewriteRelayed(upstream.subarray(0, upstream.length - 3), { questionWire: Buffer.from([0, 0, 1, 0, 1]), questionName: '' })).toBeNull()
  })
})
