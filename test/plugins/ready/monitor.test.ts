import { describe, expect, it } from 'vitest'
import { DEMO_CLUSTER } from '../../support/cluster.js'
import { serverForEach } from '../../support/dns-server.js'
import { freePort } from '../../support/ports.js'

const startServer = serverForEach()

const corefile = (ready: string): string => `.:0 {
  bind 127.0.0.1
  ${ready}
  kubernetes cluster.local {
    manifests ${DEMO_CLUSTER}
  }
}
`

describe('ready { monitor }', () => {
  it.each(['until-ready', 'continuously'])('monitor %s: /ready answers 200 OK once kubernetes has synced', async (mode) => {
    const port = await freePort()
    await startServer(corefile(`ready 127.0.0.1:${port} {\n    monitor ${mode}\n  }`))
    const response = await fetch(`http://127.0.0.1:${port}/ready`)
    expect(`${response.status} ${await response.text()}`).toBe('200 OK')
  })

  it.each([
    ['monitor sometimes', /plugin\/ready: .*monitor: sometimes is not until-ready or continuously/],
    ['monitor', /plugin\/ready: .*monitor: wrong number of arguments/],
    ['probe 1s', /plugin\/ready: .*unknown property probe/],
  ])('refuses `%s` with a clear message', async (option, message) => {
    await expect(startServer(corefile(`ready 127.0.0.1:0 {\n    ${option}\n  }`))).rejects.toThrow(message)
  })
})
