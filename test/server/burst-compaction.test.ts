import { createSocket } from 'node:dgram'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { serverBlock } from '../support/corefile.js'
import { logLines, serverForFile } from '../support/dns-server.js'
import { until } from '../support/until.js'

/** A query for `name` A with the given ID, as a stub resolver sends it. */
function query(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)])
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])])
}

describe('after a burst of queries, the heap is looked at once the load has fallen', () => {
  const server = serverForFile(serverBlock(['debug', 'whoami']))
  const burstLines = (): string[] => logLines.filter((l) => l.includes('after a burst of queries'))

  it('a trickle is no burst; 8,000 queries at once are, and once they stop the server compacts or says why not', async () => {
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
      expect(burstLines()[0]).toMatch(/after a burst of queries: (heap compacted from \d+ MiB to \d+ MiB in \d+ms|RSS \d+ MiB is within 1\.1× of \d+ MiB, not compacted)$/)
      // Quiet goes on, and no second burst was seen.
      await sleep(2000)
      expect(burstLines()).toHaveLength(1)
    } finally {
      socket.close()
    }
  })
})
