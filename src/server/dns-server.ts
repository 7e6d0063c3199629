import type { ServerPlan } from '../config/server-plan.js'
import { createPacketHandler } from './query-pipeline.js'
import { TcpListener } from './tcp-listener.js'
import { UdpListener } from './udp-listener.js'
import { ListenError } from '../errors.js'

/** Where a listener ended up (the port is resolved when the plan asked for port 0). */
export interface BoundAddress {
  readonly address: string
  readonly port: number
  readonly zones: readonly string[]
}

const EPHEMERAL_PORT_TRIES = 5

/** Runs a plan: starts its plugins, then listens on UDP and TCP for each of its listeners. */
export class DnsServer {
  private readonly udp: UdpListener[] = []
  private readonly tcp: TcpListener[] = []
  private bound: BoundAddress[] = []

  constructor(private readonly plan: ServerPlan) {}

  get addresses(): readonly BoundAddress[] {
    return this.bound
  }

  async start(): Promise<void> {
    await Promise.all(this.plan.instances.map((p) => p.start?.()))
    try {
      for (const listener of this.plan.listeners) {
        const handle = createPacketHandler(listener.routes)
        const port = await this.listenBoth(handle, listener.address, listener.port)
        this.bound.push({ address: listener.address, port, zones: listener.routes.map((r) => r.zone) })
      }
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** UDP and TCP on the same port; with port 0, the port UDP got is tried for TCP. */
  private async listenBoth(handle: ReturnType<typeof createPacketHandler>, address: string, port: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const udp = new UdpListener(handle)
      const tcp = new TcpListener(handle)
      const udpPort = await udp.listen(address, port)
      try {
        await tcp.listen(address, udpPort)
      } catch (err) {
        await udp.close()
        const inUse = err instanceof ListenError && (err.cause as NodeJS.ErrnoException)?.code === 'EADDRINUSE'
        if (port === 0 && inUse && attempt < EPHEMERAL_PORT_TRIES) continue
        throw err
      }
      this.udp.push(udp)
      this.tcp.push(tcp)
      return udpPort
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.udp, ...this.tcp].map((l) => l.close()))
    this.udp.length = 0
    this.tcp.length = 0
    this.bound = []
    for (const p of this.plan.instances) p.stop?.()
  }
}
