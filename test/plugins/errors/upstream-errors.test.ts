import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'
import { startedForAll } from '../../support/lifetimes.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'

const startServer = serverForEach()
// Answers example.com, drops every other question: a query for example.net times out.
const upstream = startedForAll(async () => startUnbound({ zone: 'example.com.', records: [] }, '127.0.0.1', await freePort(), { root: 'deny' }), (u) => u.stop())

const forward = (to: string, options: readonly string[] = []): string => block(`forward . ${to}`, ['max_fails 0', 'read_timeout 200ms', 'max_connect_attempts 1', ...options])
const errorLines = (): string[] => logLines.filter((l) => l.includes('plugin/errors'))

describe('errors logs upstream failures in CoreDNS’s words', () => {
  it('a timeout: `2 NAME. TYPE: read udp LOCAL->UPSTREAM: i/o timeout`, one line per failed query', async () => {
    const server = await startServer(serverBlock(['errors', forward(`127.0.0.1:${upstream().port}`)]))
    logLines.length = 0
    expect((await server.ask('Slow.Example.NET', 'AAAA')).status).toBe('SERVFAIL')
    expect((await server.ask('other.example.net', 'MX')).status).toBe('SERVFAIL')
    const port = upstream().port
    expect(errorLines()).toHaveLength(2)
    expect(errorLines()[0]).toMatch(new RegExp(`^\\[ERROR\\] plugin/errors: 2 slow\\.example\\.net\\. AAAA: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: i/o timeout$`))
    expect(errorLines()[1]).toMatch(new RegExp(`^\\[ERROR\\] plugin/errors: 2 other\\.example\\.net\\. MX: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: i/o timeout$`))
  })

  it('a closed port, over UDP and TCP, as Go says it; the name escaped as dig prints it', async () => {
    const closed = await freePort()
    let server = await startServer(serverBlock(['errors', forward(`127.0.0.1:${closed}`)]))
    logLines.length = 0
    expect((await server.ask('line\\010break.example.net', 'A')).status).toBe('SERVFAIL')
    expect(errorLines()).toEqual([expect.stringMatching(new RegExp(`^\\[ERROR\\] plugin/errors: 2 line\\\\010break\\.example\\.net\\. A: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${closed}: read: connection refused$`))])
    await server.stop()
    server = await startServer(serverBlock(['errors', forward(`127.0.0.1:${closed}`, ['force_tcp'])]))
    logLines.length = 0
    expect((await server.ask('api.example.net', 'A')).status).toBe('SERVFAIL')
    expect(errorLines()).toEqual([`[ERROR] plugin/errors: 2 api.example.net. A: dial tcp 127.0.0.1:${closed}: connect: connection refused`])
  })

  it('a max_concurrent refusal: `5 NAME. TYPE: concurrent queries exceeded maximum N`', async () => {
    const server = await startServer(serverBlock(['errors', forward(`127.0.0.1:${upstream().port}`, ['max_concurrent 1', 'read_timeout 3s'])]))
    logLines.length = 0
    // In flight for 3s (the upstream drops it) while the second arrives.
    const slow = server.ask('first.example.net', 'A', { timeout: 6 })
    await sleep(700)
    expect((await server.ask('second.example.net', 'A')).status).toBe('REFUSED')
    expect((await slow).status).toBe('SERVFAIL')
    expect(errorLines()[0]).toBe('[ERROR] plugin/errors: 5 second.example.net. A: concurrent queries exceeded maximum 1')
  })

  it('consolidate: matching errors are counted and written once per period, at its level', async () => {
    const errors = block('errors', ['stacktrace', 'consolidate 1s "i/o timeout$" warning'])
    const server = await startServer(serverBlock([errors, forward(`127.0.0.1:${upstream().port}`)]))
    logLines.length = 0
    for (const name of ['a.example.net', 'b.example.net', 'c.example.net']) expect((await server.ask(name, 'A')).status).toBe('SERVFAIL')
    expect(errorLines()).toEqual([])
    await sleep(1200)
    expect(errorLines()).toEqual(["[WARNING] plugin/errors: 3 errors like 'i/o timeout$' occurred in last 1s"])
  })

  it('consolidate … show_first writes the first at once; what is counted is written when the server stops', async () => {
    const errors = block('errors', ['consolidate 1h "^read udp " info show_first'])
    const server = await startServer(serverBlock([errors, forward(`127.0.0.1:${upstream().port}`)]))
    logLines.length = 0
    for (const name of ['a.example.net', 'b.example.net']) expect((await server.ask(name, 'A')).status).toBe('SERVFAIL')
    expect(errorLines()).toEqual([expect.stringMatching(/^\[INFO\] plugin\/errors: 2 a\.example\.net\. A: read udp .*: i\/o timeout$/)])
    await server.stop()
    expect(errorLines().slice(1)).toEqual(["[INFO] plugin/errors: 2 errors like '^read udp ' occurred in last 1h0m0s"])
  })
})
