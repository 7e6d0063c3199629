import { createSocket, type Socket } from 'node:dgram'
import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { serverForEach } from '../../support/dns-server.js'
import { unboundForFile } from '../../support/unbound.js'

const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })
const startServer = serverForEach()
const fakes: Socket[] = []
afterEach(async () => {
  for (const f of fakes.splice(0)) f.close()
})

/** A hand-made UDP upstream: answers every name with `ip` after `delayMs` (never, if null); counts queries. */
async function fakeUpstream(ip: string, delayMs: number | null): Promise<{ port: number; queries: () => number }> {
  const socket = createSocket('udp4')
  fakes.push(socket)
  let count = 0
  socket.on('message', (msg, from) => {
    count++
    if (delayMs === null) return
    const q = dnsPacket.decode(msg)
    const name = q.questions![0]!.name
    const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED, questions: q.questions, answers: [{ name, type: 'A', ttl: 60, data: ip }] })
    setTimeout(() => socket.send(reply, from.port, from.address), delayMs)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, queries: () => count }
}

const corefile = (forwards: string): string => `.:0 {\n  bind 127.0.0.1\n  ${forwards}\n}\n`
const up = (): string => `127.0.0.1:${upstream().port}`

describe('several forward in one block (CoreDNS 1.14)', () => {
  it('each takes the names under its FROM, in the order written; the rest go to the next', async () => {
    const other = await fakeUpstream('192.0.2.7', 0)
    let server = await startServer(corefile(`forward example.com ${up()}\n  forward . 127.0.0.1:${other.port}`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect((await server.ask('nope.example.com', 'A')).status).toBe('NXDOMAIN')
    expect((await server.ask('www.example.org', 'A')).answer).toEqual(['www.example.org. 60 IN A 192.0.2.7'])
    // `.` first takes every name: the later, more specific one never sees any.
    await server.stop()
    server = await startServer(corefile(`forward . 127.0.0.1:${other.port}\n  forward example.com ${up()}`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 60 IN A 192.0.2.7'])
  })

  it('next RCODE hands the query to the next forward, and is ignored by the last', async () => {
    const other = await fakeUpstream('192.0.2.7', 0)
    let server = await startServer(corefile(`forward . ${up()} {\n    next NXDOMAIN\n  }\n  forward . 127.0.0.1:${other.port}`))
    expect((await server.ask('nope.example.com', 'A')).answer).toEqual(['nope.example.com. 60 IN A 192.0.2.7'])
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    await server.stop()
    server = await startServer(corefile(`forward . ${up()} {\n    next NXDOMAIN\n  }`))
    expect((await server.ask('nope.example.com', 'A')).status).toBe('NXDOMAIN')
  })
})

describe('forward read_timeout and max_connect_attempts', () => {
  it('read_timeout: an upstream slower than it gets no answer through; the default 2s waits for it', async () => {
    const slow = await fakeUpstream('192.0.2.9', 300)
    let server = await startServer(corefile(`forward . 127.0.0.1:${slow.port} {\n    read_timeout 100ms\n    max_fails 0\n  }`))
    expect((await server.ask('a.example.org', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    await server.stop()
    server = await startServer(corefile(`forward . 127.0.0.1:${slow.port}`))
    expect((await server.ask('a.example.org', 'A')).answer).toEqual(['a.example.org. 60 IN A 192.0.2.9'])
  })

  it('max_connect_attempts caps the tries per query; by default each upstream gets two', async () => {
    const silent = await fakeUpstream('192.0.2.9', null)
    let server = await startServer(corefile(`forward . 127.0.0.1:${silent.port} {\n    read_timeout 100ms\n    max_fails 0\n    max_connect_attempts 1\n  }`))
    expect((await server.ask('a.example.org', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    expect(silent.queries()).toBe(1)
    await server.stop()
    server = await startServer(corefile(`forward . 127.0.0.1:${silent.port} {\n    read_timeout 100ms\n    max_fails 0\n  }`))
    expect((await server.ask('b.example.org', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    expect(silent.queries()).toBe(1 + 2)
    await server.stop()
    server = await startServer(corefile(`forward . 127.0.0.1:${silent.port} {\n    read_timeout 100ms\n    max_fails 0\n    max_connect_attempts 0\n  }`))
    const started = Date.now()
    expect((await server.ask('c.example.org', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
    // No cap: tried again and again until the 5s deadline.
    expect(Date.now() - started).toBeGreaterThan(4500)
    expect(silent.queries()).toBeGreaterThan(3 + 30)
  })

  it('refuses a read_timeout that is not positive', async () => {
    await expect(startServer(corefile('forward . 127.0.0.1 {\n    read_timeout 0s\n  }'))).rejects.toThrow(/plugin\/forward: .*read_timeout must be positive/)
    await expect(startServer(corefile('forward . 127.0.0.1 {\n    max_connect_attempts -1\n  }'))).rejects.toThrow(/max_connect_attempts: N must be a whole number/)
  })
})
