import dnsPacket from 'dns-packet'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalIP } from '../../src/dns/address.js'
import { answerRecords } from '../../src/dns/answer-records.js'
import { RRType } from '../../src/dns/constants.js'
import { emptyReply, type DnsQuery, type Reply, type ResourceRecord } from '../../src/dns/message.js'
import { labelText, nameWire, splitName } from '../../src/dns/names.js'
import { decodeQuery } from '../../src/dns/query-decoder.js'
import { encodeReply, replySizeLimit } from '../../src/dns/response-encoder.js'
import { readName, skipName } from '../../src/dns/wire-ttls.js'

const RUNS = { numRuns: 1500 }

/** Labels as the wire may carry them: cluster-like text, any letters, or any bytes at all. */
const label = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((s) => Buffer.from(s)),
  fc.stringMatching(/^[A-Za-z._\\ -]{1,12}$/).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 1, maxLength: 63 }).map((b) => Buffer.from(b)),
)
const labels = fc.array(label, { maxLength: 6 }).filter((ls) => ls.reduce((n, l) => n + 1 + l.length, 1) <= 255)
const wireOf = (ls: readonly Buffer[]): Buffer => Buffer.concat([...ls.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])])
const textOf = (ls: readonly Buffer[]): string => ls.map((l) => labelText(l, 0, l.length)).join('.')
const name = labels.map(textOf)

/** A query packet asking for `ls` byte for byte, with or without an OPT record. */
function queryPacket(ls: readonly Buffer[], type: number, udpSize: number | null): Buffer {
  const header = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, udpSize === null ? 0 : 1])
  const opt = udpSize === null ? Buffer.alloc(0) : Buffer.from([0, 0, 41, udpSize >> 8, udpSize & 0xff, 0, 0, 0, 0, 0, 0])
  return Buffer.concat([header, wireOf(ls), Buffer.from([type >> 8, type & 0xff, 0, 1]), opt])
}

const query = fc
  .record({ ls: labels, type: fc.constantFrom(1, 5, 16, 28, 33), udpSize: fc.option(fc.integer({ min: 0, max: 4096 })), tcp: fc.boolean() })
  .map(({ ls, type, udpSize, tcp }) => {
    const intake = decodeQuery(queryPacket(ls, type, udpSize), tcp ? 'tcp' : 'udp', '127.0.0.1')
    if (!intake || !('query' in intake)) throw new Error('a well-formed query did not decode')
    return { ls, query: intake.query }
  })

const u16 = fc.integer({ min: 0, max: 0xffff })
const ttl = fc.integer({ min: 0, max: 0xffffffff })
const rdata = fc.oneof(
  fc.record({ type: fc.constant(RRType.A), address: fc.ipV4() }),
  fc.record({ type: fc.constant(RRType.AAAA), address: fc.ipV6().map((a) => canonicalIP(a)!) }),
  fc.record({ type: fc.constantFrom(RRType.CNAME, RRType.PTR, RRType.NS), target: name }),
  fc.record({ type: fc.constant(RRType.SRV), priority: u16, weight: u16, port: u16, target: name }),
  fc.record({ type: fc.constant(RRType.SOA), mname: name, rname: name, serial: ttl, refresh: ttl, retry: ttl, expire: ttl, minimum: ttl }),
  fc.record({ type: fc.constant(RRType.TXT), texts: fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 3 }) }),
)
const record = fc.record({ name, ttl, rdata }).map(({ name, ttl, rdata }) => ({ name, ttl, ...rdata }) as ResourceRecord)
const reply = fc
  .record({ rcode: fc.integer({ min: 0, max: 23 }), answer: fc.array(record, { maxLength: 8 }), authority: fc.array(record, { maxLength: 3 }), additional: fc.array(record, { maxLength: 3 }) })
  .map((r): Reply => ({ ...r, authoritative: true, plugin: 'test' }))

/** Every name in a record's rdata, in wire order. */
function rdataNames(r: ResourceRecord): string[] {
  if (r.type === RRType.SOA) return [r.mname, r.rname]
  return 'target' in r ? [r.target] : []
}

