import dnsPacket from 'dns-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNxdomain, expectReply, rr } from '../support/cluster.js'
import { clusterKubernetes, serverBlock } from '../support/corefile.js'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { udpExchange } from '../support/raw-client.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer(serverBlock(['log', clusterKubernetes()]))
})
afterAll(() => server.stop())

/** A query whose question is the given labels, byte for byte (dns-packet would split on dots). */
function rawQuery(labels: readonly (string | Buffer)[], type = 1, id = 0x4242): Buffer {
  const header = Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
  const name = labels.flatMap((l) => {
    const bytes = typeof l === 'string' ? Buffer.from(l, 'latin1') : l
    return [Buffer.from([bytes.length]), bytes]
  })
  return Buffer.concat([header, ...name, Buffer.from([0, type >> 8, type & 0xff, 0, 1])])
}

describe('a label is bytes: a dot inside one is not a separator', () => {
  it('kubernetes\\.default.svc.cluster.local is not kubernetes.default (dig)', async () => {
    expectNxdomain(await server.ask('kubernetes\\.default.svc.cluster.local', 'A'))
    // The same question without the escape still answers, so the NXDOMAIN above is the escape's.
    expectReply(await server.ask('kubernetes.default.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: [rr('kubernetes.default.svc.cluster.local', 'A', '10.96.0.1')],
    })
  })

  it('storefront\\.shop.svc.cluster.local gets a reply that parses, its question echoed byte for byte', async () => {
    const query = rawQuery(['storefront.shop', 'svc', 'cluster', 'local'])
    const reply = await udpExchange(server.port, query)
    expect(reply).not.toBeNull()
    const decoded = dnsPacket.decode(reply!)
    expect((decoded as { rcode?: string }).rcode).toBe('NXDOMAIN')
    expect(reply!.subarray(12, query.length)).toEqual(query.subarray(12))
    // Every name in it parses, and no record is owned by a name the question did not ask.
    for (const rr of [...(decoded.answers ?? []), ...(decoded.authorities ?? [])]) expect(rr.name).toBe('cluster.local')
    expect((await server.ask('storefront\\.shop.svc.cluster.local', 'CNAME', { tool: 'kdig' })).status).toBe('NXDOMAIN')
  })

  it('a dot inside a zone label leaves the zone: cluster\\.local is not cluster.local', async () => {
    const reply = await server.ask('web.shop.svc.cluster\\.local', 'A')
    expect(reply.status).toBe('REFUSED')
    expect(reply.answer).toEqual([])
  })

  it('binary labels are echoed exactly, answered in a reply that parses, and logged escaped', async () => {
    logLines.length = 0
    const query = rawQuery([Buffer.from([0, 0xff, 0x2e, 0x5c, 0x20]), 'shop', 'svc', 'cluster', 'local'], 28)
    const reply = await udpExchange(server.port, query)
    expect(reply).not.toBeNull()
    expect((dnsPacket.decode(reply!) as { rcode?: string }).rcode).toBe('NXDOMAIN')
    expect(reply!.subarray(12, query.length)).toEqual(query.subarray(12))
    expect(logLines.filter((l) => l.includes('"AAAA IN \\000\\255\\.\\\\\\032.shop.svc.cluster.local. udp '))).toHaveLength(1)
  })
})

describe('query names in log lines are escaped as dig prints them', () => {
  it('a name carrying a newline and a forged line is one escaped log line', async () => {
    logLines.length = 0
    const forged = '\n[ERROR] plugin/kubernetes: FORGED LINE'
    const reply = await udpExchange(server.port, rawQuery([`x${forged}`, 'svc', 'cluster', 'local']))
    expect(reply).not.toBeNull()
    // The log line names it in lower case, as CoreDNS's does.
    const lines = logLines.filter((l) => l.includes('forged'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - 16962 "A IN x\\010\[error\]\\032plugin\/kubernetes:\\032forged\\032line\.svc\.cluster\.local\. udp /)
    expect(logLines.some((l) => l.startsWith('[ERROR] plugin/kubernetes: FORGED'))).toBe(false)
  })

  it('a dot and a backslash inside a label are written \\. and \\\\', async () => {
    logLines.length = 0
    await udpExchange(server.port, rawQuery(['a.b\\c', 'svc', 'cluster', 'local']))
    expect(logLines.some((l) => l.includes('"A IN a\\.b\\\\c.svc.cluster.local. udp'))).toBe(true)
  })
})
