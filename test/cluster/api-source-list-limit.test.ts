import { describe, expect, it } from 'vitest'
import { apiServerForEach, service } from '../support/api-server/seed.js'
import { DEMO_CLUSTER, expectReply, rr } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { logLines, serverForEach } from '../support/dns-server.js'

// Registered in this order so that the DNS server stops before its API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()

describe('list pages (an API without watch-list)', () => {
  it('refuse an object over the size limit with a log line naming it, and load the rest of its page', async () => {
    const start = logLines.length
    // Without watch-list the initial state comes as list pages, where the huge Service sits between two small ones.
    const api = await startApiServer([DEMO_CLUSTER])
    api.cluster.apply(service('shop', 'aaa-small', '10.96.9.30'))
    api.cluster.apply({ ...service('shop', 'huge', '10.96.9.31'), metadata: { name: 'huge', namespace: 'shop', annotations: { filler: 'x"\\'.repeat(2 ** 20) } } })
    api.cluster.apply(service('shop', 'zzz-small', '10.96.9.32'))
    const dns = await startServer(serverBlock([kubernetes([`endpoint ${api.url}`, 'startup_timeout 5s'], 'cluster.local in-addr.arpa')]))
    expect(api.requests.filter((r) => !r.watch && r.path === '/api/v1/services')).toHaveLength(1)
    expectReply(await dns.ask('aaa-small.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('aaa-small.shop.svc.cluster.local', 'A', '10.96.9.30')] })
    expectReply(await dns.ask('zzz-small.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('zzz-small.shop.svc.cluster.local', 'A', '10.96.9.32')] })
    expect((await dns.ask('huge.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    const skipped = logLines.slice(start).filter((l) => l.includes('over the limit'))
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toMatch(/^\[WARNING\] plugin\/kubernetes: skipping Service shop\/huge: \d{7} bytes of JSON, over the limit of 1572864$/)
  })
})
