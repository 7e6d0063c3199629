import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { collectProcessMetrics, Counter, Gauge } from '../metrics/prom-client.js'
import { readCorefile } from '../config/corefile.js'
import { loadServerPlan, type ServerPlan } from './server-plan.js'
import { ClusterDnsError } from '../errors.js'
import { HttpEndpoints } from '../http/http-endpoints.js'
import { createLogger } from '../log.js'
import { registry } from '../metrics/registry.js'
import { buildInfo, pluginEnabled } from '../plugins/prometheus/dns-metrics.js'
import { DnsServer } from './dns-server.js'
import { BurstCompaction } from './burst-compaction.js'
import { Lifecycle } from '../lifecycle.js'

const reloadFailed = new Counter({
  name: 'coredns_reload_failed_total',
  help: 'Counter of the number of failed reload attempts.',
  registers: [registry],
})

const reloadVersion = new Gauge({
  name: 'coredns_reload_version_info',
  help: 'A metric with a constant \'1\' value labeled by hash, and value which type of hash generated.',
  labelNames: ['hash', 'value'] as const,
  registers: [registry],
})

let processMetricsOn = false

export interface RuntimeOptions {
  /** The Corefile's text, read once (`-conf -`): never re-read, so `reload` has nothing to do. */
  readonly text?: string
  /** The port of server keys that name none (`-dns.port`). */
  readonly defaultPort?: number
  /** false: no answer cache in front of the chains (tests compare both ways). */
  readonly answerCache?: boolean
}

const log = createLogger('')
const sha512 = (text: string): string => createHash('sha512').update(text).digest('hex')
const reloadLog = createLogger('plugin/reload')

/**
 * The running server: a Corefile's plan started (plugins, DNS listeners, HTTP endpoints), replaced
 * when the Corefile changes (with `reload`) and stopped gracefully on shutdown.
 */
export class Runtime {
  readonly lifecycle = new Lifecycle()
  readonly dns: DnsServer
  readonly http = new HttpEndpoints()
  private readonly compaction = new BurstCompaction()
  private plan: ServerPlan | null = null
  private configHash = ''
  private reloadTimer: NodeJS.Timeout | null = null
  private reloading: Promise<boolean> | null = null

  constructor(
    private readonly confPath: string,
    private readonly version: string,
    private readonly options: RuntimeOptions = {},
  ) {
    this.dns = new DnsServer({ answerCache: options.answerCache })
  }

  /** Loads and starts the Corefile; throws (ConfigError, ListenError...) when it cannot. */
  async start(): Promise<void> {
    const text = this.options.text ?? readCorefile(this.confPath)
    const plan = loadServerPlan(this.confPath, { ...this.options, text, lifecycle: this.lifecycle, warn: (m) => log.warn(m) })
    if (!processMetricsOn) {
      collectProcessMetrics(registry)
      buildInfo.labels(this.version, '', process.version).set(1)
      processMetricsOn = true
    }
    await this.activate(plan)
    this.setConfigHash(sha512(text))
    this.scheduleReload()
    this.compaction.start()
  }

  /** Starts `plan`'s plugins, moves listeners and endpoints to it, then stops the old plan's. */
  private async activate(plan: ServerPlan): Promise<void> {
    const previous = this.plan
    try {
      await Promise.all(plan.instances.map((p) => p.start?.()))
      await this.dns.apply(plan.listeners)
      await this.http.apply(plan.httpRoutes)
    } catch (err) {
      for (const p of plan.instances) p.stop?.()
      if (previous) {
        await this.dns.apply(previous.listeners)
        await this.http.apply(previous.httpRoutes)
      }
      throw err
    }
    this.plan = plan
    this.lifecycle.use(plan.readiness)
    for (const p of plan.instances) p.onListening?.(this.dns.addresses)
    pluginEnabled.reset()
    for (const e of plan.enabled) pluginEnabled.labels(e.server, e.zone, '', e.name).set(1)
    for (const p of previous?.instances ?? []) p.stop?.()
  }

  private setConfigHash(hash: string): void {
    this.configHash = hash
    reloadVersion.reset()
    reloadVersion.labels('sha512', this.configHash).set(1)
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    this.reloadTimer = null
    const settings = this.plan?.reload
    if (!settings || this.lifecycle.shuttingDown) return
    const delay = settings.intervalMs + (Math.random() * 2 - 1) * settings.jitterMs
    this.reloadTimer = setTimeout(() => void this.reload().finally(() => this.scheduleReload()), delay)
    this.reloadTimer.unref()
  }

  /**
   * Re-reads the Corefile; when it changed, validates it fully and moves to it. A bad one is
   * logged and counted, and the running configuration keeps serving. Returns whether it moved.
   */
  reload(): Promise<boolean> {
    this.reloading ??= this.reloadOnce().finally(() => (this.reloading = null))
    return this.reloading
  }

  private async reloadOnce(): Promise<boolean> {
    // A Corefile given on standard input cannot change.
    if (this.options.text !== undefined) return false
    let text: string
    try {
      text = readCorefile(this.confPath)
    } catch (err) {
      reloadFailed.inc()
      reloadLog.error(`${(err as Error).message}; keeping the running configuration`)
      return false
    }
    const hash = sha512(text)
    if (hash === this.configHash) {
      reloadLog.debug(`${this.confPath} unchanged`)
      return false
    }
    try {
      await this.activate(loadServerPlan(this.confPath, { ...this.options, text, lifecycle: this.lifecycle, warn: (m) => reloadLog.warn(m) }))
    } catch (err) {
      if (!(err instanceof ClusterDnsError)) throw err
      reloadFailed.inc()
      // Remember the bad text so it is reported once, not at every check.
      this.configHash = hash
      reloadLog.error(`${err.message}\nkeeping the running configuration`)
      return false
    }
    this.setConfigHash(hash)
    reloadLog.info(`${this.confPath} changed: running the new configuration`)
    return true
  }

  /** SIGTERM: /ready says 503 at once; DNS and /health keep answering for the lameduck period; then stop. */
  async shutdown(): Promise<void> {
    this.lifecycle.shuttingDown = true
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    this.compaction.stop()
    const lameduck = this.plan?.lameduckMs ?? 0
    if (lameduck > 0) {
      log.info(`lameduck: serving for ${lameduck}ms before stopping`)
      await sleep(lameduck)
    }
    await this.dns.close()
    await this.http.close()
    for (const p of this.plan?.instances ?? []) p.stop?.()
  }
}
