import { describe, expect, it } from 'vitest'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'
import { unboundForFile } from '../../support/unbound.js'

// Signatures are only read, never checked: their data need not be real.
const upstream = unboundForFile({
  zone: 'sig.test.',
  records: [
    'old.sig.test. 300 IN A 192.0.2.1',
    'old.sig.test. 300 IN RRSIG A 8 3 300 20200101000000 20191201000000 12345 sig.test. AAAA',
    'new.sig.test. 300 IN A 192.0.2.2',
    'new.sig.test. 300 IN RRSIG A 8 3 300 20990101000000 20200101000000 12345 sig.test. AAAA',
  ],
})
const startServer = serverForEach()

describe('log class error, as CoreDNS classifies DNSSEC answers', () => {
  it('an answer with an expired signature, asked with DO, is an error; a valid one or one asked without DO is not', async () => {
    const { address, port } = upstream()
    const server = await startServer(serverBlock([block('log . "{name} {>do}"', ['class error']), kubernetes(), `forward . ${address}:${port}`]))
    logLines.length = 0
    expect((await server.ask('old.sig.test', 'RRSIG', { flags: ['+dnssec'] })).answer).toHaveLength(1)
    expect((await server.ask('new.sig.test', 'RRSIG', { flags: ['+dnssec'] })).answer).toHaveLength(1)
    expect((await server.ask('old.sig.test', 'RRSIG')).answer).toHaveLength(1)
    expect(logLines.filter((l) => l.startsWith('[INFO] '))).toEqual(['[INFO] old.sig.test. true'])
  })
})