/** Every name of a message in order (owners and the names in rdata), read back label-exact. */
function namesIn(wire: Buffer): string[] {
  const names: string[] = []
  let offset = skipName(wire, 12) + 4
  const records = wire.readUInt16BE(6) + wire.readUInt16BE(8) + wire.readUInt16BE(10)
  for (let i = 0; i < records; i++) {
    const owner = readName(wire, offset)!
    const type = wire.readUInt16BE(owner.end)
    const at = owner.end + 10
    if (type !== RRType.OPT) names.push(owner.name)
    if (type === RRType.CNAME || type === RRType.PTR || type === RRType.NS) names.push(readName(wire, at)!.name)
    if (type === RRType.SRV) names.push(readName(wire, at + 6)!.name)
    if (type === RRType.SOA) {
      const mname = readName(wire, at)!
      names.push(mname.name, readName(wire, mname.end)!.name)
    }
    offset = at + wire.readUInt16BE(owner.end + 8)
  }
  return names
}

describe('codec properties', () => {
  it('a name round-trips label-exact: wire → decoder → presentation → wire', () => {
    fc.assert(
      fc.property(query, ({ ls, query }) => {
        expect(nameWire(query.name)).toEqual(wireOf(ls))
        expect(splitName(query.name)).toHaveLength(ls.length)
        expect(query.questionWire.subarray(0, -4)).toEqual(wireOf(ls))
      }),
      RUNS,
    )
  })

  it('every reply we build parses, and whole replies carry every name label-exact', () => {
    fc.assert(
      fc.property(query, reply, ({ query }, reply) => {
        const whole: DnsQuery = { ...query, transport: 'tcp' }
        const wire = encodeReply(whole, reply)
        const decoded = dnsPacket.decode(wire)
        expect(decoded.id).toBe(query.id)
        expect(wire.subarray(12, 12 + query.questionWire.length)).toEqual(query.questionWire)
        const sections = [reply.answer, reply.authority, reply.additional]
        expect(namesIn(wire)).toEqual(sections.flat().flatMap((r) => [r.name, ...rdataNames(r)]))
        expect(answerRecords({ ...reply, relayed: wire })).toEqual(reply.answer.filter((r) => [RRType.A, RRType.AAAA, RRType.CNAME, RRType.TXT].includes(r.type as 1)))
      }),
      RUNS,
    )
  })

  it('a reply cut to the client’s size parses, fits, and keeps OPT for EDNS clients, ours or relayed', () => {
    fc.assert(
      fc.property(query, reply, ({ query }, reply) => {
        const relayed = encodeReply({ ...query, transport: 'tcp' }, reply)
        for (const wire of [encodeReply(query, reply), encodeReply(query, { ...reply, relayed })]) {
          const decoded = dnsPacket.decode(wire)
          expect(wire.length).toBeLessThanOrEqual(replySizeLimit(query))
          expect((decoded.additionals ?? []).some((r) => r.type === 'OPT')).toBe(query.edns !== null)
        }
      }),
      RUNS,
    )
  })

  it('any bytes decode to a query, a rejection or nothing, and the answer to it parses', () => {
    const valid = queryPacket([Buffer.from('web'), Buffer.from('shop')], 1, 1232)
    const packets = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      // A valid query with a few bytes changed: past the header checks more often than noise is.
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
        const packet = Buffer.from(valid)
        for (const [at, value] of edits) packet[at] = value
        return packet
      }),
    )
    fc.assert(
      fc.property(packets, fc.boolean(), (packet, tcp) => {
        const intake = decodeQuery(packet, tcp ? 'tcp' : 'udp', '127.0.0.1')
        if (intake === null) {
          expect(packet.length < 12 || (packet[2]! & 0x80) !== 0).toBe(true)
          return
        }
        const [q, rcode] = 'query' in intake ? [intake.query, 0] : [intake.rejection.query, intake.rejection.rcode]
        const decoded = dnsPacket.decode(encodeReply(q, emptyReply(rcode, '')))
        expect(decoded.id).toBe(packet.readUInt16BE(0))
      }),
      { numRuns: 3000 },
    )
  })
})
