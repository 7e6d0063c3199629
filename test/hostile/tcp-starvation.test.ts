import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import dnsPacket from 'dns-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { clusterCorefile } from '../support/corefile.js'
import { startServer, type RunningServer } from '../support/dns-server.js'
import { buildQuery, frame, idOf, tcpExchange } from '../support/raw-client.js'

let server: RunningServer | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await server?.stop()
  server = undefined
})

/** The cluster Corefile with server-wide directives added to its block. */
const withDirectives = (directives: string): string => clusterCorefile().replace('bind 127.0.0.1', `bind 127.0.0.1\n  ${directives}`)
const WEB = 'web.shop.svc.cluster.local'
const BIG = 'big.lab.svc.cluster.local' // 60 A records: ~1 KB a reply

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  return socket
}

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())))

/** Resolves with how long `socket` took to be closed by the server, or null when it was not within `ms`. */
async function closedWithin(socket: Socket, ms: number): Promise<number | null> {
  const started = performance.now()
  const result = await Promise.race([closed(socket).then(() => performance.now() - started), sleep(ms).then(() => null)])
  return result
}

describe('TCP clients that hold connections', () => {
  it('a query that trickles in a byte at a time is cut off at the read timeout (3 s by default), however active the client', async () => {
    server = await startServer(clusterCorefile())
    const socket = await open(server.port)
    const bytes = frame(buildQuery(WEB, 'A'))
    let sent = 0
    // Never idle for long (well under the idle timeout), never finishing a query.
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent < bytes.length - 1) socket.write(bytes.subarray(sent, ++sent))
    }, 200)
    try {
      const tookMs = await closedWithin(socket, 8000)
      expect(tookMs).not.toBeNull()
      expect(sent).toBeLessThan(bytes.length - 1)
    } finally {
      clearInterval(trickle)
    }
  })

  it('at the connection cap, a new client is answered: the longest-idle connection makes room', async () => {
    server = await startServer(withDirectives('limits {\n    tcp_connections 20\n  }\n  timeouts {\n    read 60s\n    idle 60s\n  }'))
    // Twenty clients that each sent half a query and wait: the cap is reached.
    const holders = await Promise.all(Array.from({ length: 20 }, () => open(server!.port)))
    for (const h of holders) h.write(Buffer.from([0, 40, 0x12]))
    await sleep(200)
    const [reply] = await tcpExchange(server.port, frame(buildQuery(WEB, 'A', { id: 77 })), 1, 5000)
    expect(idOf(reply!)).toBe(77)
    expect(dnsPacket.decode(reply!).answers!.map((a) => (a as { data?: unknown }).data)).toEqual(['10.96.100.10'])
    // Exactly one of the holders was closed for it: the first, idle the longest.
    await closedWithin(holders[0]!, 2000)
    expect(holders.map((h) => h.destroyed)).toEqual([true, ...Array(19).fill(false)])
  })

  it('the connection closed for a newcomer is the least recently used, not the oldest opened', async () => {
    server = await startServer(withDirectives('limits {\n    tcp_connections 2\n  }'))
    const first = await open(server.port)
    const second = await open(server.port)
    // `first` asks a question after `second` opened: `second` is now the least recently used.
    const answered = new Promise((resolve) => first.once('data', resolve))
    first.write(frame(buildQuery(WEB, 'A')))
    await answered
    await open(server.port)
    expect(await closedWithin(second, 3000)).not.toBeNull()
    expect(first.destroyed).toBe(false)
  })

  it('a client that pipelines queries and never reads the replies is not queued for without bound', async () => {
    server = await startServer(withDirectives('timeouts {\n    write 1s\n  }'))
    const socket = await open(server.port)
    socket.pause()
    const count = 5000
    // ~5 MB of replies asked for at once: far more than the kernel's buffers on both sides hold.
    socket.write(frame(...Array.from({ length: count }, (_, i) => buildQuery(BIG, 'A', { id: i }))))
    await sleep(3000)
    let received = 0
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        received++
        pending = pending.subarray(2 + pending.readUInt16BE(0))
      }
    })
    socket.resume()
    // The server stopped reading when the replies backed up, then closed at the write timeout.
    expect(await closedWithin(socket, 10_000)).not.toBeNull()
    expect(received).toBeLessThan(count)
    expect((await server.ask(WEB, 'A', { tcp: true })).answer).toEqual(['web.shop.svc.cluster.local. 5 IN A 10.96.100.10'])
  }, 30_000)

  it('maxtcpqueries: the connection closes after that many queries, each answered', async () => {
    server = await startServer(withDirectives('timeouts {\n    maxtcpqueries 2\n  }'))
    const socket = await open(server.port)
    const replies: Buffer[] = []
    socket.on('data', (chunk: Buffer) => replies.push(chunk))
    socket.write(frame(...[1, 2, 3].map((id) => buildQuery(WEB, 'A', { id }))))
    expect(await closedWithin(socket, 5000)).not.toBeNull()
    const bytes = Buffer.concat(replies)
    const ids: number[] = []
    for (let at = 0; at < bytes.length; at += 2 + bytes.readUInt16BE(at)) ids.push(bytes.readUInt16BE(at + 2))
    expect(ids.sort()).toEqual([1, 2])
  })
})

describe('timeouts and limits in the Corefile', () => {
  it.each([
    ['timeouts', /timeouts block with no timeouts specified/],
    ['timeouts {\n  }', /timeouts block with no timeouts specified/],
    ['timeouts {\n    read 10s\n    giraffe 30s\n  }', /unknown option: 'giraffe'/],
    ['timeouts {\n    read 10s 20s\n  }', /wrong number of arguments/],
    ['timeouts {\n    write snake\n  }', /failed to parse duration 'snake'/],
    ['timeouts {\n    idle 0s\n  }', /needs to be between 1 second and 24 hours/],
    ['timeouts {\n    read 48h\n  }', /needs to be between 1 second and 24 hours/],
    ['timeouts {\n    maxtcpqueries 0\n  }', /needs to be -1 \(unlimited\) or a positive integer/],
    ['timeouts {\n    maxtcpqueries snake\n  }', /invalid value for maxtcpqueries 'snake'/],
    ['limits {\n    tcp_connections 0\n  }', /tcp_connections must be at least 1/],
    ['limits {\n    udp_receive_buffer lots\n  }', /lots is not a size in bytes/],
  ])('%s is refused', async (directive, message) => {
    await expect(startServer(withDirectives(directive))).rejects.toThrow(message)
  })

  it('a bare number is seconds, as in CoreDNS: `read 1` cuts a trickling query off after a second', async () => {
    server = await startServer(withDirectives('timeouts {\n    read 1\n    maxtcpqueries -1\n  }'))
    const socket = await open(server.port)
    socket.write(Buffer.from([0, 40]))
    expect(await closedWithin(socket, 6000)).not.toBeNull()
  })
})
