import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterKubernetes, serverBlock } from '../support/corefile.js'
import { startServer, type RunningServer } from '../support/dns-server.js'
import { controlQueries, fuzzTcp, fuzzUdp, type FuzzTally } from '../support/fuzz-client.js'
import { unboundForFile } from '../support/unbound.js'

// The long run (a million packets, slowloris, memory) is `npm run bench:hostile`.
const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })
let server: RunningServer
beforeAll(async () => {
  const u = upstream()
  server = await startServer(serverBlock([clusterKubernetes(), `forward . ${u.address}:${u.port}`]))
})
afterAll(() => server.stop())

const CONTROL = 'web.shop.svc.cluster.local'

function expectClean(tally: FuzzTally): void {
  expect(tally.examples).toEqual([])
  expect(tally.unparseable).toBe(0)
  expect(tally.idMismatches).toBe(0)
}

describe('mutation fuzzing: every reply well formed and to its query, and serving goes on', () => {
  it('over UDP, with a control query that keeps being answered', async () => {
    const control = controlQueries(server.port, CONTROL, 100, 3000)
    const tally = await fuzzUdp(server.port, 4000, { seed: 7 })
    const { sent, answered } = await control.stop()
    expectClean(tally)
    // Most mutations still make a query worth an answer (an error rcode at least).
    expect(tally.replies).toBeGreaterThan(tally.sent / 4)
    expect(answered).toBe(sent)
    expect((await server.ask(CONTROL, 'A')).answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.100.10'])
  })

  it('over TCP, forwarding to unbound over TCP too, without marking it down', async () => {
    const control = controlQueries(server.port, CONTROL, 100, 3000)
    const tally = await fuzzTcp(server.port, 1500, { seed: 11 })
    const { sent, answered } = await control.stop()
    expectClean(tally)
    expect(tally.replies).toBeGreaterThan(tally.sent / 4)
    expect(answered).toBe(sent)
    expect((await server.ask('api.example.com', 'A', { tcp: true })).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })
})
