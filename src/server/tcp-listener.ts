import { createServer, type Server, type Socket } from 'node:net'
import { listenError } from './udp-listener.js'
import type { PacketHandler } from './query-pipeline.js'
import { framed, FrameReader } from '../dns/tcp-framing.js'

/** A connection with no complete query for this long is closed (CoreDNS: 10s idle). */
const IDLE_TIMEOUT_MS = 10_000
const MAX_CONNECTIONS = 1000
/** On close, connections still answering get this long to finish. */
const DRAIN_TIMEOUT_MS = 5000

/**
 * Answers DNS over TCP (RFC 7766): two-byte length framing, many queries per connection, replies
 * written as each is ready (pipelined, possibly out of order). Each connection reads on its own,
 * so a client that sends half a frame holds up no one but itself until its idle timeout.
 */
export class TcpListener {
  private server: Server | null = null
  /** Each open connection, with how many of its queries are being answered. */
  private readonly connections = new Map<Socket, number>()
  private closing = false

  /** Replaced on reload: the socket stays, the chains behind it change. */
  constructor(public handle: PacketHandler) {}

  listen(address: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket))
    server.maxConnections = MAX_CONNECTIONS
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(listenError('tcp', address, port, err)))
      const onListening = (): void => {
        this.server = server
        resolve((server.address() as { port: number }).port)
      }
      if (address === '') server.listen({ port, exclusive: true }, onListening)
      else server.listen({ host: address, port, exclusive: true }, onListening)
    })
  }

  private onConnection(socket: Socket): void {
    this.connections.set(socket, 0)
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.connections.delete(socket))
    const frames = new FrameReader()
    const remote = socket.remoteAddress ?? ''
    const remotePort = socket.remotePort ?? 0
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) this.answer(socket, frame, remote, remotePort)
    })
  }

  private answer(socket: Socket, frame: Buffer, remote: string, remotePort: number): void {
    if (this.closing) return
    this.connections.set(socket, (this.connections.get(socket) ?? 0) + 1)
    this.handle(frame, 'tcp', remote, remotePort)
      .then(
        (reply) => {
          if (!reply || socket.destroyed) return
          socket.write(framed(reply))
        },
        () => {},
      )
      .finally(() => {
        const pending = (this.connections.get(socket) ?? 1) - 1
        this.connections.set(socket, pending)
        if (this.closing && pending === 0) socket.end(() => socket.destroy())
      })
  }

  /** Stops accepting and reading; connections close once their queries in flight are answered. */
  async close(): Promise<void> {
    const server = this.server
    this.server = null
    this.closing = true
    for (const [socket, pending] of this.connections) if (pending === 0) socket.destroy()
    const drained = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.connections.size === 0) {
          clearInterval(check)
          resolve()
        }
      }, 10)
      setTimeout(() => {
        clearInterval(check)
        for (const socket of this.connections.keys()) socket.destroy()
        resolve()
      }, DRAIN_TIMEOUT_MS).unref()
    })
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
    await drained
  }
}
