import type { ListenerPlan } from './server-plan.js'
import { ErrorCode, isError } from '../errors.js'
import { AnswerCache } from './answer-cache.js'
import { createPacketHandler, type PacketHandler } from './query-pipeline.js'
import { TcpListener } from './tcp-listener.js'
import type { TransportSettings } from '../transport-settings.js'
import { UdpListener } from './udp-listener.js'

/** Where a listener ended up (the port is resolved when the plan asked for port 0). */
export interface BoundAddress {
  readonly address: string
  readonly port: number
  readonly zones: readonly string[]
}

const EPHEMERAL_PORT_TRIES = 5

interface OpenListener {
  readonly udp: UdpListener
  readonly tcp: TcpListener
  bound: BoundAddress
  /** Answers replayed for its current chains; null when the server keeps none. */
  answers: AnswerCache | null
}

/**
 * The DNS sockets: UDP and TCP on each address and port a plan names. `apply` moves to a new
 * plan's listeners: an address and port already open keeps its sockets and only gets the new
 * chains, new ones are opened, unused ones closed.
 */
export class DnsServer {
  private readonly open = new Map<string, OpenListener>()

  /** `answerCache: false` sends every query through its chain (to compare the two, in tests). */
  constructor(private readonly options: { readonly answerCache?: boolean } = {}) {}

  get addresses(): readonly BoundAddress[] {
    return [...this.open.values()].map((l) => l.bound)
  }

  async apply(listeners: readonly ListenerPlan[]): Promise<void> {
    const wanted = new Map(listeners.map((l) => [`${l.address}|${l.port}`, l]))
    for (const [key, listener] of this.open) {
      if (wanted.has(key)) continue
      this.open.delete(key)
      listener.answers?.close()
      await Promise.all([listener.udp.close(), listener.tcp.close()])
    }
    for (const [key, plan] of wanted) {
      // New chains, new answers: nothing kept from the old ones is replayed.
      const answers = this.options.answerCache === false ? null : new AnswerCache()
      const handle = createPacketHandler(plan.routes, answers)
      const zones = plan.routes.map((r) => r.zone)
      const existing = this.open.get(key)
      if (existing) {
        existing.answers?.close()
        existing.answers = answers
        existing.udp.handle = handle
        existing.tcp.handle = handle
        existing.udp.configure(plan.transport)
        existing.tcp.settings = plan.transport
        existing.bound = { ...existing.bound, zones }
        continue
      }
      let opened
      try {
        opened = await listenBoth(handle, plan.transport, plan.address, plan.port)
      } catch (err) {
        answers?.close()
        throw err
      }
      const { udp, tcp, port } = opened
      this.open.set(key, { udp, tcp, bound: { address: plan.address, port, zones }, answers })
    }
  }

  /** Stops accepting; TCP queries already read are still answered before their connection closes. */
  async close(): Promise<void> {
    const listeners = [...this.open.values()]
    this.open.clear()
    for (const l of listeners) l.answers?.close()
    await Promise.all(listeners.flatMap((l) => [l.udp.close(), l.tcp.close()]))
  }
}

/** UDP and TCP on the same port; with port 0, the port UDP got is tried for TCP. */
async function listenBoth(
  handle: PacketHandler,
  settings: TransportSettings,
  address: string,
  port: number,
): Promise<{ udp: UdpListener; tcp: TcpListener; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = new UdpListener(handle, settings)
    const tcp = new TcpListener(handle, settings)
    const udpPort = await udp.listen(address, port)
    try {
      await tcp.listen(address, udpPort)
    } catch (err) {
      await udp.close()
      const inUse = isError(err, ErrorCode.LISTEN) && (err.cause as NodeJS.ErrnoException)?.code === 'EADDRINUSE'
      if (port === 0 && inUse && attempt < EPHEMERAL_PORT_TRIES) continue
      throw err
    }
    return { udp, tcp, port: udpPort }
  }
}
