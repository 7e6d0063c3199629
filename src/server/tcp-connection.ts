import type { Socket } from 'node:net'
import { MAX_MESSAGE } from '../dns/constants.js'
import { framed, FrameReader } from '../dns/tcp-framing.js'
import type { PacketHandler } from './query-pipeline.js'
import { received } from './burst-compaction.js'
import type { TransportSettings } from '../transport-settings.js'

/** Where replays are written for every connection: each is framed (copied) at once, before another query is read. */
const tcpReplyBuffer = Buffer.allocUnsafeSlow(MAX_MESSAGE)

/** Queries of one connection answered at once: past this, its socket is not read until one is done. */
const MAX_PIPELINED = 64

/**
 * One DNS-over-TCP connection (RFC 7766): two-byte length framing, pipelined queries answered as
 * each is ready. What a client can hold is bounded: a query must be whole within the read timeout
 * of its first byte (and the first within the read timeout of connecting), a connection with nothing
 * to do closes after the idle timeout, a reply the client does not take closes it after the write
 * timeout, and at most MAX_PIPELINED queries (and their unread replies) are held for it.
 */
export class TcpConnection {
  private inFlight = 0
  private served = 0
  private readonly frames = new FrameReader()
  /** Whole queries read but not yet taken (at most one read's worth: reading stops while any wait). */
  private waiting: Buffer[] = []
  private timer: NodeJS.Timeout | null = null
  /** Whether the running timer is a read deadline (a query under way), not an idle one. */
  private reading = false
  private writeTimer: NodeJS.Timeout | null = null
  /** Set when no more queries are taken (the listener closing, or maxtcpqueries reached). */
  private finishing = false
  private readonly remote: string
  private readonly remotePort: number

  constructor(
    readonly socket: Socket,
    private readonly settings: TransportSettings,
    private readonly handle: () => PacketHandler,
    /** Told of each query taken: the listener keeps connections in order of last use. */
    private readonly onQuery: (connection: TcpConnection) => void,
  ) {
    this.remote = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.clearTimers())
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('drain', () => this.onDrain())
    this.arm(true)
  }

  /** Nothing being answered and nothing waiting to be written: closing it loses nothing. */
  get idle(): boolean {
    return this.inFlight === 0 && this.socket.writableLength === 0
  }

  /** Takes no more queries; closes once the ones taken are answered. */
  finish(): void {
    this.finishing = true
    this.waiting = []
    this.socket.pause()
    if (this.idle) this.socket.end(() => this.socket.destroy())
  }

  private onData(chunk: Buffer): void {
    if (this.finishing) return
    this.waiting.push(...this.frames.push(chunk))
    this.takeFrames()
  }

  /** Answers the queries read, as far as the pipelining bound allows. */
  private takeFrames(): void {
    while (!this.finishing && this.waiting.length > 0 && this.inFlight < MAX_PIPELINED) {
      this.reading = false
      this.answer(this.waiting.shift()!)
      this.onQuery(this)
      if (this.settings.maxTcpQueries > 0 && ++this.served >= this.settings.maxTcpQueries) this.finish()
    }
    this.updateFlow()
  }

  private answer(frame: Buffer): void {
    this.inFlight++
    received.count++
    const reply = this.handle()(frame, 'tcp', this.remote, this.remotePort, tcpReplyBuffer)
    if (!(reply instanceof Promise)) {
      this.answered(reply)
      return
    }
    reply.then(
      (r) => this.answered(r, true),
      () => this.answered(null, true),
    )
  }

  /** Writes a reply; one that came later (`late`) lets the connection go on with the queries waiting. */
  private answered(reply: Buffer | null, late = false): void {
    if (reply && !this.socket.destroyed) this.write(reply)
    this.inFlight--
    if (this.finishing) {
      if (this.idle && !this.socket.destroyed) this.socket.end(() => this.socket.destroy())
      return
    }
    if (late) this.takeFrames()
  }

  private write(reply: Buffer): void {
    if (!this.socket.write(framed(reply)) && this.writeTimer === null) {
      this.writeTimer = setTimeout(() => this.socket.destroy(), this.settings.writeTimeoutMs)
    }
  }

  private onDrain(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    if (this.finishing) {
      if (this.idle) this.socket.end(() => this.socket.destroy())
      return
    }
    this.takeFrames()
  }

  /**
   * Reads while there is room (queries and unwritten replies under their bounds), and sets the one
   * deadline that applies: none while the client waits on us, the read timeout while a query is
   * arriving, the idle timeout otherwise.
   */
  private updateFlow(): void {
    if (this.socket.destroyed || this.finishing) return
    const full = this.waiting.length > 0 || this.inFlight >= MAX_PIPELINED || this.socket.writableNeedDrain
    if (full) this.socket.pause()
    else this.socket.resume()
    if (this.frames.partial > 0 && !full) {
      if (!this.reading) this.arm(true)
    } else if (this.idle && this.frames.partial === 0 && this.waiting.length === 0) {
      if (this.reading || this.timer === null) this.arm(false)
    } else {
      this.clearTimer()
    }
  }

  private arm(reading: boolean): void {
    this.clearTimer()
    this.reading = reading
    this.timer = setTimeout(() => this.socket.destroy(), reading ? this.settings.readTimeoutMs : this.settings.idleTimeoutMs)
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private clearTimers(): void {
    this.clearTimer()
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
  }
}
