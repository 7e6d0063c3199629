import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'
import { until } from '../../support/until.js'

const startServer = serverForEach()

describe('loop', () => {
  it('stays quiet when the upstream is another resolver, which gets the probe once', async () => {
    const upstream = await startUnbound({ zone: 'example.com.', records: [] }, '127.0.0.1', await freePort(), { logQueries: true })
    try {
      const server = await startServer(serverBlock(['loop', `forward . 127.0.0.1:${upstream.port}`]))
      const fatal: string[] = []
      server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
      await sleep(1500)
      expect(fatal).toEqual([])
      // The probe went out, through forward, to the other resolver: the check really ran.
      expect(upstream.queries().filter((q) => /^\d+\.\d+\. HINFO$/.test(q))).toHaveLength(1)
    } finally {
      await upstream.stop()
    }
  })

  // Last in the file: the probe keeps circling until the server stops, and the replies still in
  // flight then (after forward's 2 s timeout) fail to send on the closed UDP socket, unhandled.
  it('stops the server, saying what to fix, when forward leads back to itself', async () => {
    const port = await freePort()
    const server = await startServer(serverBlock(['loop', `forward . 127.0.0.1:${port}`], { port }))
    const fatal: string[] = []
    server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
    await until(async () => fatal.length, (n) => n > 0, 5000)
    expect(fatal[0]).toMatch(new RegExp(`^plugin/loop: Loop \\(127\\.0\\.0\\.1:${port} -> 127\\.0\\.0\\.1:${port}\\) detected for zone "\\.": the query "HINFO \\d+\\.\\d+\\." came back`))
    expect(fatal[0]).toMatch(/forward to a resolver that is not it/)
  })
})
