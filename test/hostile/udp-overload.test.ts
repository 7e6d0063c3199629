import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { ERROR_REPLIES_PER_SECOND } from '../../src/server/udp-listener.js'
import { block, clusterCorefile, clusterKubernetes, serverBlock } from '../support/corefile.js'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { metricSum } from '../support/metrics.js'
import { buildQuery, frame, rcodeOf, tcpExchange, udpExchange } from '../support/raw-client.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const WEB = 'web.shop.svc.cluster.local'
const FORMERR = 1
const withLimits = (option: string, port = 0): string => serverBlock([block('limits', [option]), clusterKubernetes()], { port })
const shedErrorReplies = (): Promise<number> => metricSum('clusterdns_udp_shed_total', { reason: 'error_reply' })

/** A query with QDCOUNT 0: refused on its header alone. */
function noQuestion(id: number): Buffer {
  const packet = buildQuery(WEB, 'A', { id })
  packet.writeUInt16BE(0, 4)
  return packet
}

/** A query whose first label claims 64 bytes: malformed only where the question is read. */
function longLabel(id: number): Buffer {
  const packet = buildQuery(WEB, 'A', { id })
  packet[12] = 64
  return packet
}

/** Datagrams the kernel dropped at the loopback UDP socket on `port` (a full receive buffer). */
function kernelDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const line = readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1] === local)
  return line ? Number(line.trim().split(/\s+/).at(-1)) : 0
}

/**
 * Sends `count` packets from one socket in batches (a pause between, so the kernel buffer does not
 * overflow on a slow machine) and counts the replies that came within 1 s; `elapsedS` is from the
 * first datagram sent to the last reply, `lost` what the kernel dropped at either end.
 */
async function burst(port: number, count: number, make: (id: number) => Buffer): Promise<{ replies: number; formerr: number; elapsedS: number; lost: number }> {
  const socket = createSocket('udp4')
  let replies = 0
  let formerr = 0
  let lastReplyAt = 0
  socket.on('message', (reply) => {
    lastReplyAt = performance.now()
    replies++
    if (rcodeOf(reply) === FORMERR) formerr++
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const dropsBefore = kernelDrops(port)
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    socket.send(make(i & 0xffff), port, '127.0.0.1')
    if (i % 20 === 19) await sleep(1)
  }
  await sleep(1000)
  const elapsedS = (lastReplyAt - started) / 1000
  const lost = kernelDrops(port) - dropsBefore + kernelDrops(socket.address().port)
  socket.close()
  return { replies, formerr, elapsedS, lost }
}

describe('under a flood of malformed datagrams, error replies are rationed and queries are not', () => {
  it(`at most ${ERROR_REPLIES_PER_SECOND} FORMERR a second (and as many at once) go out over UDP; the rest are dropped and counted`, async () => {
    server = await startServer(clusterCorefile())
    const shedBefore = await shedErrorReplies()
    const { replies, formerr, elapsedS, lost } = await burst(server.port, 3000, noQuestion)
    // The first ones are still answered (a client that sends garbage now and then gets its FORMERR).
    expect(formerr).toBeGreaterThan(ERROR_REPLIES_PER_SECOND / 2)
    expect(replies).toBe(formerr)
    expect(replies).toBeLessThanOrEqual(ERROR_REPLIES_PER_SECOND * (1 + elapsedS) + 1)
    // Every datagram is accounted for: answered, shed (and counted), or lost in a kernel buffer.
    expect((await shedErrorReplies()) - shedBefore + replies + lost).toBe(3000)

    // The budget spent, a valid query is answered as ever, and TCP still gets its FORMERR.
    expect(rcodeOf((await udpExchange(server.port, buildQuery(WEB, 'A')))!)).toBe(0)
    const [overTcp] = await tcpExchange(server.port, frame(noQuestion(7)), 1)
    expect(rcodeOf(overTcp!)).toBe(FORMERR)
  })

  it('a packet found malformed only by reading its question is rationed too; after a quiet second the budget is back', async () => {
    server = await startServer(clusterCorefile())
    const { replies, formerr, elapsedS } = await burst(server.port, 3000, longLabel)
    expect(formerr).toBeGreaterThan(ERROR_REPLIES_PER_SECOND / 2)
    expect(replies).toBeLessThanOrEqual(ERROR_REPLIES_PER_SECOND * (1 + elapsedS) + 1)

    await sleep(1100)
    expect(rcodeOf((await udpExchange(server.port, longLabel(9)))!)).toBe(FORMERR)
    expect(rcodeOf((await udpExchange(server.port, noQuestion(10)))!)).toBe(FORMERR)
  })
})

/** The receive buffer the kernel gave the UDP socket on `port` (`ss`: rb, twice what was set on Linux). */
function receiveBuffer(port: number): number {
  const out = execFileSync('ss', ['-uamn', `sport = :${port}`], { encoding: 'utf8' })
  return Number(/skmem:\(r\d+,rb(\d+),/.exec(out)![1])
}

describe('limits { udp_receive_buffer }', () => {
  it('sizes the UDP socket receive buffer, again on reload, and says when the kernel gives less', async () => {
    server = await startServer(withLimits('udp_receive_buffer 100K'))
    expect(receiveBuffer(server.port)).toBe(2 * 100 * 1024)

    const path = join(server.dir, 'Corefile')
    writeFileSync(path, withLimits('udp_receive_buffer 150K', server.port))
    expect(await server.runtime.reload()).toBe(true)
    expect(receiveBuffer(server.port)).toBe(2 * 150 * 1024)

    // More than the kernel allows (net.core.rmem_max): it gives its maximum, and the start says so.
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'))
    logLines.length = 0
    writeFileSync(path, withLimits(`udp_receive_buffer ${2 * rmemMax}`, server.port))
    expect(await server.runtime.reload()).toBe(true)
    expect(receiveBuffer(server.port)).toBe(2 * rmemMax)
    expect(logLines).toContain(`[WARNING] UDP receive buffer is ${rmemMax} bytes, not ${2 * rmemMax}: raise net.core.rmem_max`)
  })
})
