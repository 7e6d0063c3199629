import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_CLUSTER, rr } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { serverForEach } from '../support/dns-server.js'
import { until } from '../support/until.js'

const startServer = serverForEach()

const corefile = (ttl: number): string => serverBlock(['reload 2s', kubernetes([`manifests ${DEMO_CLUSTER}`, `ttl ${ttl}`])])

describe('reload INTERVAL without JITTER', () => {
  it('reload 2s is taken (CoreDNS cuts the 15s default jitter to half the interval): a change is served in seconds', { timeout: 20_000 }, async () => {
    const server = await startServer(corefile(5))
    writeFileSync(join(server.dir, 'Corefile'), corefile(30))
    const moved = await until(
      () => server.ask('web.shop.svc.cluster.local', 'A'),
      (r) => r.answer[0] === rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30),
      // Checked within 2s ± 1s; a slow machine gets slack, still well under the 15s the default would take at least.
      10_000,
    )
    expect(moved.answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30)])
  })
})
