import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { until } from '../support/until.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const corefile = (options = ''): string => `.:0 {
  bind 127.0.0.1
  kubernetes cluster.local {
    manifests cluster.yaml
    startup_timeout 100ms
    ${options}
  }
}
`
const service = (name: string, ip: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: apps }\nspec: { clusterIP: ${ip}, ports: [{ port: 80 }] }\n`
const WEB = ['web.apps.svc.cluster.local. 5 IN A 10.96.2.1']

/** Four levels of ten aliases each: 10,000 nodes from a few lines. */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'kind: Service',
].join('\n')

const logged = (pattern: RegExp): Promise<string> => until(async () => logLines.find((l) => pattern.test(l)) ?? '', Boolean, 15_000)

describe('manifest files that try to hurt', () => {
  it('an alias bomb is a parse error with the file named; the previous records keep serving', async () => {
    logLines.length = 0
    server = await startServer(corefile(), { 'cluster.yaml': service('web', '10.96.2.1') })
    writeFileSync(join(server.dir, 'cluster.yaml'), ALIAS_BOMB)
    expect(await logged(/keeping the previous records/)).toMatch(/^\[ERROR\] plugin\/kubernetes: .*cluster\.yaml: .*alias/)
    expect((await server.ask('web.apps.svc.cluster.local', 'A')).answer).toEqual(WEB)
  })

  it('a file over manifest_max_size is refused with a log line; the previous records keep serving', async () => {
    logLines.length = 0
    server = await startServer(corefile('manifest_max_size 2K'), { 'cluster.yaml': service('web', '10.96.2.1') })
    writeFileSync(join(server.dir, 'cluster.yaml'), `${service('web', '10.96.2.9')}# ${'padding '.repeat(400)}\n`)
    expect(await logged(/keeping the previous records/)).toMatch(/cluster\.yaml: \d+ bytes, more than the limit of 2048 \(manifest_max_size\)/)
    expect((await server.ask('web.apps.svc.cluster.local', 'A')).answer).toEqual(WEB)
  })

  it('an object defined more than once is kept as first read and reported in one line', async () => {
    logLines.length = 0
    const file = [service('web', '10.96.2.1'), service('web', '10.96.2.2'), service('web', '10.96.2.3')].join('---\n')
    server = await startServer(corefile(), { 'cluster.yaml': file })
    expect((await server.ask('web.apps.svc.cluster.local', 'A')).answer).toEqual(WEB)
    const reports = logLines.filter((l) => l.includes('apps/web'))
    expect(reports).toEqual([expect.stringMatching(/^\[WARNING\] plugin\/kubernetes: Service apps\/web is defined 3 times; keeping the first, from .*cluster\.yaml$/)])
  })

  it('loading a large file does not stop the event loop that answers DNS', async () => {
    logLines.length = 0
    server = await startServer(corefile(), { 'cluster.yaml': service('web', '10.96.2.1') })
    const count = 30_000
    const big = Array.from({ length: count }, (_, i) => service(`svc-${i}`, `10.97.${i >> 8}.${i & 255}`)).join('---\n')
    // The server runs in this process: a load that holds the thread shows as a gap between ticks.
    let last = performance.now()
    let longestGap = 0
    const ticks = setInterval(() => {
      const now = performance.now()
      longestGap = Math.max(longestGap, now - last)
      last = now
    }, 20)
    try {
      writeFileSync(join(server.dir, 'cluster.yaml'), big)
      await until(async () => logLines.some((l) => l.includes(`loaded ${count} services`)), Boolean, 60_000, 50)
    } finally {
      clearInterval(ticks)
    }
    // Parsing 30,000 documents takes seconds; done on this thread, it was one gap that long.
    expect(longestGap).toBeLessThan(1500)
    expect((await server.ask('svc-29999.apps.svc.cluster.local', 'A')).answer).toEqual(['svc-29999.apps.svc.cluster.local. 5 IN A 10.97.117.47'])
  }, 90_000)
})
