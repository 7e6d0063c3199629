import { setTimeout as sleep } from 'node:timers/promises'
import { escapeText } from '../../dns/names.js'
import type { Logger } from '../../log.js'
import { ApiStatusError, ErrorCode, isError } from '../../errors.js'
import type { RecordKind, RecordOf, RecordStore } from '../record-store.js'
import type { ApiClient, Query } from './api-client.js'
import type { ApiHealth } from './api-health.js'
import { parseFields, parseWatchEvent } from './json-fields.js'
import { Backoff } from './backoff.js'
import type { WatchedKind } from './watched-kinds.js'

/** client-go's page size: a page of 500 Pods (~2 MB of JSON) is young garbage once projected, cheap to collect. */
const PAGE_SIZE = 500
/** How much of an object refused for its size is read for its name. */
const OVERSIZE_PREFIX = 200
/** The server ends each watch after 5 to 10 minutes (client-go's spread), and we resume. */
const WATCH_SECONDS_MIN = 300
const WATCH_SECONDS_SPREAD = 300
/** A watch still open this long after the server should have ended it is presumed dead. */
const WATCH_GRACE_MS = 60_000
/** A watch that ends this soon after it began counts as a failure, so a flapping server is not hammered. */
const SHORT_WATCH_MS = 1000
const HTTP_GONE = 410
/** The bookmark that ends a watch-list's initial events. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end'
/** Answers meaning "this server does not know watch-list" (422 where the feature gate is off). */
const WATCH_LIST_UNSUPPORTED = new Set([400, 404, 405, 415, 422])
/** The largest API object accepted by default (as JSON): etcd refuses requests over 1.5 MiB. */
export const DEFAULT_MAX_OBJECT_BYTES = 1.5 * 2 ** 20

export interface ResourceWatchOptions<K extends RecordKind> {
  readonly kind: WatchedKind<K>
  readonly client: ApiClient
  readonly store: RecordStore
  readonly health: ApiHealth
  readonly log: Logger
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /** Try watch-list (initial state as watch events) before paginated lists. */
  readonly watchList: boolean
  /** Watch events and list items larger than this (JSON characters) are refused with a log line. */
  readonly maxObjectBytes: number
  /** Called after each full list has been applied. */
  readonly onListed: () => void
  /** Called after a watch event changed the store. */
  readonly onApplied?: (record: RecordOf[K], obj: unknown) => void
}

class GoneError extends Error {}
/** A watch-list that ended before its initial-events-end bookmark: the server did not honour it. */
class WatchListUnsupported extends Error {}

type Meta = { name?: unknown; namespace?: unknown; resourceVersion?: unknown; annotations?: Record<string, unknown> }
const metaOf = (obj: unknown): Meta => ((obj as { metadata?: Meta })?.metadata ?? {}) as Meta

/**
 * Keeps one kind of the store in step with the API: the initial state by watch-list where the
 * server offers it, else a paginated list; then a watch from its resourceVersion, resumed after
 * every end or error (with backoff), and the initial state fetched again after 410 Gone.
 * It keeps no API object, only the projected record, and never stops.
 */
export class ResourceWatch<K extends RecordKind> {
  private resourceVersion = ''
  private stopped = false
  private readonly stopping = new AbortController()
  private readonly backoff = new Backoff()
  private watchList: boolean
  /** Objects received by the initial sync in progress, for progress lines. */
  received = 0
  listed = false
  /** A full list (pages, or a watch-list's initial events) is being read. */
  listing = false

  constructor(private readonly options: ResourceWatchOptions<K>) {
    this.watchList = options.watchList
  }

  get objectKind(): string {
    return this.options.kind.objectKind
  }

  start(): void {
    void this.run()
  }

  stop(): void {
    this.stopped = true
    this.stopping.abort()
  }

  private async run(): Promise<void> {
    const { kind, log, health } = this.options
    while (!this.stopped) {
      const initial = this.resourceVersion === ''
      try {
        if (initial && !this.watchList) await this.relist()
        const began = Date.now()
        log.debug(`${kind.objectKind}: watching from ${initial && this.watchList ? 'the initial state (watch-list)' : `resourceVersion ${this.resourceVersion}`}`)
        await this.watchOnce(initial && this.watchList)
        if (Date.now() - began < SHORT_WATCH_MS) await this.pause()
        else this.backoff.reset()
      } catch (err) {
        if (this.stopped) return
        // A watch-list has no resourceVersion to be gone: a server that says so did not take it as one.
        if (initial && this.watchList && (err instanceof WatchListUnsupported || err instanceof GoneError || (err instanceof ApiStatusError && WATCH_LIST_UNSUPPORTED.has(err.status)))) {
          log.info(`${kind.objectKind}: the API does not stream the initial state (${escapeText(err.message || 'resourceVersion gone')}); listing page by page`)
          this.watchList = false
          continue
        }
        if (err instanceof GoneError || (err instanceof ApiStatusError && err.status === HTTP_GONE)) {
          log.info(`${kind.objectKind}: resourceVersion ${this.resourceVersion || '(list)'} is gone; relisting`)
          this.resourceVersion = ''
          continue
        }
        health.failed(err, initial && !this.watchList ? 'list' : 'watch', kind.resource)
        await this.pause()
      }
    }
  }

  private async pause(): Promise<void> {
    await sleep(this.backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => {})
  }

  private selectors(): Query {
    const { labelSelector, fieldSelector } = this.options
    return { labelSelector: labelSelector || undefined, fieldSelector: fieldSelector || undefined }
  }

