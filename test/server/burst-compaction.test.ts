import { createSocket } from 'node:dgram'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { serverBlock } from '../support/corefile.js'
import { DEMO_CLUSTER } from '../support/cluster.js'
import { logLines, serverForFile } from '../support/dns-server.js'
import { freePort } from '../support/ports.js'
import { until } from '../support/until.js'

/** A query for `name` A with the given ID, as a stub resolver sends it. */
function query(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)])
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])])
}

describe('after a burst of queries, the heap is looked at once the load has fallen', () => {
  const server = serverForFile(serverBlock(['debug', 'whoami']))
  const burstLines = (): string[] => logLines.filter((l) => l.includes('after a burst of queries'))

  it('a trickle is no burst; 8,000 queries at once are, and once they stop the server collects only if the burst grew memory much, compacts only a heap that keeps much unused, and says which', async () => {
    const socket = createSocket('udp4')
    let replies = 0
    socket.on('message', () => replies++)
    try {
      for (let i = 0; i < 20; i++) {
        socket.send(query(i, 'trickle.example'), server().port, '127.0.0.1')
        await sleep(100)
      }
      await until(async () => replies, (n) => n === 20)
      expect(burstLines()).toEqual([])

      for (let i = 0; i < 8000; i++) socket.send(query(i, `burst${i}.example`), server().port, '127.0.0.1')
      await until(async () => burstLines().length, (n) => n > 0, 6000)
      expect(replies).toBeGreaterThan(2000)
      expect(burstLines()).toHaveLength(1)
      const line = burstLines()[0]!
      expect(line).toMatch(
        /after a burst of queries: 0 entries kept for one-off names let go(; heap and buffers grew by \d+ MiB, RSS by \d+\.\d\d×, not collected|, heap and buffers grew by \d+ MiB, RSS by \d+\.\d\d×, collected: \d+ MiB in use of \d+ MiB, (not compacted|heap compacted from \d+ MiB to \d+ MiB in \d+ms))$/,
      )
      // The server's first burst: collected exactly when it grew heap and buffers by more than
      // 16 MiB or RSS by more than 1.2×; compacted exactly when the collected heap still kept more
      // than 8 MiB unused (the numbers printed are rounded).
      const [, grown, rss] = /grew by (\d+) MiB, RSS by ([\d.]+)×/.exec(line)!.map(Number)
      if (line.endsWith('not collected')) expect([grown! <= 16, rss! <= 1.2]).toEqual([true, true])
      else expect(grown! >= 16 || rss! >= 1.2).toBe(true)
      const collected = /collected: (\d+) MiB in use of (\d+) MiB/.exec(line)
      if (collected) {
        const unused = Number(collected[2]) - Number(collected[1])
        if (line.endsWith('not compacted')) expect(unused).toBeLessThanOrEqual(9)
        else expect(unused).toBeGreaterThanOrEqual(7)
      }
      // Quiet goes on, and no second burst was seen.
      await sleep(2000)
      expect(burstLines()).toHaveLength(1)
    } finally {
      socket.close()
    }
  })
})

describe('after a burst of one-off names, the answer cache keeps only what was asked again, the lookup memo nothing', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()]
  // debug (for the burst's log line) stops a block's answers being replayed, so it has a block of its own.
  const server = serverForFile(
    `example:${port} {\n  bind 127.0.0.1\n  debug\n  whoami\n}\n` +
      `cluster.local:${port} {\n  bind 127.0.0.1\n  prometheus 127.0.0.1:${metricsPort}\n  kubernetes cluster.local {\n    manifests ${DEMO_CLUSTER}\n  }\n}\n`,
  )
  const entries = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    return Number(/^clusterdns_answer_cache_entries (\d+)$/m.exec(text)![1])
  }

  it('lets go of the answers never replayed and of the memoized lookups, keeps the one answer replayed', async () => {
    const socket = createSocket('udp4')
    let replies = 0
    socket.on('message', () => replies++)
    try {
      for (let i = 0; i < 2; i++) socket.send(query(i, 'kubernetes.default.svc.cluster.local'), server().port, '127.0.0.1')
      await until(async () => replies, (n) => n === 2)
      const start = logLines.length
      for (let i = 0; i < 8000; i++) socket.send(query(i, `nosuch${i}.default.svc.cluster.local`), server().port, '127.0.0.1')
      await until(async () => replies, (n) => n > 2000)
      const line = await until(async () => logLines.slice(start).find((l) => l.includes('after a burst of queries')), Boolean, 6000)
      const released = Number(/: (\d+) entries kept for one-off names let go/.exec(line ?? '')?.[1])
      // Each one-off name answered had an answer kept and a lookup memoized; both go.
      expect(released).toBeGreaterThanOrEqual(2 * (replies - 2))
      expect(await entries()).toBe(1)
    } finally {
      socket.close()
    }
  })
})
