import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { apiServerForEach } from '../../support/api-server/seed.js'
import { DEMO_CLUSTER, rr } from '../../support/cluster.js'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { dig } from '../../support/dig.js'
import { freePort } from '../../support/ports.js'
import { until } from '../../support/until.js'

const MAIN = fileURLToPath(new URL('../../../dist/main.js', import.meta.url))
const startApiServer = apiServerForEach()

/** Status and body of a GET, or 'refused' when nothing listens. */
async function get(url: string): Promise<string> {
  try {
    const response = await fetch(url)
    return `${response.status} ${(await response.text()).trim()}`
  } catch {
    return 'refused'
  }
}

describe('health and ready', () => {
  it('/health and /ready through start, sync, SIGTERM with lameduck, and exit', { timeout: 30_000 }, async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    await api.refuseFor(2500)
    const [dnsPort, healthPort, readyPort] = [await freePort(), await freePort(), await freePort()]
    const conf = join(mkdtempSync(join(tmpdir(), 'clusterdns-hr-')), 'Corefile')
    writeFileSync(
      conf,
      serverBlock(
        [block(`health 127.0.0.1:${healthPort}`, ['lameduck 1500ms']), `ready 127.0.0.1:${readyPort}`, kubernetes([`endpoint ${api.url}`, 'startup_timeout 300ms'])],
        { port: dnsPort },
      ),
    )
    const health = (): Promise<string> => get(`http://127.0.0.1:${healthPort}/health`)
    const readiness = (): Promise<string> => get(`http://127.0.0.1:${readyPort}/ready`)
    const child = spawn(process.execPath, [MAIN, '-conf', conf], { stdio: 'ignore' })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))

    // Started without the API: alive, not ready, and saying which plugin it waits for.
    expect(await until(health, (s) => s === '200 OK', 5000)).toBe('200 OK')
    expect(await readiness()).toBe('503 kubernetes')
    // The API comes back: synced, ready.
    expect(await until(readiness, (s) => s === '200 OK', 15_000)).toBe('200 OK')
    expect((await dig('web.shop.svc.cluster.local', 'A', { port: dnsPort })).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])

    const stopAt = Date.now()
    child.kill('SIGTERM')
    // Lameduck: not ready at once, but still healthy and still answering.
    expect(await until(readiness, (s) => s === '503 shutting down', 500)).toBe('503 shutting down')
    expect(await health()).toBe('200 OK')
    expect((await dig('web.shop.svc.cluster.local', 'A', { port: dnsPort })).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
    expect(await exited).toBe(0)
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(1500)
    expect(await health()).toBe('refused')
    expect((await dig('web.shop.svc.cluster.local', 'A', { port: dnsPort })).status).toBe('NO REPLY')
  })
})
