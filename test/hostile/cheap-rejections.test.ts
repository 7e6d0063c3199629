import dnsPacket from 'dns-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterCorefile } from '../support/corefile.js'
import { startServer, type RunningServer } from '../support/dns-server.js'
import { idOf, rcodeOf, udpExchange } from '../support/raw-client.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer(clusterCorefile())
})
afterAll(() => server.stop())

const FORMERR = 1
const A_RECORD = (name: string) => ({ name, type: 'A' as const, ttl: 5, data: '192.0.2.1' })

/**
 * What the header says decides first, as in CoreDNS (miekg/dns's accept rule): one question, at most
 * one answer and one authority record, two additional. The cost of a packet claiming 65,535 of
 * each is measured by `npm run bench:decode`.
 */
describe('queries that claim more records than a query holds are FORMERR from the header', () => {
  it('a 12-byte packet with every count at 65,535', async () => {
    const reply = await udpExchange(server.port, Buffer.from([0xab, 0xcd, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    expect(idOf(reply!)).toBe(0xabcd)
    expect(rcodeOf(reply!)).toBe(FORMERR)
    expect(reply!.length).toBe(12)
  })

  it('a well-formed query carrying two answer records, or three additional ones', async () => {
    const name = 'web.shop.svc.cluster.local'
    const base = { type: 'query' as const, id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' as const }] }
    const twoAnswers = dnsPacket.encode({ ...base, answers: [A_RECORD('a.example'), A_RECORD('b.example')] })
    const threeAdditional = dnsPacket.encode({ ...base, additionals: [A_RECORD('a.example'), A_RECORD('b.example'), A_RECORD('c.example')] })
    for (const packet of [twoAnswers, threeAdditional]) {
      const reply = await udpExchange(server.port, packet)
      expect(rcodeOf(reply!)).toBe(FORMERR)
    }
    // One of each is still a query, answered.
    const oneEach = dnsPacket.encode({ ...base, answers: [A_RECORD('a.example')], authorities: [A_RECORD('b.example')], additionals: [A_RECORD('c.example')] })
    expect(rcodeOf((await udpExchange(server.port, oneEach))!)).toBe(0)
  })
})
