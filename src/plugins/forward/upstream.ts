import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIPv6, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { Flag, HEADER_SIZE, RRType } from '../../dns/constants.js'
import { internalQuery } from '../../dns/internal-query.js'
import { queryPacket } from '../../dns/query-packet.js'
import { ErrorCode, isError, UpstreamClosedError, UpstreamError, UpstreamTimeoutError } from '../../errors.js'
import { rcodeName } from '../../dns/type-names.js'
import { connCacheHits, connCacheMisses, healthcheckFailures, requestDuration } from './forward-metrics.js'
import type { CounterCell, HistogramCell } from '../../metrics/plain-metrics.js'
import type { TlsFiles, UpstreamAddress } from './options.js'
import { hostPort } from '../../dns/address.js'
import { framed, FrameReader } from '../../dns/tcp-framing.js'

const HEALTH_TIMEOUT_MS = 1000
/** The root NS question CoreDNS health checks with: `. IN NS`. */
const ROOT_NS_QUESTION = internalQuery('', RRType.NS).questionWire

/**
 * Whether `reply` is the one to `query`: a header with the same (random) ID, as CoreDNS's proxy
 * reads; others are ignored. What it says is judged by the caller (judgeReply).
 */
function answers(reply: Buffer, query: Buffer): boolean {
  return reply.length >= HEADER_SIZE && reply.readUInt16BE(0) === query.readUInt16BE(0)
}

/** Go's words for the socket errors CoreDNS's logs show. */
const GO_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EPIPE: 'broken pipe',
}

/** A socket failure as Go's net package words it: `OP PROTO [LOCAL->]REMOTE: CAUSE`. */
function goNetError(op: 'dial' | 'read' | 'write', proto: 'udp' | 'tcp', local: string | null, remote: string, cause: string): string {
  return `${op} ${proto} ${local === null ? '' : `${local}->`}${remote}: ${cause}`
}

/** `err` from a socket of `proto`, as Go says it (`dial tcp 10.0.0.2:53: connect: connection refused`). */
function goSocketError(err: NodeJS.ErrnoException, proto: 'udp' | 'tcp', local: string | null, remote: string): string {
  const words = err.code === undefined ? undefined : GO_ERRNO[err.code]
  const syscall = err.syscall === 'recvmsg' ? 'read' : err.syscall
  if (words === undefined || syscall === undefined) return err.message
  const op = syscall === 'connect' ? 'dial' : syscall === 'read' ? 'read' : 'write'
  return goNetError(op, proto, op === 'dial' ? null : local, remote, `${syscall}: ${words}`)
}

/** A read that got nothing in time (`dial` when not even connected), as Go says it. */
const goTimeout = (proto: 'udp' | 'tcp', local: string | null, remote: string): string =>
  goNetError(local === null ? 'dial' : 'read', proto, local, remote, 'i/o timeout')

interface IdleConnection {
  readonly socket: Socket
  readonly timer: NodeJS.Timeout
  readonly drop: () => void
}

/** A connected UDP socket waiting for its next query; `local` is its address, as errors name it. */
interface IdleUdpSocket {
  readonly socket: UdpSocket
  readonly local: string
  readonly timer: NodeJS.Timeout
  readonly drop: () => void
}

export interface UpstreamSettings {
  readonly maxFails: number
  readonly expireMs: number
  readonly maxIdleConns: number
  readonly tls: TlsFiles
  readonly tlsServerName: string | null
  readonly healthCheckMs: number
  readonly healthCheckRecursion: boolean
}

/** One upstream resolver: exchanges over UDP or (reused) TCP or TLS, and whether it is up. */
export class Upstream {
  /** `host:port`, the `to` label of the metrics. */
  readonly to: string
  /** Failed health checks in a row. */
  private fails = 0
  private checking = false
  private probing: NodeJS.Timeout | null = null
  private readonly idle: IdleConnection[] = []
  /** Oldest first: each query takes the socket idle longest, as CoreDNS's, for source port diversity. */
  private readonly idleUdp: IdleUdpSocket[] = []
  private closed = false
  /** Metric children of this upstream, resolved once (per rcode on first sight). */
  private readonly counters: {
    readonly healthcheckFailures: ReturnType<typeof healthcheckFailures.labels>
    readonly connCacheHits: CounterCell
    readonly connCacheMisses: CounterCell
    readonly udpCacheHits: CounterCell
    readonly udpCacheMisses: CounterCell
  }
  private readonly durationByRcode = new Map<number, HistogramCell>()

  constructor(
    private readonly address: UpstreamAddress,
    private readonly settings: UpstreamSettings,
  ) {
    this.to = hostPort(address.host, address.port)
    this.counters = {
      healthcheckFailures: healthcheckFailures.labels('forward', this.to),
      connCacheHits: connCacheHits.cell('forward', this.to, address.tls ? 'tcp-tls' : 'tcp'),
      connCacheMisses: connCacheMisses.cell('forward', this.to, address.tls ? 'tcp-tls' : 'tcp'),
      udpCacheHits: connCacheHits.cell('forward', this.to, 'udp'),
      udpCacheMisses: connCacheMisses.cell('forward', this.to, 'udp'),
    }
  }

