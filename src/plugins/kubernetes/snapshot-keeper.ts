import { Gauge } from '../../metrics/prom-client.js'
import type { RecordStore } from '../../cluster/record-store.js'
import { readSnapshot, writeSnapshot, writeSnapshotSync, type Snapshot } from '../../cluster/snapshot.js'
import { ErrorCode, isError } from '../../errors.js'
import type { Logger } from '../../log.js'
import { registry } from '../../metrics/registry.js'

/** The stores serving a snapshot now (one per kubernetes directive), by snapshot path, for the age gauge. */
const serving = new Map<RecordStore, string>()

new Gauge({
  name: 'clusterdns_kubernetes_snapshot_age_seconds',
  help: 'Age of the store snapshot being served because the API has not synced yet (absent otherwise).',
  labelNames: ['path'] as const,
  registers: [registry],
  collect() {
    this.reset()
    const now = Date.now() / 1000
    for (const [store, path] of serving) if (store.snapshotWrittenAt !== null) this.labels(path).set(Math.max(0, now - store.snapshotWrittenAt))
  },
})

const now = (): number => Math.floor(Date.now() / 1000)

/**
 * `snapshot PATH INTERVAL`: saves the synced store every INTERVAL and at stop; serves the saved
 * one when the API has not synced by `startup_timeout`, until the first sync replaces it.
 */
export class SnapshotKeeper {
  private timer: NodeJS.Timeout | null = null
  private writing = false

  constructor(
    private readonly settings: { readonly path: string; readonly intervalMs: number },
    private readonly store: RecordStore,
    private readonly log: Logger,
  ) {}

  /** Serves the snapshot, whole or not at all. */
  serve(): void {
    let snapshot: Snapshot
    try {
      snapshot = readSnapshot(this.settings.path)
    } catch (err) {
      if (!isError(err, ErrorCode.SNAPSHOT)) throw err
      this.log.error(`${err.message}; not serving it`)
      return
    }
    if (this.store.synced) return
    this.store.serveSnapshot(snapshot.objects, snapshot.writtenAt)
    serving.set(this.store, this.settings.path)
    const { namespaces, services, slices, pods } = snapshot.objects
    this.log.warn(
      `the API has not synced: serving snapshot ${this.settings.path} written ${now() - snapshot.writtenAt}s ago ` +
        `(${services.length} services, ${slices.length} endpoint slices, ${pods.length} pods, ${namespaces.length} namespaces) until it does`,
    )
  }

  start(): void {
    this.timer = setInterval(() => void this.save(), this.settings.intervalMs)
    this.timer.unref()
  }

  /** Only a synced store is saved: never a partial one, nor the snapshot itself again. */
  private async save(): Promise<void> {
    if (!this.store.synced) return
    serving.delete(this.store)
    if (this.writing) return
    this.writing = true
    try {
      await writeSnapshot(this.settings.path, { writtenAt: now(), objects: this.store.objects() })
    } catch (err) {
      this.log.warn(`cannot write snapshot ${this.settings.path}: ${(err as Error).message}`)
    } finally {
      this.writing = false
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    serving.delete(this.store)
    if (!this.store.synced) return
    try {
      writeSnapshotSync(this.settings.path, { writtenAt: now(), objects: this.store.objects() })
    } catch (err) {
      this.log.warn(`cannot write snapshot ${this.settings.path}: ${(err as Error).message}`)
    }
  }
}
