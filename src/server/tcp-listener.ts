import { createServer, type Server, type Socket } from 'node:net'
import { TcpConnection } from './tcp-connection.js'
import { DEFAULT_TRANSPORT, type TransportSettings } from '../transport-settings.js'
import { listenError } from './udp-listener.js'
import type { PacketHandler } from './query-pipeline.js'

/** On close, connections still answering get this long to finish. */
const DRAIN_TIMEOUT_MS = 5000

/**
 * Answers DNS over TCP on one address (each connection: TcpConnection). At the connection cap a
 * new client is not refused: the connection idle the longest makes room for it (clients that hold
 * connections without finishing queries cannot deny service to the rest).
 */
export class TcpListener {
  private server: Server | null = null
  /** Open connections, least recently used first (a connection moves to the end on each query). */
  private readonly connections = new Map<Socket, TcpConnection>()
  private closing = false

  /** `handle` is replaced on reload (the socket stays, the chains behind it change), and so are the settings. */
  constructor(
    public handle: PacketHandler,
    public settings: TransportSettings = DEFAULT_TRANSPORT,
  ) {}

  listen(address: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket))
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
    if (this.closing || (this.connections.size >= this.settings.maxTcpConnections && !this.evictIdle())) {
      socket.destroy()
      return
    }
    const connection = new TcpConnection(socket, this.settings, () => this.handle, (c) => this.touch(c))
    this.connections.set(socket, connection)
    socket.on('close', () => this.connections.delete(socket))
  }

  /** Moves a connection that just took a query to the end of the least-recently-used order. */
  private touch(connection: TcpConnection): void {
    this.connections.delete(connection.socket)
    this.connections.set(connection.socket, connection)
  }

  /** Closes the least recently used connection with nothing in flight; false when every one is busy. */
  private evictIdle(): boolean {
    for (const [socket, connection] of this.connections) {
      if (!connection.idle) continue
      this.connections.delete(socket)
      socket.destroy()
      return true
    }
    return false
  }

  /** Stops accepting and reading; connections close once their queries in flight are answered. */
  async close(): Promise<void> {
    const server = this.server
    this.server = null
    this.closing = true
    for (const connection of this.connections.values()) connection.finish()
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