  /** Records how long this upstream took to answer with `rcode`. */
  observeDuration(rcode: number, seconds: number): void {
    let child = this.durationByRcode.get(rcode)
    if (!child) this.durationByRcode.set(rcode, (child = requestDuration.cell('forward', this.to, rcodeName(rcode))))
    child.observe(seconds)
  }

  /**
   * As CoreDNS's Proxy.Down: more than `max_fails` failed health checks in a row. Failed queries
   * only start the checks (`failed`); an answered check, not an answered query, brings it back.
   */
  get down(): boolean {
    return this.settings.maxFails > 0 && this.fails > this.settings.maxFails
  }

  /** Over UDP when asked over `transport` (a TLS upstream is always asked over TLS). */
  overUdp(transport: 'udp' | 'tcp'): boolean {
    return transport === 'udp' && !this.address.tls
  }

  /**
   * A query to it failed: as CoreDNS's Proxy.Healthcheck, checks it at once, then every
   * `health_check` interval until a check is answered (one such run at a time; none with max_fails 0).
   */
  failed(): void {
    if (this.settings.maxFails === 0 || this.checking || this.closed) return
    this.checking = true
    this.check()
  }

  /** `. IN NS`: any reply from the upstream means it is up. */
  private check(): void {
    this.probing = null
    const query = queryPacket(this.settings.healthCheckRecursion ? Flag.RD : 0, ROOT_NS_QUESTION, null)
    this.exchange(query, 'udp', HEALTH_TIMEOUT_MS).then(
      () => {
        this.fails = 0
        this.checking = false
      },
      () => {
        // A check still out when the upstream was closed (a reload, a shutdown) counts for nothing.
        if (this.closed) return
        this.fails++
        this.counters.healthcheckFailures.inc()
        this.probing = setTimeout(() => this.check(), this.settings.healthCheckMs)
        this.probing.unref()
      },
    )
  }

  /** Over `transport`, except that a TLS upstream is always asked over TLS. */
  exchange(query: Buffer, transport: 'udp' | 'tcp', timeoutMs: number): Promise<Buffer> {
    return this.overUdp(transport) ? this.udp(query, timeoutMs) : this.tcp(query, timeoutMs)
  }

  /**
   * Over a kept UDP socket when one is idle, else a new one; kept for `expire` afterwards, as
   * CoreDNS keeps its connections. Sockets are connected as CoreDNS's are: only the upstream's
   * address can answer, and a closed port fails at once. A socket serves one query at a time;
   * replies that do not match it (a late one to an earlier query) are ignored.
   */
  private async udp(query: Buffer, timeoutMs: number): Promise<Buffer> {
    const kept = this.idleUdp.shift()
    if (kept) {
      clearTimeout(kept.timer)
      kept.socket.off('error', kept.drop)
      this.counters.udpCacheHits[0]!++
      return this.udpOn(kept.socket, kept.local, query, timeoutMs)
    }
    this.counters.udpCacheMisses[0]!++
    const started = Date.now()
    const socket = await this.dialUdp(timeoutMs)
    const { address, port } = socket.address()
    return this.udpOn(socket, hostPort(address, port), query, Math.max(1, timeoutMs - (Date.now() - started)))
  }

