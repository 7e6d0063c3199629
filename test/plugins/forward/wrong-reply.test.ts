import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'
import { fakeUdpUpstream, type FakeUpstream } from '../../support/fake-upstream.js'
import { startedForAll } from '../../support/lifetimes.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'

// What CoreDNS 1.14's forward does with an upstream's reply that carries the right ID but is not a
// good answer: one to another question (request.Match fails) is answered FORMERR and no other
// upstream is asked; one miekg/dns cannot read is an error of that upstream (the next is asked);
// one that ends early over UDP becomes an empty reply with TC (proxy's truncateResponse).

const backup = startedForAll(
  async () => startUnbound({ zone: 'example.org.', records: ['api.example.org. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { logQueries: true }),
  (u) => u.stop(),
)
const backupAsked = (): number => backup().queries().filter((q) => q === 'api.example.org. A').length
const startServer = serverForEach()

let fake: FakeUpstream | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

/** A good reply to `query`: two A records (owners are pointers to the question). */
function goodReply(wire: Buffer): Buffer {
  const q = dnsPacket.decode(wire)
  const name = q.questions![0]!.name
  const answers = ['192.0.2.1', '192.0.2.2'].map((data) => ({ name, type: 'A' as const, ttl: 60, data }))
  return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers })
}

/** A server forwarding first to a fake upstream answering `reply(query)`, then to unbound. */
async function serverWith(reply: (query: Buffer) => Buffer, backupToo = true): Promise<Awaited<ReturnType<typeof startServer>>> {
  fake = await fakeUdpUpstream((query) => [reply(query)])
  const to = `127.0.0.1:${fake.port}${backupToo ? ` ${backup().address}:${backup().port}` : ''}`
  return startServer(serverBlock(['errors', block(`forward . ${to}`, ['policy sequential', 'read_timeout 500ms'])]))
}

describe('forward and a wrong reply with the right ID, as CoreDNS', () => {
  it('a reply to another question is answered FORMERR, and the next upstream is not asked', async () => {
    const server = await serverWith((query) => {
      const other = dnsPacket.decode(goodReply(query))
      return dnsPacket.encode({ ...other, questions: [{ name: 'evil.example.net', type: 'A' }] } as dnsPacket.Packet)
    })
    const asked = backupAsked()
    const reply = await server.ask('api.example.org', 'A')
    expect(reply.status).toBe('FORMERR')
    expect(reply.answer).toEqual([])
    expect(fake!.queries).toHaveLength(1)
    expect(backupAsked()).toBe(asked)
  })

  it('a "reply" without QR (the query sent back) is answered FORMERR too', async () => {
    const server = await serverWith((query) => query)
    const asked = backupAsked()
    expect((await server.ask('api.example.org', 'A')).status).toBe('FORMERR')
    expect(backupAsked()).toBe(asked)
  })

  it('a reply that cannot be read (a label type 01 owner) is that upstream\'s error: the next is asked; alone, SERVFAIL', async () => {
    const unreadable = (query: Buffer): Buffer => {
      const reply = goodReply(query)
      // The first answer's owner (written whole, after the question: header, name, type and class)
      // starts with 0x41: label type 01, which nobody reads.
      reply[12 + dnsPacket.decode(query).questions![0]!.name.length + 2 + 4] = 0x41
      return reply
    }
    let server = await serverWith(unreadable)
    const asked = backupAsked()
    const reply = await server.ask('api.example.org', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual(['api.example.org. 300 IN A 192.0.2.80'])
    expect(backupAsked()).toBe(asked + 1)
    await server.stop()
    await fake!.close()

    server = await serverWith(unreadable, false)
    logLines.length = 0
    expect((await server.ask('api.example.org', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    expect(logLines).toContain('[ERROR] plugin/errors: 2 api.example.org. A: dns: bad rdata')
  })

  it('a UDP reply that ends before its counts say becomes an empty reply with TC (the client asks over TCP)', async () => {
    // Two A records announced, the second cut off.
    const server = await serverWith((query) => goodReply(query).subarray(0, -16))
    const asked = backupAsked()
    const reply = await server.ask('api.example.org', 'A', { flags: ['+ignore'] })
    expect(reply.status).toBe('NOERROR')
    expect(reply.flags).toContain('tc')
    expect(reply.answer).toEqual([])
    expect(backupAsked()).toBe(asked)
  })
})
