import { readdirSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { escapeText } from '../dns/names.js'
import { ErrorCode, isError, ManifestError } from '../errors.js'
import type { Logger } from '../log.js'
import { LimitedLog } from '../log-limiter.js'
import { labelsOf, projectEndpointSlice, projectNamespace, projectPod, projectService } from './project.js'
import type { ClusterObjects, NamespaceRecord, PodRecord, ServiceRecord, SliceRecord } from './records.js'
import type { RecordStore } from './record-store.js'
import type { SourceFilter } from './source-filter.js'
import { readManifestObjects, tooLarge } from './manifest-parser.js'
import type { ParserJob, ParserMessage } from './manifest-worker.js'

const SKIPPED_LINES_PER_WINDOW = 100

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])
const POLL_INTERVAL_MS = 500

/** Run from source (tests, tsx), the worker is TypeScript and needs tsx to load. */
const WORKER = import.meta.url.endsWith('.ts')
  ? { url: new URL('./manifest-worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] }
  : { url: new URL('./manifest-worker.js', import.meta.url), execArgv: [] }
/**
 * Files up to this size are parsed on the main thread (tens of milliseconds at most, less than
 * starting a worker); larger ones in a worker thread.
 */
const INLINE_MAX_BYTES = 64 * 1024
/** A file that needs more than this to parse fails alone; the server goes on. */
const WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 2048 }

/** The files a `manifests` path stands for: itself, or the manifest files in a folder. */
function manifestFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDirectory: boolean
    try {
      isDirectory = statSync(path).isDirectory()
    } catch (err) {
      throw new ManifestError(path, `cannot read: ${(err as Error).message}`)
    }
    if (!isDirectory) return [path]
    return readdirSync(path)
      .filter((f) => MANIFEST_EXTENSIONS.has(extname(f)))
      .sort()
      .map((f) => join(path, f))
  })
}

/**
 * Parses one file in a worker thread, handing its objects over a batch at a time, each in its own
 * turn of the event loop. Resolves when the file is done; rejects with a ManifestError.
 */
function parseInWorker(file: string, maxBytes: number, onObjects: (objects: unknown[]) => void): { done: Promise<void>; cancel: () => void } {
  const worker = new Worker(WORKER.url, { workerData: { file, maxBytes } satisfies ParserJob, execArgv: WORKER.execArgv, resourceLimits: WORKER_LIMITS })
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: ParserMessage) => {
      if ('objects' in message) {
        onObjects(message.objects)
        setImmediate(() => worker.postMessage('next'))
      } else if ('done' in message) {
        resolve()
      } else {
        reject(new ManifestError(file, message.error))
      }
    })
    // Out of memory or any other crash of the worker fails this file only.
    worker.on('error', (err) => reject(new ManifestError(file, `cannot parse: ${err.message}`)))
    worker.on('exit', () => reject(new ManifestError(file, 'the parser stopped')))
  })
  return { done, cancel: () => void worker.terminate() }
}

/** Kind, namespace and name: two objects with the same are one object defined twice. */
const objectKey = (obj: unknown): string => {
  const o = obj as { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } }
  return `${String(o.kind)} ${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name ?? '')}`
}

/**
 * Reads manifest files into the objects the store keeps, parsing off the main thread. Bad objects
 * are skipped with a log line; a file too large, unreadable or unparseable fails the whole load
 * (ManifestError), so the last good data keeps serving. An object defined twice is kept as first
 * seen and reported once. Namespaces are those declared, plus, without `namespace_labels`, any that
 * an object lives in (a hand-written file seldom lists its Namespace objects).
 */
export class ManifestLoad {
  private readonly declared: NamespaceRecord[] = []
  private readonly services: ServiceRecord[] = []
  private readonly slices: SliceRecord[] = []
  private readonly pods: PodRecord[] = []
  private readonly used = new Set<string>()
  /** Where each object was first seen, and how many more times it was. */
  private readonly seen = new Map<string, { file: string; again: number }>()
  private cancelCurrent: (() => void) | null = null
  private cancelled = false
  /** A generated file can hold thousands of bad objects: a few lines, then a count. */
  private readonly skipped: LimitedLog

  constructor(
    private readonly paths: readonly string[],
    private readonly filter: SourceFilter,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    // Each skipped object is worth its line; only a file of thousands of bad objects is summarized.
    this.skipped = new LimitedLog(log, undefined, SKIPPED_LINES_PER_WINDOW)
  }

