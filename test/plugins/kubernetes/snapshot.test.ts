import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { apiServerForEach, service } from '../../support/api-server/seed.js'
import { DEMO_CLUSTER, rr } from '../../support/cluster.js'
import { kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach, type RunningServer } from '../../support/dns-server.js'
import { until } from '../../support/until.js'

// Registered in this order so that the DNS servers stop before their API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()

const corefile = (url: string, snapshot: string): string =>
  serverBlock(['prometheus 127.0.0.1:0', kubernetes([`endpoint ${url}`, 'startup_timeout 1s', `snapshot ${snapshot} 1h`])])

const WEB = rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')
const snapshotAge = async (server: RunningServer): Promise<string | undefined> => {
  const metrics = await (await fetch(`http://127.0.0.1:${server.runtime.http.port('127.0.0.1:0')}/metrics`)).text()
  return /^clusterdns_kubernetes_snapshot_age_seconds\{path="[^"]*store\.snapshot"\} (\S+)$/m.exec(metrics)?.[1]
}

/** A server that synced from the API and saved its store at stop; the API server is then down. */
async function savedWhileUp(): Promise<{ api: Awaited<ReturnType<typeof startApiServer>>; path: string; port: number }> {
  const api = await startApiServer([DEMO_CLUSTER])
  const first = await startServer(corefile(api.url, 'store.snapshot'))
  expect((await first.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([WEB])
  await first.stop()
  await api.close()
  return { api, path: join(first.dir, 'store.snapshot'), port: Number(new URL(api.url).port) }
}

describe('kubernetes snapshot', () => {
  it('serves the snapshot while the API is down, SERVFAIL for names not in it, and swaps at the first sync', async () => {
    const { api, path, port } = await savedWhileUp()
    expect(readFileSync(path, 'latin1')).toMatch(/^clusterdns-snapshot 1 \d+ [0-9a-f]{64}\n\{/)
    // While it is down, the cluster changes: one Service comes, one goes.
    api.cluster.apply(service('shop', 'fresh', '10.96.200.1'))
    api.cluster.delete('Service', 'default', 'kubernetes')
    logLines.length = 0
    const server = await startServer(corefile(api.url, path))
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([WEB])
    expect((await server.ask('kubernetes.default.svc.cluster.local', 'A')).status).toBe('NOERROR')
    expect((await server.ask('fresh.shop.svc.cluster.local', 'A')).status).toBe('SERVFAIL')
    expect(logLines.some((l) => /serving snapshot .*store\.snapshot written \d+s ago \(\d+ services/.test(l))).toBe(true)
    expect(Number(await snapshotAge(server))).toBeGreaterThanOrEqual(0)

    await api.listen(port)
    const fresh = await until(() => server.ask('fresh.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR', 15_000)
    expect(fresh.answer).toEqual([rr('fresh.shop.svc.cluster.local', 'A', '10.96.200.1')])
    // The API's view replaced the snapshot whole: what it deleted is gone at once.
    expect((await server.ask('kubernetes.default.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([WEB])
    expect(await snapshotAge(server)).toBeUndefined()
  })

  const damaged: [string, (file: Buffer) => Buffer, RegExp][] = [
    ['truncated', (file) => file.subarray(0, file.length - 10), /truncated or padded/],
    ['corrupted', (file) => Buffer.from(file.toString('latin1').replace('"web"', '"wob"'), 'latin1'), /checksum mismatch/],
    ['of another version', (file) => Buffer.from(file.toString('latin1').replace(/^clusterdns-snapshot 1 /, 'clusterdns-snapshot 2 '), 'latin1'), /version "2" is not 1/],
  ]
  for (const [what, damage, message] of damaged) {
    it(`refuses a snapshot ${what} with a log line, and serves nothing of it`, async () => {
      const { api, path } = await savedWhileUp()
      writeFileSync(path, damage(readFileSync(path)))
      logLines.length = 0
      const server = await startServer(corefile(api.url, path))
      expect(logLines.filter((l) => l.includes('store.snapshot')).join('\n')).toMatch(message)
      expect((await server.ask('web.shop.svc.cluster.local', 'A')).status).toBe('SERVFAIL')
      expect(await snapshotAge(server)).toBeUndefined()
    })
  }
})
