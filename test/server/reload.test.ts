import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { DEMO_CLUSTER, rr } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import type { DigReply } from '../support/dig.js'
import { logLines, serverForEach } from '../support/dns-server.js'
import { buildQuery, frame } from '../support/raw-client.js'
import { until } from '../support/until.js'

const startServer = serverForEach()

const corefile = (...options: string[]): string => serverBlock(['reload 2s 0s', kubernetes([`manifests ${DEMO_CLUSTER}`, ...options])])

describe('reload', () => {
  it('moves to a changed Corefile, keeps serving through a bad one, and keeps its sockets', { timeout: 30_000 }, async () => {
    const server = await startServer(corefile('ttl 5'))
    const { port } = server
    const path = join(server.dir, 'Corefile')
    const ask = (): Promise<DigReply> => server.ask('web.shop.svc.cluster.local', 'A')
    expect((await ask()).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 5)])

    // A TCP connection opened before the reload must still be answered after it.
    const tcp = connect(port, '127.0.0.1')
    await new Promise((resolve) => tcp.once('connect', resolve))

    // The port in the new file is the one the running server got: the listener is kept.
    writeFileSync(path, corefile('ttl 30'))
    const during: DigReply[] = []
    const moved = await until(
      async () => {
        const r = await ask()
        during.push(r)
        return r
      },
      (r) => r.answer[0] === rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30),
      10_000,
    )
    expect(moved.answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30)])
    expect(during.every((r) => r.status === 'NOERROR' && r.answer.length === 1)).toBe(true)
    expect(server.runtime.dns.addresses.map((a) => a.port)).toEqual([port])

    const reply = await new Promise<Buffer>((resolve) => {
      tcp.once('data', (d) => resolve(d.subarray(2)))
      tcp.write(frame(buildQuery('web.shop.svc.cluster.local', 'A', { id: 77 })))
    })
    tcp.destroy()
    expect(dnsPacket.decode(reply).answers![0]).toMatchObject({ ttl: 30, data: '10.96.100.10' })

    logLines.length = 0
    writeFileSync(path, corefile('ttl 30', 'tll 60'))
    await until(async () => logLines.some((l) => l.includes('keeping the running configuration')), Boolean, 10_000)
    expect(logLines.find((l) => l.startsWith('[ERROR] plugin/reload:'))).toMatch(/Corefile:7: plugin\/kubernetes: unknown option tll/)
    const after = await ask()
    expect(after.answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30)])
    // Reported once, not at every check.
    await sleep(2500)
    expect(logLines.filter((l) => l.startsWith('[ERROR] plugin/reload:'))).toHaveLength(1)
  })
})
