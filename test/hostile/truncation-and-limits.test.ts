import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeQuery } from '../../src/dns/query-decoder.js'
import { errorsMiddleware } from '../../src/plugins/errors/setup.js'
import { encodeFailures } from '../../src/plugins/prometheus/dns-metrics.js'
import { clusterKubernetes, serverBlock } from '../support/corefile.js'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { buildQuery, udpExchange } from '../support/raw-client.js'
import { unboundForFile } from '../support/unbound.js'

const upstream = unboundForFile({
  zone: 'example.com.',
  records: Array.from({ length: 6 }, (_, i) => `big.example.com. 300 IN TXT "${String(i).repeat(100)}"`),
})

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('a truncated reply to an EDNS query keeps its OPT record (RFC 6891 7)', () => {
  it('for our own replies and for relayed ones', async () => {
    server = await startServer(serverBlock([`forward example.com ${upstream().address}:${upstream().port}`, clusterKubernetes()]))
    for (const name of ['big.lab.svc.cluster.local', 'big.example.com']) {
      const reply = await server.ask(name, name.endsWith('.com') ? 'TXT' : 'A', { flags: ['+bufsize=512', '+ignore'] })
      expect(reply.flags, name).toContain('tc')
      // The client's payload size, as CoreDNS's SizeAndDo writes it.
      expect(reply.edns, name).toMatch(/version: 0, flags:; udp: 512/)
    }
    // A client without EDNS gets none.
    const plain = await server.ask('big.example.com', 'TXT', { flags: ['+noedns', '+ignore'] })
    expect(plain.flags).toContain('tc')
    expect(plain.edns).toBe('')
  })
})

describe('the encoder never writes a label over 63 bytes', () => {
  it('answers SERVFAIL instead, counts it and logs it once', async () => {
    const label = 'l'.repeat(70)
    server = await startServer(`.:0 {
  bind 127.0.0.1
  hosts {
    192.0.2.70 ${label}.example
  }
}
`)
    logLines.length = 0
    const before = (await encodeFailures.get()).values[0]?.value ?? 0
    for (let i = 0; i < 2; i++) {
      const wire = await udpExchange(server.port, buildQuery('70.2.0.192.in-addr.arpa', 'PTR', { id: 100 + i }))
      expect(wire).not.toBeNull()
      const reply = dnsPacket.decode(wire!) as dnsPacket.DecodedPacket & { rcode?: string }
      expect(reply.id).toBe(100 + i)
      expect(reply.rcode).toBe('SERVFAIL')
      expect(reply.answers).toEqual([])
    }
    expect((await encodeFailures.get()).values[0]!.value).toBe(before + 2)
    const lines = logLines.filter((l) => l.includes('cannot write'))
    expect(lines).toEqual([`[ERROR] 70.2.0.192.in-addr.arpa. 12: cannot write ${label}.example in wire form; answered SERVFAIL (further cases are only counted in clusterdns_encode_failures_total)`])
  })
})

describe('the errors plugin logs the query name escaped', () => {
  it('a name carrying a newline is one line', async () => {
    const packet = buildQuery('x.example', 'A')
    // Its first label `x` replaced by one carrying a newline and a forged log line.
    const forged = Buffer.from('x\n[ERROR] plugin/errors: FORGED', 'latin1')
    const query = Buffer.concat([packet.subarray(0, 12), Buffer.from([forged.length]), forged, packet.subarray(14)])
    const intake = decodeQuery(query, 'udp', '127.0.0.1', 5353)
    if (!intake || !('query' in intake)) throw new Error('query did not decode')
    logLines.length = 0
    await errorsMiddleware(() => {
      throw new Error('backend exploded')
    })(intake.query)
    // In lower case, as CoreDNS's errors plugin writes the name.
    expect(logLines).toEqual(['[ERROR] plugin/errors: 2 x\\010[error]\\032plugin/errors:\\032forged.example. A: backend exploded'])
  })
})
