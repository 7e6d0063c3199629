import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'
import { until } from '../../support/until.js'

const startServer = serverForEach()
const PROBE = /^\d+\.\d+\. HINFO$/

describe('loop', () => {
  it('stops the server, saying what to fix, when forward leads back to itself', async () => {
    const port = await freePort()
    const server = await startServer(serverBlock(['loop', `forward . 127.0.0.1:${port}`], { port }))
    const fatal: string[] = []
    server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
    await until(async () => fatal.length, (n) => n > 0, 5000)
    expect(fatal[0]).toMatch(new RegExp(`^plugin/loop: Loop \\(127\\.0\\.0\\.1:${port} -> 127\\.0\\.0\\.1:${port}\\) detected for zone "\\.": the query "HINFO \\d+\\.\\d+\\." came back`))
    expect(fatal[0]).toMatch(/forward to a resolver that is not it/)
  })

  it('stays quiet when the upstream is another resolver, which gets the probe once', async () => {
    const upstream = await startUnbound({ zone: 'example.com.', records: [] }, '127.0.0.1', await freePort(), { logQueries: true })
    try {
      const server = await startServer(serverBlock(['loop', `forward . 127.0.0.1:${upstream.port}`]))
      const fatal: string[] = []
      server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
      // The probe went out, through forward, to the other resolver: the check really ran.
      const probes = (): string[] => upstream.queries().filter((q) => PROBE.test(q))
      expect(await until(async () => probes(), (p) => p.length > 0, 5000)).toHaveLength(1)
      await sleep(1500)
      expect(fatal).toEqual([])
      expect(probes()).toHaveLength(1)
    } finally {
      await upstream.stop()
    }
  })
})