  /**
   * Lists every object page by page, applying each page's projections as it comes (changed records
   * only) and removing what the list no longer has at the end: no page is kept, no copy built.
   */
  private async relist(): Promise<void> {
    const { kind, client, store } = this.options
    const replacement = store.beginReplace(kind.store)
    this.received = 0
    let listVersion = ''
    let next: string | undefined
    this.listing = true
    try {
      do {
        const page = await client.list(kind.path, { limit: PAGE_SIZE, continue: next, ...this.selectors() }, this.stopping.signal)
        listVersion ||= page.metadata?.resourceVersion ?? ''
        for (const [start, end] of page.items) {
          this.received++
          if (end - start > this.options.maxObjectBytes) {
            this.refuseOversize(page.text.slice(start, start + OVERSIZE_PREFIX), end - start)
            continue
          }
          const record = this.project(parseFields(page.text, kind.fields, start, end))
          if (record) replacement.put(record)
        }
        next = page.metadata?.continue || undefined
      } while (next)
    } finally {
      this.listing = false
    }
    replacement.finish()
    this.options.log.debug(`${kind.objectKind}: listed ${this.received} at resourceVersion ${listVersion}`)
    this.resourceVersion = listVersion
    this.listedNow()
  }

  private listedNow(): void {
    this.listed = true
    this.options.health.succeeded(this.options.kind.resource)
    this.options.onListed()
  }

  private project(obj: unknown): RecordOf[K] | null {
    try {
      return this.options.kind.project(obj, (message) => this.options.log.warn(message))
    } catch (err) {
      if (!isError(err, ErrorCode.INVALID_OBJECT)) throw err
      // The object's own text in err.message is escaped where the error is made.
      this.options.log.warn(`skipping ${err.message}`)
      return null
    }
  }

  /**
   * One watch stream: resolves when it ends, rejects on error or 410. With `initial`, a watch-list:
   * the server sends the current state as ADDED events, then the initial-events-end bookmark.
   */
  private async watchOnce(initial: boolean): Promise<void> {
    const { kind, client, store, health, log, maxObjectBytes } = this.options
    const query: Query = initial
      ? { watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true }
      : { watch: true, resourceVersion: this.resourceVersion, allowWatchBookmarks: true }
    const seconds = WATCH_SECONDS_MIN + Math.floor(Math.random() * WATCH_SECONDS_SPREAD)
    const stream = new AbortController()
    const signal = AbortSignal.any([this.stopping.signal, stream.signal])
    let replacement = initial ? store.beginReplace(kind.store) : null
    if (initial) this.received = 0
    this.listing = initial
    let gone = false
    const handler = {
      // A 200 with nothing to say yet still proves the API is there.
      open: (): void => health.succeeded(kind.resource),
      line: (text: string): void => {
        let event: { type?: unknown; object?: unknown }
        try {
          event = parseWatchEvent(text, kind.fields)
        } catch {
          // Where one line is broken the stream cannot be trusted: resume from the last good version.
          log.warn(`${kind.objectKind} watch sent a line that is not JSON (${escapeText(text.slice(0, 80))}); resuming`)
          stream.abort()
          return
        }
        const { type, object } = event
        const meta = metaOf(object)
        if (type === 'ERROR') {
          const code = (object as { code?: number })?.code
          if (code === HTTP_GONE) gone = true
          else log.warn(`${kind.objectKind} watch error: ${escapeText(JSON.stringify(object))}`)
          stream.abort()
          return
        }
        // During a watch-list's initial events the versions are not yet a resume point.
        if (!replacement && typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') this.resourceVersion = meta.resourceVersion
        if (type === 'BOOKMARK') {
          if (replacement && meta.annotations?.[INITIAL_EVENTS_END] === 'true' && typeof meta.resourceVersion === 'string') {
            replacement.finish()
            replacement = null
            this.listing = false
            this.resourceVersion = meta.resourceVersion
            this.listedNow()
          }
        } else if (replacement && (type === 'ADDED' || type === 'MODIFIED')) {
          this.received++
          const record = this.project(object)
          if (record) replacement.put(record)
        } else if (type === 'ADDED' || type === 'MODIFIED') this.applySet(object)
        else if (type === 'DELETED') this.applyDelete(object)
      },
      oversize: (prefix: string, length: number): void => this.refuseOversize(prefix, length),
    }
    try {
      await client.watch(kind.path, { ...query, timeoutSeconds: seconds, ...this.selectors() }, signal, seconds * 1000 + WATCH_GRACE_MS, maxObjectBytes, handler)
    } finally {
      this.listing = false
    }
    if (this.stopped) return
    if (gone) throw new GoneError()
    if (replacement && !stream.signal.aborted) throw new WatchListUnsupported('the watch ended before its initial-events-end bookmark')
  }

  /** An object over the size limit is not parsed: its log line names it from the start of its JSON. */
  private refuseOversize(prefix: string, length: number): void {
    const name = /"name":"([^"]{0,253})"/.exec(prefix)?.[1] ?? '?'
    const namespace = /"namespace":"([^"]{0,63})"/.exec(prefix)?.[1]
    const ref = escapeText(namespace === undefined ? name : `${namespace}/${name}`)
    this.options.log.warn(`skipping ${this.options.kind.objectKind} ${ref}: ${length} bytes of JSON, over the limit of ${this.options.maxObjectBytes}`)
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
