import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { ListenError } from '../errors.js'
import type { PacketHandler } from './query-pipeline.js'
import { hostPort } from '../dns/address.js'

/** Answers DNS over UDP on one address; address '' listens on every address (IPv6 and IPv4). */
export class UdpListener {
  private socket: Socket | null = null

  /** Replaced on reload: the socket stays, the chains behind it change. */
  constructor(public handle: PacketHandler) {}

  async listen(address: string, port: number): Promise<number> {
    try {
      return await this.bindSocket(address === '' ? '::' : address, port)
    } catch (err) {
      // A host without IPv6 still listens on every IPv4 address.
      if (address !== '' || !isAddressFamilyError(err)) throw listenError('udp', address, port, err)
      try {
        return await this.bindSocket('0.0.0.0', port)
      } catch (err4) {
        throw listenError('udp', address, port, err4)
      }
    }
  }

  private bindSocket(host: string, port: number): Promise<number> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false })
    return new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject)
        // Send failures (a client gone, ICMP unreachable) must not stop the listener.
        socket.on('error', () => {})
        socket.on('message', (msg, rinfo) => this.onMessage(socket, msg, rinfo.address, rinfo.port))
        this.socket = socket
        resolve(socket.address().port)
      })
    })
  }

  private onMessage(socket: Socket, msg: Buffer, address: string, port: number): void {
    this.handle(msg, 'udp', address, port).then(
      (reply) => {
        if (reply) socket.send(reply, port, address, () => {})
      },
      () => {},
    )
  }

  close(): Promise<void> {
    const socket = this.socket
    this.socket = null
    if (!socket) return Promise.resolve()
    return new Promise((resolve) => socket.close(() => resolve()))
  }
}

function isAddressFamilyError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EINVAL'
}

export function listenError(proto: string, address: string, port: number, err: unknown): ListenError {
  const where = `${hostPort(address === '' ? '*' : address, port)}/${proto}`
  return new ListenError(`cannot listen on ${where}: ${(err as Error).message}`, { cause: err })
}
