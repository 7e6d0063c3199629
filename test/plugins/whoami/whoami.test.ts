import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dig } from '../../support/dig.js'
import { startServer, type RunningServer } from '../../support/dns-server.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer('example.org:0 .:0 {\n  bind 127.0.0.1 ::1\n  whoami\n}\n')
})
afterAll(() => server.stop())

/** dig's source port, from its `-b ADDRESS#PORT` flag. */
const from = (address: string, port: number): string[] => ['-b', `${address}#${port}`]

describe('whoami', () => {
  it('answers with the client address and its port as _udp or _tcp SRV, in the additional section', async () => {
    const udp = await server.ask('example.org', 'A', { flags: from('127.0.0.2', 40212) })
    expect(udp.status).toBe('NOERROR')
    expect(udp.flags).toContain('aa')
    expect(udp.answer).toEqual([])
    expect(udp.additional).toEqual(['_udp.example.org. 0 IN SRV 0 0 40212 .', 'example.org. 0 IN A 127.0.0.2'])
    const tcp = await server.ask('Who.example.org', 'TXT', { tcp: true, flags: from('127.0.0.3', 40213) })
    expect(tcp.additional).toEqual(['Who.example.org. 0 IN A 127.0.0.3', '_tcp.Who.example.org. 0 IN SRV 0 0 40213 .'])
  })

  it('answers an IPv6 client with AAAA, and the root with _udp.', async () => {
    // Each listener of a `:0` key has its own port.
    const port = server.runtime.dns.addresses.find((a) => a.address === '::1')!.port
    const v6 = await dig('.', 'NS', { port, server: '::1', flags: from('::1', 40214) })
    expect(v6.additional).toEqual(['. 0 IN AAAA ::1', '_udp. 0 IN SRV 0 0 40214 .'])
  })
})
