import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'

// nsid in a block that answers itself (whoami) and one that forwards to another clusterdns.
let upstream: RunningServer
let server: RunningServer
beforeAll(async () => {
  upstream = await startServer('.:0 {\n  bind 127.0.0.1\n  whoami\n}\n')
  server = await startServer(`example.org:0 {
  bind 127.0.0.1
  whoami
  nsid Use The Force
}
far.test:0 {
  bind 127.0.0.1
  nsid
  forward . 127.0.0.1:${upstream.port}
}
`)
})
afterAll(async () => {
  await server.stop()
  await upstream.stop()
})

const hex = (text: string): string => [...Buffer.from(text)].map((b) => b.toString(16).padStart(2, '0')).join(' ')

describe('nsid', () => {
  it('puts NSID in the OPT record when the query asks for it', async () => {
    const reply = await server.ask('whoami.example.org', 'A', { flags: ['+nsid'] })
    expect(reply.status).toBe('NOERROR')
    expect(reply.raw).toContain(`; NSID: ${hex('Use The Force')} ("Use The Force")`)
    expect(reply.additional).toHaveLength(2)
  })

  it('leaves it out when the query does not ask', async () => {
    const reply = await server.ask('whoami.example.org', 'A')
    expect(reply.edns).toMatch(/EDNS: version: 0/)
    expect(reply.raw).not.toContain('NSID')
  })

  it('adds it to a forwarded answer, the host name by default', async () => {
    const reply = await server.ask('www.far.test', 'A', { flags: ['+nsid'] })
    expect(reply.additional).toContain('www.far.test. 0 IN A 127.0.0.1')
    expect(reply.raw).toContain(`; NSID: ${hex(hostname())} ("${hostname()}")`)
  })
})
