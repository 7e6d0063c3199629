import { describe, expect, it } from 'vitest'
import { errorsMiddleware } from '../../../src/plugins/errors/setup.js'
import { createPacketHandler } from '../../../src/server/query-pipeline.js'
import { logLines } from '../../support/dns-server.js'
import { metricSum } from '../../support/metrics.js'
import { buildQuery, decodedQuery, rcodeOf } from '../../support/raw-client.js'

const failing = (): never => {
  throw new Error('backend exploded')
}

describe('errors', () => {
  it('turns a failing plugin into SERVFAIL and logs it as CoreDNS does', async () => {
    const query = decodedQuery('web.shop.svc.cluster.local', 'A')
    logLines.length = 0
    const reply = await errorsMiddleware(failing)(query)
    expect(reply).toMatchObject({ rcode: 2, plugin: 'errors', answer: [] })
    expect(logLines).toEqual(['[ERROR] plugin/errors: 2 web.shop.svc.cluster.local. A: backend exploded'])
  })

  it('without it, a failing plugin still gets SERVFAIL, never a crash, and counts as a panic', async () => {
    const before = await metricSum('coredns_panics_total')
    const handle = createPacketHandler([{ block: '.', zone: '', handler: failing, observers: [], plugins: [] }])
    const reply = await handle(buildQuery('web.shop.svc.cluster.local', 'A', { id: 9 }), 'udp', '127.0.0.1', 5353, null)
    expect(reply!.readUInt16BE(0)).toBe(9)
    expect(rcodeOf(reply!)).toBe(2)
    expect(await metricSum('coredns_panics_total')).toBe(before + 1)
  })
})
