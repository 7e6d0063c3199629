import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { fakeUdpUpstream, type FakeUpstream } from '../../support/fake-upstream.js'
import { metricSum } from '../../support/metrics.js'
import { buildQuery, idOf, udpExchange } from '../../support/raw-client.js'
import { unboundForFile } from '../../support/unbound.js'

// CoreDNS 1.14's forward (forward.go, pkg/proxy/connect.go) sends the client's query as it is, over
// the client's transport, and gives a truncated reply back to the client, which asks again over
// TCP; only with prefer_udp does it ask again over TCP itself.

const TXT = Array.from({ length: 6 }, (_, i) => `"${String(i).repeat(100)}"`)
const ADDRESSES = Array.from({ length: 80 }, (_, i) => `10.20.1.${100 + i}`)
const upstream = unboundForFile({
  zone: 'example.com.',
  records: [...TXT.map((t) => `big.example.com. 300 IN TXT ${t}`), ...ADDRESSES.map((a) => `many.example.com. 300 IN A ${a}`)],
})
const to = (): string => `${upstream().address}:${upstream().port}`
const startServer = serverForEach()
/** TCP connections forward opened to the upstream (its connection cache's misses). */
const tcpDials = (): Promise<number> => metricSum('coredns_proxy_conn_cache_misses_total', { to: to(), proto: 'tcp' })

describe('forward and truncation, as CoreDNS', () => {
  it('passes a truncated UDP reply back to the client; the client asks again over TCP, and so does forward', async () => {
    const server = await startServer(serverBlock([`forward . ${to()}`]))
    const dials = await tcpDials()
    const truncated = await server.ask('big.example.com', 'TXT', { flags: ['+noedns', '+ignore'] })
    // unbound's own truncation (it was asked without EDNS, as the client asked): TC, no records.
    expect(truncated.status).toBe('NOERROR')
    expect(truncated.flags).toContain('tc')
    expect(truncated.answer).toEqual([])
    expect(await tcpDials()).toBe(dials)
    // dig without +ignore asks again over TCP; its TCP query goes upstream over TCP.
    const whole = await server.ask('big.example.com', 'TXT', { flags: ['+noedns'] })
    expect(whole.answer).toHaveLength(6)
    expect(whole.flags).not.toContain('tc')
    expect(await tcpDials()).toBe(dials + 1)
  })

  it('prefer_udp: forward itself asks again over TCP, and the whole answer is cut for the UDP client', async () => {
    const server = await startServer(serverBlock([block(`forward . ${to()}`, ['prefer_udp'])]))
    const dials = await tcpDials()
    const reply = await server.ask('big.example.com', 'TXT', { flags: ['+noedns', '+ignore'] })
    expect(await tcpDials()).toBe(dials + 1)
    // As CoreDNS's scrub writer: the records that fit 512 bytes (header 12 + question 21, each TXT 113: 4), TC.
    expect(reply.flags).toContain('tc')
    expect(reply.answer).toHaveLength(4)
  })

  it('asks with the client\'s payload size: unbound truncates for +bufsize=700 itself', async () => {
    const server = await startServer(serverBlock([`forward . ${to()}`]))
    const dials = await tcpDials()
    const reply = await server.ask('many.example.com', 'A', { flags: ['+bufsize=700', '+ignore'] })
    expect(reply.flags).toContain('tc')
    expect(reply.answer).toEqual([])
    expect(reply.edns).toMatch(/udp: 700/)
    // The 80 A records (about 1.3 KB) fit a +bufsize=4096 client's: the whole answer over UDP.
    const bigger = await server.ask('many.example.com', 'A', { flags: ['+bufsize=4096', '+ignore'] })
    expect(bigger.flags).not.toContain('tc')
    expect(bigger.answer).toHaveLength(80)
    expect(await tcpDials()).toBe(dials)
  })
})

describe('the query forward sends upstream, as CoreDNS', () => {
  let fake: FakeUpstream | undefined
  afterEach(async () => {
    await fake?.close()
    fake = undefined
  })

  /** An upstream that answers every query with an A record, and keeps what it got. */
  async function recordingUpstream(): Promise<FakeUpstream> {
    fake = await fakeUdpUpstream((wire) => {
      const q = dnsPacket.decode(wire)
      const name = q.questions![0]!.name
      return [dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ name, type: 'A', ttl: 60, data: '192.0.2.1' }] })]
    })
    return fake
  }

  it('the client\'s header flags, OPT record and payload size (or none), with a fresh ID', async () => {
    const fake = await recordingUpstream()
    const server = await startServer(serverBlock([`forward . 127.0.0.1:${fake.port}`]))
    const opt = (q: dnsPacket.Packet): dnsPacket.Answer | undefined => q.additionals?.find((r) => r.type === 'OPT')

    expect((await server.ask('plain.example.org', 'A', { flags: ['+noedns'] })).answer).toEqual(['plain.example.org. 60 IN A 192.0.2.1'])
    const plain = dnsPacket.decode(fake.queries.at(-1)!)
    expect(plain.additionals).toEqual([])

    await server.ask('sized.example.org', 'A', { flags: ['+bufsize=700', '+dnssec'] })
    const sized = opt(dnsPacket.decode(fake.queries.at(-1)!)) as { udpPayloadSize: number; flags: number } | undefined
    expect(sized?.udpPayloadSize).toBe(700)
    expect(sized!.flags & dnsPacket.DNSSEC_OK).toBe(dnsPacket.DNSSEC_OK)

    // AD and CD as the client set them; the upstream sees another ID, the client gets its own back.
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA | dnsPacket.CHECKING_DISABLED
    const reply = await udpExchange(server.port, buildQuery('flags.example.org', 'A', { id: 0x4242, flags }), 2000)
    const sent = fake.queries.at(-1)!
    expect(sent.readUInt16BE(2)).toBe(flags)
    expect(idOf(sent)).not.toBe(0x4242)
    expect(idOf(reply!)).toBe(0x4242)
  })
})
