import { constants, PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { apiServerForEach, service } from '../support/api-server/seed.js'
import { DEMO_CLUSTER } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { serverForEach } from '../support/dns-server.js'
import { until } from '../support/until.js'

// Registered in this order so that the DNS server stops before its API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()

/** When each major collection of this process ended (performance.now()). */
const majors: number[] = []
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(entry.startTime + entry.duration)
  }
})
afterEach(() => observer.disconnect())

describe('garbage while a full list is read', () => {
  it('a major collection starts every second until the list is in, then they stop', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    // The list's answer takes 3.5 s: a quiet process that V8 alone would not collect in that time.
    api.listDelayMs = 3500
    observer.observe({ entryTypes: ['gc'] })
    const began = performance.now()
    await startServer(serverBlock([kubernetes([`endpoint ${api.url}`, 'startup_timeout 10s'], 'cluster.local in-addr.arpa')]))
    const synced = performance.now()
    expect(synced - began).toBeGreaterThan(3000)
    expect(majors.filter((at) => at > began && at <= synced).length).toBeGreaterThanOrEqual(3)
    // From 1.5 s after the list (its compaction runs 1 s after it), 3 s in which collections every
    // second would make 3: at most a late compaction and one of V8's own (its memory reducer).
    await sleep(4500)
    expect(majors.filter((at) => at > synced + 1500).length).toBeLessThanOrEqual(2)
  })

  it('in a relist after 410 Gone, a major collection starts every quarter second', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    const dns = await startServer(serverBlock([kubernetes([`endpoint ${api.url}`], 'cluster.local in-addr.arpa')]))
    // Past the compaction that follows the first sync.
    await sleep(1500)
    api.listDelayMs = 3000
    observer.observe({ entryTypes: ['gc'] })
    const began = performance.now()
    api.dropWatches()
    api.cluster.apply(service('shop', 'after-relist', '10.96.9.5'))
    api.cluster.compact()
    await until(() => dns.ask('after-relist.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR', 10_000)
    const relisted = performance.now()
    expect(relisted - began).toBeGreaterThan(3000)
    // Every half second would make 6 in these 3 s, every second (as in the first sync) 3.
    expect(majors.filter((at) => at > began && at <= relisted).length).toBeGreaterThanOrEqual(9)
  })
})