  async run(): Promise<ClusterObjects> {
    for (const file of manifestFiles(this.paths)) {
      let size: number
      try {
        size = statSync(file).size
      } catch (err) {
        throw new ManifestError(file, `cannot read: ${(err as Error).message}`)
      }
      if (size > this.maxBytes) throw new ManifestError(file, tooLarge(size, this.maxBytes))
      if (this.cancelled) throw new ManifestError(file, 'loading stopped')
      if (size <= INLINE_MAX_BYTES) {
        this.take(file, readManifestObjects(file))
        await new Promise((resolve) => setImmediate(resolve))
        continue
      }
      const parse = parseInWorker(file, this.maxBytes, (objects) => this.take(file, objects))
      this.cancelCurrent = parse.cancel
      try {
        await parse.done
      } finally {
        parse.cancel()
      }
    }
    for (const [key, { file, again }] of this.seen) {
      if (again > 0) this.log.warn(escapeText(`${key} is defined ${again + 1} times; keeping the first, from ${file}`))
    }
    const namespaces = this.filter.namespaceLabels ? this.declared : [...this.declared, ...[...this.used].map((name) => ({ name, resourceVersion: '' }))]
    return { namespaces, services: this.services, slices: this.slices, pods: this.pods }
  }

  cancel(): void {
    this.cancelled = true
    this.cancelCurrent?.()
  }

  private take(file: string, objects: readonly unknown[]): void {
    const filter = this.filter
    for (const obj of objects) {
      const key = objectKey(obj)
      const first = this.seen.get(key)
      if (first) {
        first.again++
        continue
      }
      this.seen.set(key, { file, again: 0 })
      try {
        switch ((obj as { kind?: unknown }).kind) {
          case 'Namespace':
            if (!filter.namespaceLabels || filter.namespaceLabels.matches(labelsOf(obj))) this.declared.push(projectNamespace(obj))
            break
          case 'Service':
            if (!filter.labels || filter.labels.matches(labelsOf(obj))) {
              const service = projectService(obj)
              this.services.push(service)
              this.used.add(service.namespace)
            }
            break
          case 'EndpointSlice': {
            const slice = filter.endpoints ? projectEndpointSlice(obj, (message) => this.log.warn(`${escapeText(file)}: ${message}`)) : null
            if (slice) this.slices.push(slice)
            break
          }
          case 'Pod': {
            const pod = filter.pods ? projectPod(obj) : null
            if (pod) {
              this.pods.push(pod)
              this.used.add(pod.namespace)
            }
            break
          }
        }
      } catch (err) {
        if (!isError(err, ErrorCode.INVALID_OBJECT)) throw err
        this.skipped.warn(`${file}: skipping objects`, `${escapeText(file)}: skipping ${err.message}`)
      }
    }
  }
}

/** Feeds a store from manifest files and reloads it when one of them changes. */
export class ManifestSource {
  private timer: NodeJS.Timeout | null = null
  private fingerprint = ''
  private loading: ManifestLoad | null = null
  private stopped = false

  constructor(
    private readonly paths: readonly string[],
    private readonly store: RecordStore,
    private readonly filter: SourceFilter,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {}

  /** Loads the files (a failure is logged, and retried on the next change) and starts watching. */
  start(): void {
    this.reloadIfChanged()
    this.timer = setInterval(() => this.reloadIfChanged(), POLL_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.loading?.cancel()
  }

  /** Size, mtime and inode of every path: editors and ConfigMap updates replace files. */
  private currentFingerprint(): string {
    const parts: string[] = []
    for (const path of this.paths) {
      try {
        const st = statSync(path)
        parts.push(`${path}:${st.ino}:${st.size}:${st.mtimeMs}`)
        if (st.isDirectory()) {
          for (const file of manifestFiles([path])) {
            const f = statSync(file)
            parts.push(`${file}:${f.ino}:${f.size}:${f.mtimeMs}`)
          }
        }
      } catch {
        parts.push(`${path}:missing`)
      }
    }
    return parts.join('|')
  }

  /** One load at a time: a change seen while loading is picked up by the next check after it. */
  private reloadIfChanged(): void {
    if (this.loading) return
    const fingerprint = this.currentFingerprint()
    if (fingerprint === this.fingerprint) return
    this.fingerprint = fingerprint
    const load = new ManifestLoad(this.paths, this.filter, this.maxBytes, this.log)
    this.loading = load
    load
      .run()
      .then(
        (objects) => {
          if (this.stopped) return
          this.store.replaceAll(objects)
          this.log.info(
            `loaded ${objects.services.length} services, ${objects.slices.length} endpoint slices, ` +
              `${objects.pods.length} pods, ${objects.namespaces.length} namespaces from ${this.paths.join(', ')}`,
          )
        },
        // Whatever went wrong (of any type), the records already served stay.
        (err: unknown) => {
          if (!this.stopped) this.log.error(`${isError(err, ErrorCode.MANIFEST) ? err.message : String(err)}; keeping the previous records`)
        },
      )
      .finally(() => (this.loading = null))
  }
}
