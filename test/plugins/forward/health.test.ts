import { describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { startedForAll } from '../../support/lifetimes.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'
import { until } from '../../support/until.js'

// As CoreDNS 1.14 (pkg/proxy): a failed query only starts health checks (`. IN NS`, at once, then
// every health_check interval until one is answered); the upstream is down once MORE than max_fails
// checks in a row failed, and only an answered check, not an answered query, brings it back.

// It answers example.com and drops every other question, its health checks included.
const upstream = startedForAll(
  async () => startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { root: 'deny' }),
  (u) => u.stop(),
)
const to = (): string => `127.0.0.1:${upstream().port}`
const startServer = serverForEach()
const failedChecks = (): Promise<number> => metricSum('coredns_proxy_healthcheck_failures_total', { to: to() })
/** Queries that found every upstream down. */
const allDown = (): Promise<number> => metricSum('coredns_forward_healthcheck_broken_total')

describe('forward health, as CoreDNS', () => {
  it('down only after more than max_fails failed health checks, and still down after an answered query', { timeout: 20_000 }, async () => {
    const server = await startServer(serverBlock([block(`forward . ${to()}`, ['max_fails 1', 'read_timeout 300ms', 'health_check 100ms'])]))
    const checks = await failedChecks()
    const broken = await allDown()
    // Two failed attempts (two per upstream): not down, its first check is still waiting (1s).
    expect((await server.ask('dropped.example.net', 'A', { timeout: 4 })).status).toBe('SERVFAIL')
    expect((await server.ask('api.example.com', 'A')).status).toBe('NOERROR')
    expect(await allDown()).toBe(broken)
    // One failed check is not more than max_fails: still up.
    await until(failedChecks, (n) => n >= checks + 1)
    expect((await server.ask('api.example.com', 'A')).status).toBe('NOERROR')
    expect(await allDown()).toBe(broken)
    // The second: down. It is still asked (every upstream down: one at random), and stays down.
    await until(failedChecks, (n) => n >= checks + 2)
    expect((await server.ask('api.example.com', 'A')).status).toBe('NOERROR')
    expect(await allDown()).toBe(broken + 1)
    expect((await server.ask('api.example.com', 'A')).status).toBe('NOERROR')
    expect(await allDown()).toBe(broken + 2)
  })
})
