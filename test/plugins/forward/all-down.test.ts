import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach, type RunningServer } from '../../support/dns-server.js'
import { startedForAll } from '../../support/lifetimes.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'
import { until } from '../../support/until.js'

const startServer = serverForEach()
// It answers example.com and drops every other question, its health probes (`. IN NS`) included.
const upstream = startedForAll(
  async () => startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { logQueries: true, root: 'deny' }),
  (u) => u.stop(),
)
const to = (): string => `127.0.0.1:${upstream().port}`

const corefile = (options: readonly string[] = []): string =>
  serverBlock(['errors', block(`forward . ${to()}`, ['max_fails 1', 'read_timeout 300ms', 'health_check 100ms', ...options])])

/**
 * One query the upstream drops starts its health checks, which it drops too: down after more than
 * max_fails (1) of them fail, as CoreDNS.
 */
async function markDown(server: RunningServer): Promise<void> {
  const failedChecks = await metricSum('coredns_proxy_healthcheck_failures_total', { to: to() })
  expect((await server.ask('dropped.example.net', 'A', { timeout: 4 })).status).toBe('SERVFAIL')
  expect(await until(() => metricSum('coredns_proxy_healthcheck_failures_total', { to: to() }), (n) => n >= failedChecks + 2)).toBeGreaterThanOrEqual(failedChecks + 2)
}

describe('forward with every upstream down', () => {
  it('still asks one at random, as CoreDNS: the health checks may be what is broken', async () => {
    const server = await startServer(corefile())
    await markDown(server)
    const broken = await metricSum('coredns_forward_healthcheck_broken_total')
    const reply = await server.ask('api.example.com', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect(await metricSum('coredns_forward_healthcheck_broken_total')).toBe(broken + 1)
  })

  it('failfast_all_unhealthy_upstreams answers SERVFAIL at once and asks no upstream; errors logs "no healthy proxies"', async () => {
    const server = await startServer(corefile(['failfast_all_unhealthy_upstreams']))
    await markDown(server)
    logLines.length = 0
    const asked = (): number => upstream().queries().filter((q) => q === 'api.example.com. A').length
    const before = asked()
    const reply = await server.ask('api.example.com', 'A')
    expect(reply.status).toBe('SERVFAIL')
    expect(asked()).toBe(before)
    expect(logLines).toContain('[ERROR] plugin/errors: 2 api.example.com. A: no healthy proxies')
  })

  it('stops checking when its server stops: a check still out then counts no failure', async () => {
    const server = await startServer(corefile())
    await markDown(server)
    // markDown returns as a check fails; the next goes out 100 ms later and waits up to 1 s for its reply.
    await sleep(300)
    await server.stop()
    const failedChecks = await metricSum('coredns_proxy_healthcheck_failures_total', { to: to() })
    await sleep(1300)
    expect(await metricSum('coredns_proxy_healthcheck_failures_total', { to: to() })).toBe(failedChecks)
  })
})
