import { describe, expect, it } from 'vitest'
import dnsPacket from 'dns-packet'
import { scanTtls } from '../../src/dns/wire-ttls.js'

describe('scanTtls', () => {
  it('finds every TTL but OPT, the smallest answer TTL, and the SOA minimum', () => {
    const wire = dnsPacket.encode({
      type: 'response',
      id: 1,
      questions: [{ name: 'a.example.com', type: 'A' }],
      answers: [
        { name: 'a.example.com', type: 'CNAME', ttl: 300, data: 'b.example.com' },
        { name: 'b.example.com', type: 'A', ttl: 60, data: '192.0.2.1' },
      ],
      authorities: [{ name: 'example.com', type: 'SOA', ttl: 120, data: { mname: 'ns.example.com', rname: 'admin.example.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 30 } }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer],
    })
    const scanned = scanTtls(wire)!
    expect(scanned.offsets.map((o) => wire.readUInt32BE(o))).toEqual([300, 60, 120])
    expect(scanned.minTtl).toBe(60)
    expect(scanned.soa).toEqual({ ttl: 120, minimum: 30 })
  })

  it('refuses a message cut short', () => {
    const wire = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a.example.com', type: 'A' }], answers: [{ name: 'a.example.com', type: 'A', ttl: 5, data: '192.0.2.1' }] })
    expect(scanTtls(wire.subarray(0, wire.length - 2))).toBeNull()
  })
})
