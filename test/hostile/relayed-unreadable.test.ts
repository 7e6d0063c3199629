import { createSocket, type Socket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { serverBlock } from '../support/corefile.js'
import { serverForEach } from '../support/dns-server.js'

const startServer = serverForEach()
let fake: Socket | undefined
afterEach(() => {
  fake?.close()
  fake = undefined
})

describe('an upstream reply whose records do not parse', () => {
  it('is answered SERVFAIL, as CoreDNS does when it cannot unpack one: never relayed broken', async () => {
    fake = createSocket('udp4')
    const socket = fake
    socket.on('message', (query, from) => {
      // The query's header and question, flagged a response with one answer record whose data
      // runs past the end: the question matches, so forward takes it.
      const questionEnd = 12 + query.subarray(12).indexOf(0) + 5
      const reply = Buffer.concat([query.subarray(0, questionEnd), Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0])])
      reply[2]! |= 0x80
      reply.writeUInt16BE(1, 6)
      reply.writeUInt16BE(0, 10)
      socket.send(reply, from.port, from.address)
    })
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const server = await startServer(serverBlock([`forward . 127.0.0.1:${socket.address().port}`]))
    const reply = await server.ask('broken.example.net', 'A', { flags: ['+noedns'] })
    expect(reply.status).toBe('SERVFAIL')
    expect(reply.answer).toEqual([])
  })
})
