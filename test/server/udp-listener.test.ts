import { createSocket } from 'node:dgram'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { UdpListener } from '../../src/server/udp-listener.js'
import { startCli, tempFile } from '../support/cli-process.js'
import { DEMO_CLUSTER } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { freePort } from '../support/ports.js'
import { buildQuery, udpExchange } from '../support/raw-client.js'
import { until } from '../support/until.js'

/** Replies of several lengths (one NXDOMAIN), each replayed from the answer cache once asked. */
const NAMES = ['web.shop.svc.cluster.local', 'db.shop.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'nope.shop.svc.cluster.local']
/** Queries sent without waiting: few enough that the client's receive buffer (~270 replies) holds their replies. */
const WAVE = 50
const BURST = 8 * WAVE

/**
 * Asks each name once, then all of them in waves sent without waiting, with IDs 0..BURST-1;
 * returns how many replies differ from the name's first reply (the ID aside) and how many came.
 */
async function burstAgainstFirstReplies(port: number): Promise<{ wrong: number; replies: number }> {
  const first = new Map<string, Buffer>()
  for (const name of NAMES) first.set(name, (await udpExchange(port, buildQuery(name, 'A', { id: 0xffff })))!.subarray(2))
  const socket = createSocket('udp4')
  const replies: Buffer[] = []
  socket.on('message', (msg) => replies.push(msg))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  try {
    for (let id = 0; id < BURST; id++) {
      socket.send(buildQuery(NAMES[id % NAMES.length]!, 'A', { id }), port, '127.0.0.1')
      if ((id + 1) % WAVE === 0) await until(async () => replies.length, (n) => n === id + 1, 5000)
    }
  } finally {
    socket.close()
  }
  const wrong = replies.filter((r) => !r.subarray(2).equals(first.get(NAMES[r.readUInt16BE(0) % NAMES.length]!)!)).length
  return { wrong, replies: replies.length }
}

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

  // Replays are written into one buffer the listener reuses. Node's --test-udp-no-try-send queues
  // every send instead of handing it to the kernel at once, as a full socket buffer does: a reply
  // written over one still queued would reach its client as another's.
  it.each([
    ['sent at once', []],
    ['queued by the socket', ['--test-udp-no-try-send']],
  ])('gives every replayed reply its own bytes when replies are %s', async (_, nodeArgs) => {
    const port = await freePort()
    const server = startCli(['-conf', tempFile('Corefile', serverBlock([kubernetes([`manifests ${DEMO_CLUSTER}`])], { port }))], { nodeArgs })
    try {
      expect(await server.waitForOutput('clusterdns-'), server.stderr).toBe(true)
      expect(await burstAgainstFirstReplies(port)).toEqual({ wrong: 0, replies: BURST })
    } finally {
      await server.stop()
    }
  })
})
