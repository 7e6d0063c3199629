import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { encodeReply } from '../../src/dns/response-encoder.js'
import { decodedQuery } from '../support/raw-client.js'

const label = (text: string): Buffer => Buffer.concat([Buffer.from([text.length]), Buffer.from(text)])
const aRecord = (owner: Buffer, address: number[]): Buffer => Buffer.concat([owner, Buffer.from([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address])])

/**
 * An upstream reply whose OPT record (payload 4096) stands between two additional records, the
 * second one's owner a pointer into the first (`mx` + pointer to `example.org` of `ns.example.org`).
 */
function optInTheMiddle(): Buffer {
  const header = Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 3])
  const question = Buffer.concat([label('x'), label('example'), Buffer.from([0, 0, 1, 0, 1])])
  const answer = aRecord(Buffer.from([0xc0, 12]), [192, 0, 2, 1])
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0])
  const nsAt = header.length + question.length + answer.length + opt.length
  const ns = aRecord(Buffer.concat([label('ns'), label('example'), label('org'), Buffer.from([0])]), [192, 0, 2, 2])
  const mx = aRecord(Buffer.concat([label('mx'), Buffer.from([0xc0, nsAt + 3])]), [192, 0, 2, 3])
  return Buffer.concat([header, question, answer, opt, ns, mx])
}

describe('a relayed OPT record followed by other records', () => {
  it('stays where it stands, edited in place, so names pointing past it stay right', () => {
    const query = decodedQuery('x.example', 'A', 'udp', { edns: true })
    const wire = encodeReply({ ...query, edns: { ...query.edns!, udpSize: 1400 } }, { rcode: 0, authoritative: false, answer: [], authority: [], additional: [], plugin: 'forward', relayed: optInTheMiddle() })
    const reply = dnsPacket.decode(wire)
    expect(reply.flag_tc).toBe(false)
    expect(reply.answers!.map((a) => `${a.name} ${(a as { data: string }).data}`)).toEqual(['x.example 192.0.2.1'])
    const additional = reply.additionals as Array<{ name: string; type: string; data?: string; udpPayloadSize?: number }>
    expect(additional.map((a) => `${a.type} ${a.name} ${a.data ?? a.udpPayloadSize}`)).toEqual(['OPT . 1400', 'A ns.example.org 192.0.2.2', 'A mx.example.org 192.0.2.3'])
  })
})
