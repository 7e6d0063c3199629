import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'

// An upstream (another clusterdns) whose answers carry authority and additional records, and the
// server under test, which answers some names itself and forwards the rest to it.
const SECTIONS = `    authority "{{ .Zone }} 60 IN NS ns.{{ .Zone }}"
    additional "ns.{{ .Zone }} 60 IN A 192.0.2.53"`
const answering = (zone: string, rcode = 'NOERROR', answer = true): string => `  template IN A ${zone} {
    rcode ${rcode}
${answer ? '    answer "{{ .Name }} 60 IN A 192.0.2.1"\n' : ''}${SECTIONS}
  }`

let upstream: RunningServer
let server: RunningServer
beforeAll(async () => {
  // Templates are tried in the order written: the narrower zones first.
  upstream = await startServer(`.:0 {\n  bind 127.0.0.1\n${answering('nodata.far.test', 'NOERROR', false)}\n${answering('far.test')}\n}\n`)
  server = await startServer(`.:0 {
  bind 127.0.0.1
  minimal
${answering('nx.near.test', 'NXDOMAIN', false)}
${answering('nodata.near.test', 'NOERROR', false)}
${answering('near.test')}
  forward . 127.0.0.1:${upstream.port}
}
`)
})
afterAll(async () => {
  await server.stop()
  await upstream.stop()
})

describe('minimal', () => {
  it('strips authority and additional records from positive answers, ours and forwarded; OPT stays', async () => {
    for (const name of ['www.near.test', 'www.far.test']) {
      const reply = await server.ask(name, 'A')
      expect(reply.status).toBe('NOERROR')
      expect(reply.answer).toEqual([`${name}. 60 IN A 192.0.2.1`])
      expect(reply.authority).toEqual([])
      expect(reply.additional).toEqual([])
      expect(reply.edns).toMatch(/EDNS: version: 0/)
    }
    // Without minimal, the upstream's answer has both.
    const full = await upstream.ask('www.far.test', 'A')
    expect(full.authority).toEqual(['far.test. 60 IN NS ns.far.test.'])
    expect(full.additional).toEqual(['ns.far.test. 60 IN A 192.0.2.53'])
  })

  it('leaves NXDOMAIN and NODATA whole', async () => {
    const nx = await server.ask('x.nx.near.test', 'A')
    expect(nx.status).toBe('NXDOMAIN')
    expect(nx.authority).toEqual(['nx.near.test. 60 IN NS ns.nx.near.test.'])
    for (const [name, zone] of [['x.nodata.near.test', 'nodata.near.test'], ['x.nodata.far.test', 'nodata.far.test']]) {
      const nodata = await server.ask(name!, 'A')
      expect(nodata.status).toBe('NOERROR')
      expect(nodata.answer).toEqual([])
      expect(nodata.authority).toEqual([`${zone}. 60 IN NS ns.${zone}.`])
      expect(nodata.additional).toEqual([`ns.${zone}. 60 IN A 192.0.2.53`])
    }
  })
})
