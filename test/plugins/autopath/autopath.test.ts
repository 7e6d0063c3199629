import { describe, expect, it } from 'vitest'
import { AUTOPATH_CLIENT, DEMO_CLUSTER, LAB_CLUSTER, rr } from '../../support/cluster.js'
import { kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'
import { unboundForFile } from '../../support/unbound.js'

const startServer = serverForEach()
const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })

const corefile = (autopath: string, manifests: string): string =>
  serverBlock(['log', autopath, kubernetes([`manifests ${manifests}`, 'pods verified']), `forward . 127.0.0.1:${upstream().port}`])
const received = (): number => logLines.filter((l) => l.startsWith('[INFO] 127.0.0.1:')).length

describe('autopath @kubernetes', () => {
  it('answers the first search-expanded query with the final answer: a CNAME, then its records', async () => {
    const server = await startServer(corefile('autopath @kubernetes', `${DEMO_CLUSTER} ${LAB_CLUSTER} ${AUTOPATH_CLIENT}`))
    logLines.length = 0
    // A pod in lab looking up `web.shop` (ndots:5) first asks web.shop.lab.svc.cluster.local.
    const service = await server.ask('web.shop.lab.svc.cluster.local', 'A')
    expect(service.status).toBe('NOERROR')
    expect(service.answer).toEqual([rr('web.shop.lab.svc.cluster.local', 'CNAME', 'web.shop.svc.cluster.local.'), rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
    // An outside name: resolved through forward, in the same single round trip.
    const outside = await server.ask('api.example.com.lab.svc.cluster.local', 'A')
    expect(outside.answer).toEqual(['api.example.com. 300 IN A 192.0.2.80', 'api.example.com.lab.svc.cluster.local. 300 IN CNAME api.example.com.'])
    expect(outside.raw.indexOf('CNAME')).toBeLessThan(outside.raw.indexOf('192.0.2.80'))
    // Two lookups, two queries received (a stub resolver walking the search path sends four each).
    expect(received()).toBe(2)
  })

  it('leaves alone names not under the client’s first search domain, and clients that are no pod', async () => {
    let server = await startServer(corefile('autopath @kubernetes', `${DEMO_CLUSTER} ${LAB_CLUSTER} ${AUTOPATH_CLIENT}`))
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
    await server.stop()
    server = await startServer(corefile('autopath @kubernetes', `${DEMO_CLUSTER} ${LAB_CLUSTER}`))
    expect((await server.ask('web.shop.lab.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
  })
})
