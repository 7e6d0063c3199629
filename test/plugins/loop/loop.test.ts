import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'
import { until } from '../../support/until.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('loop', () => {
  it('stops the server, saying what to fix, when forward leads back to itself', async () => {
    const port = await freePort()
    server = await startServer(`.:${port} {\n  bind 127.0.0.1\n  loop\n  forward . 127.0.0.1:${port}\n}\n`)
    const fatal: string[] = []
    server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
    await until(async () => fatal.length, (n) => n > 0, 5000)
    expect(fatal[0]).toMatch(new RegExp(`^plugin/loop: Loop \\(127\\.0\\.0\\.1:${port} -> 127\\.0\\.0\\.1:${port}\\) detected for zone "\\.": the query "HINFO \\d+\\.\\d+\\." came back`))
    expect(fatal[0]).toMatch(/forward to a resolver that is not it/)
  })

  it('stays quiet when the upstream is another resolver', async () => {
    const upstream = await startUnbound({ zone: 'example.com.', records: [] }, '127.0.0.1', await freePort())
    try {
      server = await startServer(`.:0 {\n  bind 127.0.0.1\n  loop\n  forward . 127.0.0.1:${upstream.port}\n}\n`)
      const fatal: string[] = []
      server.runtime.lifecycle.fatal = (message) => void fatal.push(message)
      await sleep(1500)
      expect(fatal).toEqual([])
    } finally {
      await upstream.stop()
    }
  })
})
