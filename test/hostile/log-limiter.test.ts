import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { LimitedLog } from '../../src/log-limiter.js'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { metricSum } from '../support/metrics.js'
import { freePort } from '../support/ports.js'
import { buildQuery, rcodeOf, udpExchange } from '../support/raw-client.js'
import { until } from '../support/until.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('repeated errors are rate-limited and summarized', () => {
  it('writes the first few of a kind, then one line counting the rest when the window ends', async () => {
    const lines: string[] = []
    const log = new LimitedLog({ debug: (m) => lines.push(`D ${m}`), info: (m) => lines.push(`I ${m}`), warn: (m) => lines.push(`W ${m}`), error: (m) => lines.push(`E ${m}`) }, 300)
    for (let i = 0; i < 7648; i++) log.error('upstream down', `query ${i} failed`)
    log.warn('other kind', 'a different problem')
    expect(lines).toEqual(['E query 0 failed', 'E query 1 failed', 'E query 2 failed', 'E query 3 failed', 'E query 4 failed', 'W a different problem'])
    await sleep(600)
    expect(lines.slice(6)).toEqual(['E upstream down: … and 7,643 more in the last 0.3 s'])
    // A new window starts afresh.
    log.error('upstream down', 'query again failed')
    expect(lines.at(-1)).toBe('E query again failed')
    for (let i = 0; i < 1_000_004; i++) log.error('upstream down', `query ${i} failed`)
    await sleep(600)
    expect(lines.at(-1)).toBe('E upstream down: … and 1,000,000 more in the last 0.3 s')
  })

  it('while every upstream is down, a flood of queries writes a handful of lines, not one per query', async () => {
    logLines.length = 0
    // Nothing listens on this port: the first query fails and starts health checks, which fail at
    // once; more than max_fails (1) of them mark the upstream down (as CoreDNS).
    const port = await freePort()
    server = await startServer(`.:0 {\n  bind 127.0.0.1\n  forward . 127.0.0.1:${port} {\n    max_fails 1\n    health_check 50ms\n  }\n}\n`)
    const failedChecks = await metricSum('coredns_proxy_healthcheck_failures_total', { to: `127.0.0.1:${port}` })
    expect(rcodeOf((await udpExchange(server.port, buildQuery('first.example.com', 'A'), 8000))!)).toBe(2)
    await until(() => metricSum('coredns_proxy_healthcheck_failures_total', { to: `127.0.0.1:${port}` }), (n) => n >= failedChecks + 2)
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => udpExchange(server!.port, buildQuery(`q${i}.example.com`, 'A', { id: i }), 8000)))
    expect(replies.filter((r) => r !== null && rcodeOf(r) === 2).length).toBeGreaterThan(150)
    const down = logLines.filter((l) => l.includes('every upstream is down'))
    expect(down.length).toBeGreaterThan(0)
    expect(down.length).toBeLessThanOrEqual(5)
  })
})
