import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logLines, startServer, type RunningServer } from '../../support/dns-server.js'

// `chaos` with its arguments in the root block; the other zone's block has no chaos and refuses CH.
let server: RunningServer
beforeAll(async () => {
  server = await startServer(`.:0 {
  bind 127.0.0.1
  chaos CoreDNS-001 info@coredns.io other@example.org info@coredns.io
  log
}
plain.test:0 {
  bind 127.0.0.1
  hosts {
    192.0.2.1 www.plain.test
  }
}
`)
})
afterAll(() => server.stop())

const ch = ['-c', 'CH']

describe('chaos', () => {
  it('answers version.bind and version.server in class CH', async () => {
    for (const name of ['version.bind', 'VERSION.server']) {
      const reply = await server.ask(name, 'TXT', { flags: ch })
      expect(reply.status).toBe('NOERROR')
      expect(reply.answer).toEqual([`${name}. 0 CH TXT "CoreDNS-001"`])
    }
    // The log line names the class asked.
    expect(logLines.some((l) => l.includes('"TXT CH version.bind. udp'))).toBe(true)
  })

  it('answers authors.bind with each author once, hostname.bind and id.server with the host name', async () => {
    expect((await server.ask('authors.bind', 'TXT', { flags: ch, tool: 'kdig' })).answer).toEqual([
      'authors.bind. 0 CH TXT "info@coredns.io"',
      'authors.bind. 0 CH TXT "other@example.org"',
    ])
    for (const name of ['hostname.bind', 'id.server']) expect((await server.ask(name, 'TXT', { flags: ch })).answer).toEqual([`${name}. 0 CH TXT "${hostname()}"`])
  })

  it('leaves IN questions and other CH names to the chain; a block without chaos refuses CH', async () => {
    expect((await server.ask('version.bind', 'TXT')).status).toBe('REFUSED')
    expect((await server.ask('other.bind', 'TXT', { flags: ch })).status).toBe('REFUSED')
    expect((await server.ask('www.plain.test', 'A')).answer).toEqual(['www.plain.test. 3600 IN A 192.0.2.1'])
    expect((await server.ask('www.plain.test', 'A', { flags: ch })).status).toBe('REFUSED')
  })
})
