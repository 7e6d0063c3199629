import { createSocket, type Socket } from 'node:dgram'
import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_CLUSTER, rr } from '../../support/cluster.js'
import { serverForEach } from '../../support/dns-server.js'
import { buildQuery, udpExchange } from '../../support/raw-client.js'
import { unboundForFile } from '../../support/unbound.js'

const upstream = unboundForFile({
  zone: 'example.com.',
  records: [
    'api.example.com. 300 IN A 192.0.2.80',
    'ftp.service.example.com. 300 IN A 192.0.2.21',
    'alias.example.com. 300 IN CNAME target.cdn.example.com.',
    'target.cdn.example.com. 300 IN A 192.0.2.1',
    'target.other.example.com. 300 IN A 192.0.2.2',
  ],
})
const startServer = serverForEach()
let fake: Socket | undefined
afterEach(async () => {
  fake?.close()
  fake = undefined
})

const corefile = (rules: string, to = `127.0.0.1:${upstream().port}`): string => `.:0 {
  bind 127.0.0.1
  ${rules}
  kubernetes cluster.local {
    manifests ${DEMO_CLUSTER}
  }
  forward . ${to}
}
`

/** A hand-made upstream that keeps each query it gets and answers A 192.0.2.9, echoing the query's EDNS options. */
async function recordingUpstream(): Promise<{ address: string; queries: dnsPacket.Packet[] }> {
  const queries: dnsPacket.Packet[] = []
  fake = createSocket('udp4')
  fake.on('message', (msg, from) => {
    const q = dnsPacket.decode(msg)
    queries.push(q)
    const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined
    const reply = dnsPacket.encode({
      type: 'response', id: q.id, flags: 0, questions: q.questions,
      answers: [{ name: q.questions![0]!.name, type: 'A', ttl: 60, data: '192.0.2.9' }],
      additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: opt.options } as dnsPacket.OptAnswer] : [],
    })
    fake!.send(reply, from.port, from.address)
  })
  await new Promise<void>((resolve) => fake!.bind(0, '127.0.0.1', resolve))
  return { address: `127.0.0.1:${fake.address().port}`, queries }
}
const optionsOf = (q: dnsPacket.Packet): { code: number; data: string }[] =>
  (((q.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined)?.options ?? []).map((o) => ({ code: o.code, data: Buffer.from(o.data ?? []).toString('hex') }))

describe('rewrite type and class', () => {
  it('type TXT A: the upstream is asked for A, the client gets it under its own question', async () => {
    const server = await startServer(corefile('rewrite type TXT A'))
    expect((await server.ask('api.example.com', 'TXT')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    const raw = dnsPacket.decode((await udpExchange(server.port, buildQuery('api.example.com', 'TXT', { id: 7 })))!)
    expect(raw.questions).toEqual([{ name: 'api.example.com', type: 'TXT', class: 'IN' }])
    expect((await server.ask('api.example.com', 'AAAA')).answer).toEqual([])
  })

  it('class IN CH: the query that reaches the upstream has the new class', async () => {
    const peer = await recordingUpstream()
    const server = await startServer(corefile('rewrite class IN CH', peer.address))
    expect((await server.ask('version.example.org', 'A')).status).toBe('NOERROR')
    expect(peer.queries.map((q) => q.questions![0]!.class)).toEqual(['CH'])
  })
})

describe('rewrite ttl and rcode', () => {
  it.each([
    ['30-60', 60],
    ['400-', 400],
    ['-30', 30],
    ['15', 15],
    ['100-500', 300],
  ])('ttl api.example.com %s: TTL 300 becomes %i', async (range, ttl) => {
    const server = await startServer(corefile(`rewrite ttl api.example.com ${range}`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual([`api.example.com. ${ttl} IN A 192.0.2.80`])
  })

  it('ttl regex and suffix, on relayed and on our own answers; other names keep theirs', async () => {
    const server = await startServer(corefile('rewrite continue ttl regex (.*)\\.example\\.com 15\n  rewrite ttl suffix cluster.local 30'))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 15 IN A 192.0.2.80'])
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30)])
    expect((await server.ask('nope.shop.svc.cluster.local', 'A')).authority[0]).toMatch(/^cluster\.local\. 30 IN SOA/)
  })

  it('rcode: NXDOMAIN becomes NOERROR for the matching name (names or numbers), relayed or ours', async () => {
    const server = await startServer(corefile('rewrite continue rcode nope.example.com NXDOMAIN NOERROR\n  rewrite rcode suffix svc.cluster.local 3 2'))
    const relayed = await server.ask('nope.example.com', 'A')
    expect(relayed.status).toBe('NOERROR')
    expect(relayed.authority).toHaveLength(1)
    const other = await server.ask('nothere.example.com', 'A')
    expect(other.status, other.raw).toBe('NXDOMAIN')
    expect((await server.ask('nope.shop.svc.cluster.local', 'A')).status).toBe('SERVFAIL')
  })
})

describe('rewrite edns0: the options reach the upstream', () => {
  it('local set (hex and text), nsid, subnet: in the query forward sends', async () => {
    const peer = await recordingUpstream()
    const server = await startServer(corefile('rewrite continue edns0 local set 0xffee 0x61626364\n  rewrite continue edns0 nsid set\n  rewrite edns0 subnet set 24 56', peer.address))
    await server.ask('a.example.org', 'A')
    await server.ask('b.example.org', 'A', { flags: ['+noedns'] })
    const expected = [{ code: 0xffee, data: '61626364' }, { code: 3, data: '' }, { code: 8, data: '0001180' + '07f0000' }]
    expect(optionsOf(peer.queries[0]!)).toEqual(expected)
    // A query without EDNS gets an OPT record for the options.
    expect(optionsOf(peer.queries[1]!)).toEqual(expected)
  })

  it('append keeps an option already set; replace and unset act only on one; variables', async () => {
    const peer = await recordingUpstream()
    const server = await startServer(corefile('rewrite continue edns0 local set 0xffee abcd\n  rewrite continue edns0 local append 0xffee zzzz\n  rewrite continue edns0 local replace 0xfff0 nope\n  rewrite continue edns0 local set 65000 {client_ip}\n  rewrite continue edns0 local set 0xfff1 gone\n  rewrite edns0 local unset 0xfff1', peer.address))
    await server.ask('a.example.org', 'A')
    expect(optionsOf(peer.queries[0]!)).toEqual([{ code: 0xffee, data: Buffer.from('abcd').toString('hex') }, { code: 65000, data: Buffer.from('127.0.0.1').toString('hex') }])
  })

  it('revert: the option the upstream echoes is taken out of the reply', async () => {
    const peer = await recordingUpstream()
    let server = await startServer(corefile('rewrite edns0 local set 0xffee abcd', peer.address))
    expect((await server.ask('a.example.org', 'A')).raw).toMatch(/65518: 61 62 63 64/)
    await server.stop()
    server = await startServer(corefile('rewrite edns0 local set 0xffee abcd revert', peer.address))
    const reverted = await server.ask('a.example.org', 'A')
    expect(reverted.answer).toEqual(['a.example.org. 60 IN A 192.0.2.9'])
    expect(reverted.raw).not.toMatch(/65518/)
    expect(optionsOf(peer.queries[1]!)).toEqual([{ code: 0xffee, data: Buffer.from('abcd').toString('hex') }])
  })
})

describe('rewrite name with answer rewrites, the block form, and cname', () => {
  it('block form: name regex with answer name gives the answer the asked name', async () => {
    const server = await startServer(corefile('rewrite stop {\n    name regex (.*)-us\\.example\\.org {1}.service.example.com\n    answer name (.*)\\.service\\.example\\.com {1}-us.example.org\n  }'))
    expect((await server.ask('ftp-us.example.org', 'A')).answer).toEqual(['ftp-us.example.org. 300 IN A 192.0.2.21'])
  })

  it('answer value rewrites names in record data; answer auto the owners', async () => {
    const server = await startServer(corefile('rewrite name exact www.example.org alias.example.com answer auto answer value (.*)\\.cdn\\.example\\.com {1}.cdn.example.org'))
    // unbound does not follow a CNAME of its local data: the CNAME alone comes back.
    expect((await server.ask('www.example.org', 'A')).answer).toEqual(['www.example.org. 300 IN CNAME target.cdn.example.org.'])
  })

  it('cname: the CNAME target is rewritten and the records after it are the new target’s', async () => {
    const server = await startServer(corefile('rewrite cname exact target.cdn.example.com target.other.example.com'))
    expect((await server.ask('alias.example.com', 'A')).answer).toEqual(['alias.example.com. 300 IN CNAME target.other.example.com.', 'target.other.example.com. 300 IN A 192.0.2.2'])
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })

  it('refuses malformed rules with the reason', async () => {
    for (const [rule, message] of [
      ['rewrite ttl api.example.com 60-30', /ttl: 60-30 is not a range/],
      ['rewrite rcode api.example.com NOPE NOERROR', /rcode: NOPE NOERROR are not rcodes/],
      ['rewrite type TXT', /type rules must have exactly two arguments/],
      ['rewrite edns0 subnet set 33 56', /edns0 subnet: 33 56 are not prefix lengths/],
      ['rewrite edns0 local set 0xffee {server_ip}', /\{server_ip\} is not a supported variable/],
      ['rewrite answer name a b', /response rewrites must begin with a name rule/],
    ] as const) {
      await expect(startServer(corefile(rule)), rule).rejects.toThrow(message)
    }
  })
})