  /** A new UDP socket connected to the upstream (given a local port by the kernel). */
  private dialUdp(timeoutMs: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIPv6(this.address.host) ? 'udp6' : 'udp4')
      const fail = (err: Error): void => {
        clearTimeout(timer)
        socket.close()
        reject(err)
      }
      const onError = (err: Error): void => fail(new UpstreamError(goSocketError(err, 'udp', null, this.to)))
      const timer = setTimeout(() => fail(new UpstreamTimeoutError(goTimeout('udp', null, this.to))), timeoutMs)
      socket.once('error', onError)
      socket.connect(this.address.port, this.address.host, () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(socket)
      })
    })
  }

  private udpOn(socket: UdpSocket, local: string, query: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // Settled once: a send's error may come after the reply (the socket kept by then) or beside an 'error'.
      let done = false
      const cleanup = (): void => {
        done = true
        clearTimeout(timer)
        socket.off('message', onMessage)
        socket.off('error', onError)
      }
      const fail = (err: Error): void => {
        if (done) return
        cleanup()
        socket.close()
        reject(err)
      }
      const onError = (err: Error): void => fail(new UpstreamError(goSocketError(err, 'udp', local, this.to)))
      const onMessage = (reply: Buffer): void => {
        if (!answers(reply, query)) return
        cleanup()
        this.keepUdp(socket, local)
        resolve(reply)
      }
      const timer = setTimeout(() => fail(new UpstreamTimeoutError(goTimeout('udp', local, this.to))), timeoutMs)
      socket.on('message', onMessage)
      socket.on('error', onError)
      socket.send(query, (err) => {
        if (err) onError(err)
      })
    })
  }

  /**
   * Over a kept-alive connection when one is idle, else a new one; kept for `expire` afterwards. A
   * kept-alive connection the upstream closed meanwhile (servers close idle ones when they like) is
   * re-dialed once, as CoreDNS does.
   */
  private async tcp(query: Buffer, timeoutMs: number): Promise<Buffer> {
    const started = Date.now()
    const reused = this.idle.pop()
    if (reused) {
      clearTimeout(reused.timer)
      reused.socket.off('close', reused.drop)
      reused.socket.off('error', reused.drop)
      this.counters.connCacheHits[0]!++
      try {
        return await this.tcpOn(reused.socket, query, timeoutMs)
      } catch (err) {
        if (!isError(err, ErrorCode.UPSTREAM_CLOSED) && !isError(err, ErrorCode.UPSTREAM)) throw err
      }
    }
    this.counters.connCacheMisses[0]!++
    const socket = this.dial()
    return this.tcpOn(socket, query, Math.max(1, timeoutMs - (Date.now() - started)))
  }

  private tcpOn(socket: Socket, query: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const frames = new FrameReader()
      const cleanup = (): void => {
        clearTimeout(timer)
        socket.off('data', onData)
        socket.off('error', onError)
        socket.off('close', onClose)
      }
      const fail = (err: Error): void => {
        cleanup()
        socket.destroy()
        reject(err)
      }
      const local = (): string | null => (socket.localAddress === undefined ? null : hostPort(socket.localAddress, socket.localPort!))
      const onError = (err: Error): void => fail(new UpstreamError(goSocketError(err, 'tcp', local(), this.to)))
      const onClose = (): void => fail(new UpstreamClosedError())
      const onData = (chunk: Buffer): void => {
        for (const reply of frames.push(chunk)) {
          if (!answers(reply, query)) continue
          cleanup()
          this.keep(socket)
          resolve(reply)
          return
        }
      }
      const timer = setTimeout(() => fail(new UpstreamTimeoutError(goTimeout('tcp', local(), this.to))), timeoutMs)
      socket.on('data', onData)
      socket.on('error', onError)
      socket.on('close', onClose)
      socket.write(framed(query))
    })
  }

  /** A new stream connection: TCP, or TLS checked against the server name (else the address). */
  private dial(): Socket {
    const { host, port, tls, serverName } = this.address
    if (!tls) return connect({ host, port, noDelay: true })
    const { ca, cert, key } = this.settings.tls
    const name = serverName ?? this.settings.tlsServerName ?? undefined
    return connectTls({ host, port, ca, cert, key, servername: name, minVersion: 'TLSv1.2' }).setNoDelay(true)
  }

  /**
   * Puts an idle socket in `pool` (made by `entryOf` with its expiry timer and its `drop`), or ends
   * it at once (`end`) when the upstream is closed or the pool is full (`max_idle_conns`). It is
   * dropped (taken out and ended) after `expire`.
   */
  private park<E extends { readonly timer: NodeJS.Timeout }>(pool: E[], end: () => void, entryOf: (timer: NodeJS.Timeout, drop: () => void) => E): E | null {
    if (this.closed || (this.settings.maxIdleConns > 0 && pool.length >= this.settings.maxIdleConns)) {
      end()
      return null
    }
    const drop = (): void => {
      const i = pool.indexOf(entry)
      if (i !== -1) pool.splice(i, 1)
      clearTimeout(entry.timer)
      end()
    }
    const entry = entryOf(setTimeout(drop, this.settings.expireMs), drop)
    entry.timer.unref()
    pool.push(entry)
    return entry
  }

  private keep(socket: Socket): void {
    if (socket.destroyed) return
    const entry = this.park(this.idle, () => socket.destroy(), (timer, drop) => ({ socket, timer, drop }))
    if (!entry) return
    // An idle connection the upstream closes (or breaks) is simply dropped from the pool.
    socket.on('close', entry.drop)
    socket.on('error', entry.drop)
  }

  private keepUdp(socket: UdpSocket, local: string): void {
    const entry = this.park(this.idleUdp, () => socket.close(), (timer, drop) => ({ socket, local, timer, drop }))
    // An error while idle (an ICMP error for a late datagram) ends the socket; a late reply is ignored.
    if (entry) socket.on('error', entry.drop)
  }

  close(): void {
    this.closed = true
    if (this.probing) clearTimeout(this.probing)
    for (const { drop } of [...this.idle]) drop()
    for (const { drop } of [...this.idleUdp]) drop()
  }
}
