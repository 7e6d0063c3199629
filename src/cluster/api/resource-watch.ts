import { setTimeout as sleep } from 'node:timers/promises'
import type { Watch } from '@kubernetes/client-node'
import { escapeText } from '../../dns/names.js'
import type { Logger } from '../../log.js'
import { ErrorCode, isError } from '../../errors.js'
import type { RecordKind, RecordOf, RecordStore } from '../record-store.js'
import type { ApiHealth } from './api-health.js'
import { Backoff } from './backoff.js'
import type { ApiClients, WatchedKind } from './watched-kinds.js'

const PAGE_SIZE = 500
/** The server ends each watch after 5 to 10 minutes (client-go's spread), and we resume. */
const WATCH_SECONDS_MIN = 300
const WATCH_SECONDS_SPREAD = 300
/** A watch that ends this soon after it began counts as a failure, so a flapping server is not hammered. */
const SHORT_WATCH_MS = 1000
const HTTP_GONE = 410

export interface ResourceWatchOptions<K extends RecordKind> {
  readonly kind: WatchedKind<K>
  readonly api: ApiClients
  readonly watch: Watch
  readonly store: RecordStore
  readonly health: ApiHealth
  readonly log: Logger
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /** Called after each full list has been applied. */
  readonly onListed: () => void
  /** Called after a watch event changed the store. */
  readonly onApplied?: (record: RecordOf[K], obj: unknown) => void
}

class GoneError extends Error {}

type Meta = { name?: unknown; namespace?: unknown; resourceVersion?: unknown }
const metaOf = (obj: unknown): Meta => ((obj as { metadata?: Meta })?.metadata ?? {}) as Meta

/**
 * Keeps one kind of the store in step with the API: a paginated list, then a watch from its
 * resourceVersion, resumed after every end or error (with backoff) and relisted after 410 Gone.
 * Unlike the library's informer it keeps no object, only the projected record, and never stops.
 */
export class ResourceWatch<K extends RecordKind> {
  private resourceVersion = ''
  private stopped = false
  private readonly stopping = new AbortController()
  private request: AbortController | null = null
  private readonly backoff = new Backoff()

  constructor(private readonly options: ResourceWatchOptions<K>) {}

  start(): void {
    void this.run()
  }

  stop(): void {
    this.stopped = true
    this.stopping.abort()
    this.request?.abort()
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.relist()
        const began = Date.now()
        this.options.log.debug(`${this.options.kind.objectKind}: watching from resourceVersion ${this.resourceVersion}`)
        await this.watchOnce()
        if (Date.now() - began < SHORT_WATCH_MS) await this.pause()
        else this.backoff.reset()
      } catch (err) {
        if (this.stopped) return
        if (err instanceof GoneError || (err as { code?: number; statusCode?: number }).code === HTTP_GONE || (err as { statusCode?: number }).statusCode === HTTP_GONE) {
          this.options.log.info(`${this.options.kind.objectKind}: resourceVersion ${this.resourceVersion || '(list)'} is gone; relisting`)
          this.resourceVersion = ''
          continue
        }
        this.options.health.failed(err)
        await this.pause()
      }
    }
  }

  private async pause(): Promise<void> {
    await sleep(this.backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => {})
  }

  /**
   * Lists every object page by page, applying each page's projections as it comes (changed records
   * only) and removing what the list no longer has at the end: no page is kept, no copy built.
   */
  private async relist(): Promise<void> {
    const { kind, api, store, labelSelector, fieldSelector } = this.options
    const replacement = store.beginReplace(kind.store)
    let listVersion = ''
    let next: string | undefined
    let count = 0
    do {
      const page = await kind.list(api, { limit: PAGE_SIZE, _continue: next, labelSelector, fieldSelector })
      listVersion ||= page.metadata?.resourceVersion ?? ''
      count += page.items.length
      for (const item of page.items) {
        const record = this.project(item)
        if (record) replacement.put(record)
      }
      next = page.metadata?._continue || undefined
    } while (next)
    replacement.finish()
    this.options.log.debug(`${kind.objectKind}: listed ${count} at resourceVersion ${listVersion}`)
    this.resourceVersion = listVersion
    this.options.health.succeeded()
    this.options.onListed()
  }

  private project(obj: unknown): RecordOf[K] | null {
    try {
      return this.options.kind.project(obj, (message) => this.options.log.warn(message))
    } catch (err) {
      if (!isError(err, ErrorCode.INVALID_OBJECT)) throw err
      this.options.log.warn(`skipping ${err.message}`)
      return null
    }
  }

  /** One watch stream: resolves when it ends, rejects on error or 410. */
  private watchOnce(): Promise<void> {
    const { kind, watch, labelSelector, fieldSelector } = this.options
    const params = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: WATCH_SECONDS_MIN + Math.floor(Math.random() * WATCH_SECONDS_SPREAD),
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    }
    return new Promise((resolve, reject) => {
      let gone = false
      let connected = false
      const done = (err: unknown): void => {
        this.request = null
        if (gone) reject(new GoneError())
        // The library ends a stream idle for 30s (no event, no bookmark) with a TimeoutError:
        // on a quiet kind that is a resume, not an outage; a dead API shows on the next connect.
        else if (err && !(err instanceof Error && err.name === 'TimeoutError')) reject(err)
        else resolve()
      }
      const onEvent = (type: string, obj: unknown): void => {
        if (!connected) {
          connected = true
          this.options.health.succeeded()
        }
        if (type === 'ERROR') {
          const code = (obj as { code?: number })?.code
          if (code === HTTP_GONE) gone = true
          else this.options.log.warn(escapeText(`${kind.objectKind} watch error: ${JSON.stringify(obj)}`))
          this.request?.abort()
          return
        }
        const rv = metaOf(obj).resourceVersion
        if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv
        if (type === 'ADDED' || type === 'MODIFIED') this.applySet(obj)
        else if (type === 'DELETED') this.applyDelete(obj)
      }
      watch.watch(kind.watchPath, params, onEvent, done).then(
        (controller) => {
          // The library resolves even when the request failed (it has called `done` and aborted).
          if (controller.signal.aborted) return
          this.request = controller
          if (this.stopped) controller.abort()
          // A 200 with nothing to say yet still proves the API is there.
          else if (!connected) {
            connected = true
            this.options.health.succeeded()
          }
        },
        reject,
      )
    })
  }

  private applySet(obj: unknown): void {
    const record = this.project(obj)
    if (record === null) {
      this.applyDelete(obj)
      return
    }
    if (this.options.store.set(this.options.kind.store, record)) this.options.onApplied?.(record, obj)
  }

  private applyDelete(obj: unknown): void {
    const { name, namespace } = metaOf(obj)
    if (typeof name !== 'string') return
    // Lower case and `default` when absent, as the projection names records.
    this.options.store.delete(this.options.kind.store, String(namespace ?? 'default').toLowerCase(), name.toLowerCase())
  }
}
