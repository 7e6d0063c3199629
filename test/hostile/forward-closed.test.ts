import { createServer, type Server, type Socket } from 'node:net'
import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'

let server: RunningServer | undefined
let upstream: Server | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(null)))
  upstream = undefined
})

/**
 * A TCP-only upstream that answers A queries with 192.0.2.1, except that it closes the connection
 * instead of answering when `closeOn` says so (a query it dislikes, a connection it has had enough of).
 */
async function closingUpstream(closeOn: (name: string, queryOnConnection: number) => boolean): Promise<number> {
  const connections = new Set<Socket>()
  upstream = createServer((socket) => {
    connections.add(socket)
    socket.on('close', () => connections.delete(socket))
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    let served = 0
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const query = dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0)))
        pending = pending.subarray(2 + pending.readUInt16BE(0))
        const name = query.questions![0]!.name
        if (closeOn(name, ++served)) {
          socket.destroy()
          return
        }
        const reply = dnsPacket.encode({
          type: 'response',
          id: query.id,
          flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
          questions: query.questions,
          answers: [{ name, type: 'A', ttl: 60, data: '192.0.2.1' }],
        })
        socket.write(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]))
      }
    })
  })
  upstream.on('close', () => connections.forEach((c) => c.destroy()))
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve))
  return (upstream.address() as { port: number }).port
}

const corefile = (port: number): string => `.:0 {
  bind 127.0.0.1
  forward . 127.0.0.1:${port} {
    force_tcp
    max_fails 2
  }
}
`

describe('forward over TCP to an upstream that closes connections', () => {
  it('a kept-alive connection the upstream closed is re-dialed: every query is answered', async () => {
    // One query per connection: every reuse of a kept-alive connection meets a close.
    server = await startServer(corefile(await closingUpstream((_, n) => n > 1)))
    for (let i = 0; i < 6; i++) {
      const reply = await server.ask(`host${i}.example.com`, 'A')
      expect(reply.status).toBe('NOERROR')
      expect(reply.answer).toEqual([`host${i}.example.com. 60 IN A 192.0.2.1`])
    }
  })

  it('an upstream that closes on a query it dislikes is not marked down for it', async () => {
    logLines.length = 0
    server = await startServer(corefile(await closingUpstream((name) => name.startsWith('bad'))))
    for (let i = 0; i < 5; i++) expect((await server.ask(`bad${i}.example.com`, 'A')).status).toBe('SERVFAIL')
    // max_fails is 2: had those five counted, the upstream would be down now and this SERVFAIL too.
    expect((await server.ask('good.example.com', 'A')).answer).toEqual(['good.example.com. 60 IN A 192.0.2.1'])
    expect(logLines.some((l) => l.includes('every upstream is down'))).toBe(false)
  })
})
