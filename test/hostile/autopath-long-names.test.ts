import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLUSTER, rr } from '../support/cluster.js'
import { startServer, type RunningServer } from '../support/dns-server.js'

/** A search domain of 251 characters: with any name before it, over what DNS can carry. */
const LONG = `${Array.from({ length: 4 }, (_, i) => String(i).repeat(60)).join('.')}.example`

let server: RunningServer
beforeAll(async () => {
  server = await startServer(
    `.:0 {
  bind 127.0.0.1
  autopath resolv.conf
  kubernetes cluster.local {
    manifests ${DEMO_CLUSTER}
  }
}
`,
    { 'resolv.conf': `search lab.svc.cluster.local ${LONG} svc.cluster.local\n` },
  )
})
afterAll(() => server.stop())

describe('autopath with a search domain too long for the name', () => {
  it('skips that domain and answers from the next one', async () => {
    const reply = await server.ask('web.shop.lab.svc.cluster.local', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual([rr('web.shop.lab.svc.cluster.local', 'CNAME', 'web.shop.svc.cluster.local.'), rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
  })
})
