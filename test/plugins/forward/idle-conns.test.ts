import { createServer, type Server } from 'node:net'
import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { serverForEach } from '../../support/dns-server.js'

const startServer = serverForEach()
let upstream: Server | undefined
afterEach(async () => {
  upstream?.close()
})

/** A hand-made TCP upstream: answers each framed query after 200ms, so queries overlap; counts connections. */
async function slowTcpUpstream(): Promise<{ port: number; connections: () => number }> {
  let connections = 0
  upstream = createServer((socket) => {
    connections++
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const q = dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)))
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0))
        const name = q.questions![0]!.name
        const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: 0, questions: q.questions, answers: [{ name, type: 'A', ttl: 60, data: '192.0.2.5' }] })
        setTimeout(() => socket.write(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply])), 200)
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve))
  return { port: (upstream.address() as { port: number }).port, connections: () => connections }
}

/** Two overlapping queries, twice: how many connections the upstream saw. */
async function connectionsFor(options: string): Promise<number> {
  const fake = await slowTcpUpstream()
  const server = await startServer(`.:0 {\n  bind 127.0.0.1\n  forward . 127.0.0.1:${fake.port} {\n    force_tcp\n${options}  }\n}\n`)
  for (const round of [1, 2]) {
    const replies = await Promise.all(['a', 'b'].map((n) => server.ask(`${n}${round}.example.org`, 'A')))
    expect(replies.map((r) => r.answer.length)).toEqual([1, 1])
  }
  return fake.connections()
}

describe('forward max_idle_conns', () => {
  it('keeps every idle connection by default, at most N with max_idle_conns N', async () => {
    expect(await connectionsFor('')).toBe(2)
    upstream!.close()
    expect(await connectionsFor('    max_idle_conns 1\n')).toBe(3)
  })
})
