import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer(`example.org:0 {
  bind 127.0.0.1
  any
  hosts {
    192.0.2.1 example.org
  }
}
`)
})
afterAll(() => server.stop())

describe('any', () => {
  it('answers ANY with the RFC 8482 HINFO, whatever the name holds', async () => {
    // kdig prints owner names in lower case.
    for (const [tool, owner] of [['dig', 'Example.org.'], ['kdig', 'example.org.']] as const) {
      const reply = await server.ask('Example.org', 'ANY', { tool })
      expect(reply.status).toBe('NOERROR')
      expect(reply.answer).toEqual([`${owner} 8482 IN HINFO "ANY obsoleted" "See RFC 8482"`])
    }
    expect((await server.ask('nothing.example.org', 'ANY', { tcp: true })).answer).toEqual(['nothing.example.org. 8482 IN HINFO "ANY obsoleted" "See RFC 8482"'])
  })

  it('leaves other types to the rest of the chain', async () => {
    expect((await server.ask('example.org', 'A')).answer).toEqual(['example.org. 3600 IN A 192.0.2.1'])
  })
})
