import { createSocket, type Socket, type SocketOptions } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { MAX_MESSAGE, Rcode } from '../dns/constants.js'
import { DROP, screenHeader } from '../dns/query-decoder.js'
import { ListenError } from '../errors.js'
import { createLogger } from '../log.js'
import { udpShed } from '../plugins/prometheus/dns-metrics.js'
import type { PacketHandler } from './query-pipeline.js'
import { received } from './burst-compaction.js'
import { hostPort } from '../dns/address.js'
import { DEFAULT_TRANSPORT, type TransportSettings } from '../transport-settings.js'

/**
 * Queries being answered at once (waiting on an upstream, mostly); past this, datagrams are dropped
 * as the kernel drops them when its buffer is full, and the clients retry: memory stays bounded.
 */
const MAX_IN_FLIGHT = 8192
/**
 * FORMERR and NOTIMP replies sent a second (and in a burst). Past this, input that is not a query is
 * dropped without a reply: under a flood of it, sending an error for each datagram is most of the
 * work, and the kernel drops valid queries while it is done. A client that sends something malformed
 * now and then still gets its FORMERR.
 */
export const ERROR_REPLIES_PER_SECOND = 1000

const log = createLogger('')

/**
 * Answers DNS over UDP on one address; address '' listens on every address (IPv6 and IPv4). What
 * cannot be a query (shorter than a header, or a response) is dropped before any other work.
 */
export class UdpListener {
  private socket: Socket | null = null
  private inFlight = 0
  private readonly errorReplies = new TokenBucket(ERROR_REPLIES_PER_SECOND)
  /**
   * Where replays are written, reused while the kernel takes each reply as it is sent; null while
   * one it did not take may still be in it. Small Buffers of their own come from Node's shared
   * 8 KiB slabs, and a slab that outlived a young collection waited for a major one: at 45,000
   * replays a second they held 1.3 MB more each second, which set off a major collection (a
   * 10-15 ms stall) every ~6 s.
   */
  private replyBuffer: Buffer | null = Buffer.allocUnsafeSlow(MAX_MESSAGE)

  /** Replaced on reload: the socket stays, the chains behind it change. */
  constructor(
    public handle: PacketHandler,
    private settings: TransportSettings = DEFAULT_TRANSPORT,
  ) {}

  /** New settings (on reload): the receive buffer is resized in place. */
  configure(settings: TransportSettings): void {
    this.settings = settings
    if (this.socket) this.sizeBuffer(this.socket)
  }

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
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false, lookup: literalLookup })
    return new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject)
        // Send failures (a client gone, ICMP unreachable) must not stop the listener.
        socket.on('error', () => {})
        socket.on('message', (msg, rinfo) => this.onMessage(socket, msg, rinfo.address, rinfo.port))
        this.sizeBuffer(socket)
        this.socket = socket
        resolve(socket.address().port)
      })
    })
  }

  /** A burst waits in the kernel's buffer instead of being dropped there; the kernel may give less. */
  private sizeBuffer(socket: Socket): void {
    const wanted = this.settings.udpReceiveBuffer
    socket.setRecvBufferSize(wanted)
    // Linux reports twice what was set (its bookkeeping share included).
    const got = socket.getRecvBufferSize() / 2
    // The default asks for what most kernels cap lower: only a size the Corefile asked for is worth a line.
    if (got < wanted && wanted !== DEFAULT_TRANSPORT.udpReceiveBuffer) log.warn(`UDP receive buffer is ${got} bytes, not ${wanted}: raise net.core.rmem_max`)
  }

  private onMessage(socket: Socket, msg: Buffer, address: string, port: number): void {
    received.count++
    const verdict = screenHeader(msg)
    if (verdict === DROP) return
    if (this.inFlight >= MAX_IN_FLIGHT) {
      shedInFlight[0]!++
      return
    }
    // What the header already refuses is dropped here, before anything is read, once the budget is spent.
    if (verdict !== Rcode.NOERROR && !this.errorReplies.take()) {
      shedErrorReply[0]!++
      return
    }
    if (this.replyBuffer === null && socket.getSendQueueCount() === 0) this.replyBuffer = Buffer.allocUnsafeSlow(MAX_MESSAGE)
    const answer = this.handle(msg, 'udp', address, port, this.replyBuffer)
    // A replayed answer comes at once (never an error reply: only plain queries are replayed).
    if (!(answer instanceof Promise)) {
      if (!answer) return
      // Without a callback: a failed send is an 'error' event (ignored), not a tick per reply. The
      // send reaches the kernel before this returns (literalLookup calls back at once); a reply it
      // does not take now is queued, bytes unread, and the next replies go elsewhere.
      socket.send(answer, port, address)
      if (this.replyBuffer !== null && socket.getSendQueueCount() > 0) this.replyBuffer = null
      return
    }
    this.inFlight++
    answer.then(
      (reply) => {
        this.inFlight--
        // A listener closed meanwhile (a reload dropped it): sending would throw outside any handler.
        if (!reply || this.socket !== socket) return
        // Malformed past the header: found only by decoding, but the reply (the costly part) is still saved.
        if (verdict === Rcode.NOERROR && (reply[3]! & RCODE_MASK) === Rcode.FORMERR && !this.errorReplies.take()) {
          shedErrorReply[0]!++
          return
        }
        // Without a callback: a failed send is an 'error' event (ignored), not a tick per reply.
        socket.send(reply, port, address)
      },
      () => this.inFlight--,
    )
  }

  close(): Promise<void> {
    const socket = this.socket
    this.socket = null
    if (!socket) return Promise.resolve()
    return new Promise((resolve) => socket.close(() => resolve()))
  }
}

const RCODE_MASK = 0xf

/**
 * The socket's address lookup, given only IP literals: its bind address (the bind plugin turns
 * interface names into addresses) and each reply's, where its query came from. dgram's default,
 * dns.lookup, would hand each back a tick later: a queued tick and closures per reply, which the
 * young generation did not always shed (issue 11's promotion profile), and a reply sent after the
 * reply buffer was written again. dgram passes the family (4 or 6) where @types/node says options.
 */
const literalLookup = ((address: string, family: 4 | 6, callback: (err: null, address: string, family: number) => void): void =>
  callback(null, address, family)) as unknown as NonNullable<SocketOptions['lookup']>

const shedInFlight = udpShed.cell('in_flight')
const shedErrorReply = udpShed.cell('error_reply')

/** Up to `perSecond` takes a second, and as many at once after a quiet second. */
class TokenBucket {
  private tokens: number
  private refilledAt = performance.now()

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond
  }

  take(): boolean {
    const now = performance.now()
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens--
    return true
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
