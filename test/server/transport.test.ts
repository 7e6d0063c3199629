import { connect } from 'node:net'
import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { clusterCorefile } from '../support/corefile.js'
import { serverForFile } from '../support/dns-server.js'
import { buildQuery, frame, idOf, rcodeOf, tcpExchange, udpExchange } from '../support/raw-client.js'

const server = serverForFile(clusterCorefile())

const FORMERR = 1
const NOTIMP = 4
const REFUSED = 5
const BIG = 'big.lab.svc.cluster.local' // 60 A records: 1,007 bytes compressed

describe('EDNS0', () => {
  it('echoes an OPT record only when the query has one', async () => {
    const [edns, plain] = await Promise.all([server().ask('web.shop.svc.cluster.local', 'A'), server().ask('web.shop.svc.cluster.local', 'A', { flags: ['+noedns'] })])
    expect(edns.edns).toMatch(/version: 0, flags:; udp: 1232/)
    expect(plain.edns).toBe('')
  })

  it('answers BADVERS to an unknown EDNS version', async () => {
    const reply = await server().ask('web.shop.svc.cluster.local', 'A', { flags: ['+edns=1', '+noednsneg'] })
    expect(reply.status).toBe('BADVERS')
    expect(reply.answer).toEqual([])
  })
})

describe('size limits', () => {
  it('without EDNS a large UDP answer is cut to the whole records that fit, with TC set', async () => {
    const reply = await server().ask(BIG, 'A', { flags: ['+noedns', '+ignore'] })
    expect(reply.flags).toContain('tc')
    // Header 12 + question 31, then 16 bytes an A record (owner a pointer): 29 fit 512, as CoreDNS.
    expect(reply.answer).toHaveLength(29)
  })

  it("honours the client's EDNS payload size", async () => {
    const [small, large] = await Promise.all([
      server().ask(BIG, 'A', { flags: ['+bufsize=512', '+ignore'] }),
      server().ask(BIG, 'A', { flags: ['+bufsize=1232', '+ignore'] }),
    ])
    expect(small.flags).toContain('tc')
    expect(large.flags).not.toContain('tc')
    expect(large.answer).toHaveLength(60)
  })

  it('TCP carries the answer whole, and dig falls back to it on TC', async () => {
    const [tcp, fallback, knot] = await Promise.all([
      server().ask(BIG, 'A', { tcp: true, flags: ['+noedns'] }),
      server().ask(BIG, 'A', { flags: ['+noedns'] }),
      server().ask(BIG, 'A', { tool: 'kdig', tcp: true }),
    ])
    for (const reply of [tcp, fallback, knot]) {
      expect(reply.flags).not.toContain('tc')
      expect(reply.answer).toHaveLength(60)
    }
  })

  it('keeps the records before the cut, the CNAME first', async () => {
    // An ExternalName to `big`: header 12 + question 36 + CNAME 18 = 66, then 16 bytes an A record.
    const query = buildQuery('bigalias.lab.svc.cluster.local', 'A', { id: 7 })
    const reply = dnsPacket.decode((await udpExchange(server().port, query))!)
    expect(reply.flag_tc).toBe(true)
    expect(reply.answers!.map((a) => `${a.type} ${(a as { data?: unknown }).data}`)).toEqual([
      'CNAME big.lab.svc.cluster.local',
      ...Array.from({ length: 27 }, (_, i) => `A 10.20.0.${i + 1}`),
    ])
  })
})

