import { createSocket } from 'node:dgram'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { UdpListener } from '../../src/server/udp-listener.js'
import { buildQuery } from '../support/raw-client.js'

describe('UDP listener', () => {
  it('drops the reply of a query still being answered when the listener closes (a reload dropped it)', async () => {
    let answered = 0
    const listener = new UdpListener(async (packet) => {
      await sleep(200)
      answered++
      return packet
    })
    const port = await listener.listen('127.0.0.1', 0)
    const client = createSocket('udp4')
    const replies: Buffer[] = []
    client.on('message', (msg) => replies.push(msg))
    await new Promise<void>((resolve) => client.send(buildQuery('a.example', 'A'), port, '127.0.0.1', () => resolve()))
    await sleep(50)
    await listener.close()
    // The handler finishes after the close; sending then would throw ERR_SOCKET_DGRAM_NOT_RUNNING
    // outside any handler, an unhandled rejection that ends the process (and fails this run).
    await sleep(300)
    client.close()
    expect(answered).toBe(1)
    expect(replies).toEqual([])
  })
})
