import { createServer, type Server, type Socket } from 'node:net'
import { listenError } from './udp-listener.js'
import type { PacketHandler } from './query-pipeline.js'

/** A connection with no complete query for this long is closed (CoreDNS: 10s idle). */
const IDLE_TIMEOUT_MS = 10_000
const MAX_CONNECTIONS = 1000
const LENGTH_PREFIX = 2

/**
 * Answers DNS over TCP (RFC 7766): two-byte length framing, many queries per connection, replies
 * written as each is ready (pipelined, possibly out of order). Each connection reads on its own,
 * so a client that sends half a frame holds up no one but itself until its idle timeout.
 */
export class TcpListener {
  private server: Server | null = null
  private readonly connections = new Set<Socket>()

  constructor(private readonly handle: PacketHandler) {}

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
    this.connections.add(socket)
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.connections.delete(socket))
    let pending: Buffer = Buffer.alloc(0)
    const remote = socket.remoteAddress ?? ''
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= LENGTH_PREFIX) {
        const length = pending.readUInt16BE(0)
        if (pending.length < LENGTH_PREFIX + length) break
        const frame = pending.subarray(LENGTH_PREFIX, LENGTH_PREFIX + length)
        pending = pending.subarray(LENGTH_PREFIX + length)
        this.answer(socket, Buffer.from(frame), remote)
      }
    })
  }

  private answer(socket: Socket, frame: Buffer, remote: string): void {
    this.handle(frame, 'tcp', remote).then(
      (reply) => {
        if (!reply || socket.destroyed) return
        const prefix = Buffer.allocUnsafe(LENGTH_PREFIX)
        prefix.writeUInt16BE(reply.length, 0)
        socket.write(Buffer.concat([prefix, reply]))
      },
      () => {},
    )
  }

  close(): Promise<void> {
    const server = this.server
    this.server = null
    for (const socket of this.connections) socket.destroy()
    if (!server) return Promise.resolve()
    return new Promise((resolve) => server.close(() => resolve()))
  }
}