describe('malformed and unusual input', () => {
  it('drops what has no readable header, and responses', async () => {
    expect(await udpExchange(server().port, Buffer.from([1, 2, 3, 4, 5]), 300)).toBeNull()
    const response = buildQuery('web.shop.svc.cluster.local', 'A')
    response[2]! |= 0x80
    expect(await udpExchange(server().port, response, 300)).toBeNull()
  })

  it('answers FORMERR to an unparseable packet with a readable header, echoing the ID', async () => {
    const packet = Buffer.concat([Buffer.from([0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([20, 0x61, 0x62])])
    const reply = (await udpExchange(server().port, packet))!
    expect(idOf(reply)).toBe(0xabcd)
    expect(reply[2]! & 0x80).toBe(0x80)
    expect(rcodeOf(reply)).toBe(FORMERR)
  })

  it('answers FORMERR when QDCOUNT is not 1', async () => {
    const two = dnsPacket.encode({
      type: 'query',
      id: 9,
      questions: [
        { name: 'web.shop.svc.cluster.local', type: 'A' },
        { name: 'db.shop.svc.cluster.local', type: 'A' },
      ],
    })
    expect(rcodeOf((await udpExchange(server().port, two))!)).toBe(FORMERR)
    const none = dnsPacket.encode({ type: 'query', id: 10, questions: [] })
    expect(rcodeOf((await udpExchange(server().port, none))!)).toBe(FORMERR)
  })

  it('answers NOTIMP to other opcodes, REFUSED to other classes and to zone transfers', async () => {
    const status = buildQuery('web.shop.svc.cluster.local', 'A', { flags: 2 << 11 })
    expect(rcodeOf((await udpExchange(server().port, status))!)).toBe(NOTIMP)
    const chaos = buildQuery('version.bind', 'TXT', { klass: 'CH' })
    expect(rcodeOf((await udpExchange(server().port, chaos))!)).toBe(REFUSED)
    const axfr = buildQuery('cluster.local', 'AXFR')
    const [tcpReply] = await tcpExchange(server().port, frame(axfr), 1)
    expect(rcodeOf(tcpReply!)).toBe(REFUSED)
  })

  it('echoes the ID and the question byte for byte, letter case included', async () => {
    const query = buildQuery('wEb.ShOp.SvC.cLuStEr.LoCaL', 'A', { id: 0xbeef })
    const reply = (await udpExchange(server().port, query))!
    expect(idOf(reply)).toBe(0xbeef)
    const questionLength = query.length - 12
    expect(reply.subarray(12, 12 + questionLength)).toEqual(query.subarray(12))
    expect(dnsPacket.decode(reply).answers![0]!.name).toBe('wEb.ShOp.SvC.cLuStEr.LoCaL')
  })

  it('survives random garbage: every reply is a response to its query, and serving goes on', async () => {
    let seed = 42
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    const valid = buildQuery('web.shop.svc.cluster.local', 'A', { edns: true })
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const packet = Buffer.from(valid)
        // Keep the ID, flip bytes after it (sometimes the flags too), sometimes cut the packet short.
        for (let n = 0; n < 1 + Math.floor(random() * 6); n++) packet[2 + Math.floor(random() * (packet.length - 2))] = Math.floor(random() * 256)
        packet.writeUInt16BE(i, 0)
        const cut = random() < 0.3 ? Math.floor(random() * packet.length) : packet.length
        return udpExchange(server().port, packet.subarray(0, cut), 400).then((reply) => ({ i, reply }))
      }),
    )
    for (const { i, reply } of replies) {
      if (reply === null) continue
      expect(idOf(reply)).toBe(i)
      expect(reply[2]! & 0x80).toBe(0x80)
    }
    expect(replies.filter((r) => r.reply !== null).length).toBeGreaterThan(100)
    const after = await server().ask('web.shop.svc.cluster.local', 'A')
    expect(after.answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.100.10'])
  })
})

describe('TCP', () => {
  it('answers several queries sent in one write on one connection', async () => {
    const names = ['web.shop.svc.cluster.local', 'db.shop.svc.cluster.local', 'kubernetes.default.svc.cluster.local']
    const replies = await tcpExchange(server().port, frame(...names.map((n, i) => buildQuery(n, 'A', { id: 100 + i }))), 3)
    expect(replies.map(idOf).sort()).toEqual([100, 101, 102])
    for (const reply of replies) expect(dnsPacket.decode(reply).answers!.length).toBeGreaterThan(0)
  })

  it('reassembles a frame split across writes', async () => {
    const bytes = frame(buildQuery('web.shop.svc.cluster.local', 'A', { id: 55 }))
    const socket = connect(server().port, '127.0.0.1')
    const reply = await new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve)
      socket.on('error', reject)
      socket.write(bytes.subarray(0, 1))
      setTimeout(() => socket.write(bytes.subarray(1, 9)), 50)
      setTimeout(() => socket.write(bytes.subarray(9)), 100)
    })
    socket.destroy()
    expect(reply.readUInt16BE(2)).toBe(55)
  })

  it('a client that sends half a frame holds up no one else', async () => {
    const stalled = connect(server().port, '127.0.0.1')
    await new Promise((resolve) => stalled.once('connect', resolve))
    stalled.write(Buffer.from([0, 60, 0x12]))
    const [tcp, udp] = await Promise.all([
      server().ask('web.shop.svc.cluster.local', 'A', { tcp: true }),
      server().ask('web.shop.svc.cluster.local', 'A'),
    ])
    stalled.destroy()
    expect(tcp.answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.100.10'])
    expect(udp.answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.100.10'])
  })
})
