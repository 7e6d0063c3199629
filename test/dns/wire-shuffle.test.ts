import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { RRType } from '../../src/dns/constants.js'
import type { ResourceRecord } from '../../src/dns/message.js'
import { encodeReply } from '../../src/dns/response-encoder.js'
import { shuffleAddressRecords } from '../../src/dns/wire-shuffle.js'
import { decodedQuery } from '../support/raw-client.js'

const addresses = (wire: Buffer): string[] => dnsPacket.decode(wire).answers!.filter((a) => a.type === 'A').map((a) => (a as { data: string }).data)

describe('shuffling address records in wire form', () => {
  it('reorders A records compressed against the question, keeping the CNAME first and the message valid', () => {
    const records: ResourceRecord[] = [
      { name: 'alias.example.com', type: RRType.CNAME, ttl: 5, target: 'web.example.com' },
      ...Array.from({ length: 8 }, (_, i): ResourceRecord => ({ name: 'web.example.com', type: RRType.A, ttl: 5, address: `192.0.2.${i + 1}` })),
    ]
    const wire = encodeReply(decodedQuery('alias.example.com', 'A', 'tcp'), { rcode: 0, authoritative: true, answer: records, authority: [], additional: [], plugin: 't' })
    const before = addresses(wire)
    let seed = 7
    const moved = Buffer.from(wire)
    expect(shuffleAddressRecords(moved, () => ((seed = (seed * 16807) % 2147483647) / 2147483647))).toBe(true)
    const decoded = dnsPacket.decode(moved)
    expect(decoded.answers![0]!.type).toBe('CNAME')
    expect(addresses(moved)).not.toEqual(before)
    expect([...addresses(moved)].sort()).toEqual([...before].sort())
  })

  it('leaves alone records whose owner is written out in full', () => {
    const wire = dnsPacket.encode({
      type: 'response',
      id: 1,
      questions: [{ name: 'web.example.com', type: 'A' }],
      answers: [1, 2, 3].map((i) => ({ name: 'web.example.com', type: 'A' as const, ttl: 5, data: `192.0.2.${i}` })),
    })
    const copy = Buffer.from(wire)
    expect(shuffleAddressRecords(copy)).toBe(false)
    expect(copy).toEqual(wire)
  })
})
