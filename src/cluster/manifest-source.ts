import { readdirSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { isCollection, LineCounter, parseAllDocuments, visit, type Document, type YAMLError } from 'yaml'
import { ErrorCode, isError, ManifestError } from '../errors.js'
import type { Logger } from '../log.js'
import { labelsOf, projectEndpointSlice, projectNamespace, projectPod, projectService } from './project.js'
import type { ClusterObjects, NamespaceRecord, PodRecord, ServiceRecord, SliceRecord } from './records.js'
import type { RecordStore } from './record-store.js'
import type { SourceFilter } from './source-filter.js'
import { readTextFile } from '../text-file.js'

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])
const POLL_INTERVAL_MS = 500

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
 * Where the fault is: the parser notices an unclosed `[` or `{` only at the line after, so such an
 * error is placed where the collection opens.
 */
function faultOffset(doc: Document.Parsed, problem: YAMLError): number {
  let offset = problem.pos[0]
  visit(doc, (_key, node) => {
    if (isCollection(node) && node.flow && node.range?.[1] === problem.pos[0] && node.range[0] < offset) offset = node.range[0]
  })
  return offset
}

/** Every object in a YAML/JSON file: multi-document, `kind: List` and `*List` flattened. */
export function readManifestObjects(file: string): unknown[] {
  const text = readTextFile(file, (reason) => new ManifestError(file, `cannot read: ${reason}`))
  const objects: unknown[] = []
  const lines = new LineCounter()
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const problem = doc.errors[0]
    if (problem) throw new ManifestError(file, `line ${lines.linePos(faultOffset(doc, problem)).line}: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}`)
    const value: unknown = doc.toJS()
    if (value === null || value === undefined) continue
    objects.push(value)
  }
  const flat: unknown[] = []
  const flatten = (obj: unknown): void => {
    const o = obj as { kind?: unknown; items?: unknown }
    if (typeof o === 'object' && o !== null && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      o.items.forEach(flatten)
    } else {
      flat.push(obj)
    }
  }
  objects.forEach(flatten)
  return flat
}

/**
 * Reads manifest files into the objects the store keeps. Bad objects are skipped with a log line;
 * an unreadable or unparseable file fails the whole load (ManifestError), so the last good data
 * keeps serving. Namespaces are those declared, plus, without `namespace_labels`, any that an
 * object lives in (a hand-written file seldom lists its Namespace objects).
 */
export function loadManifests(paths: readonly string[], filter: SourceFilter, log: Logger): ClusterObjects {
  const declared: NamespaceRecord[] = []
  const services: ServiceRecord[] = []
  const slices: SliceRecord[] = []
  const pods: PodRecord[] = []
  const used = new Set<string>()
  for (const file of manifestFiles(paths)) {
    for (const obj of readManifestObjects(file)) {
      const kind = (obj as { kind?: unknown }).kind
      try {
        switch (kind) {
          case 'Namespace':
            if (!filter.namespaceLabels || filter.namespaceLabels.matches(labelsOf(obj))) declared.push(projectNamespace(obj))
            break
          case 'Service':
            if (!filter.labels || filter.labels.matches(labelsOf(obj))) {
              const service = projectService(obj)
              services.push(service)
              used.add(service.namespace)
            }
            break
          case 'EndpointSlice': {
            const slice = filter.endpoints ? projectEndpointSlice(obj, (message) => log.warn(`${file}: ${message}`)) : null
            if (slice) slices.push(slice)
            break
          }
          case 'Pod': {
            const pod = filter.pods ? projectPod(obj) : null
            if (pod) {
              pods.push(pod)
              used.add(pod.namespace)
            }
            break
          }
        }
      } catch (err) {
        if (!isError(err, ErrorCode.INVALID_OBJECT)) throw err
        log.warn(`${file}: skipping ${err.message}`)
      }
    }
  }
  const namespaces = filter.namespaceLabels ? declared : [...declared, ...[...used].map((name) => ({ name }))]
  return { namespaces, services, slices, pods }
}

/** Feeds a store from manifest files and reloads it when one of them changes. */
export class ManifestSource {
  private timer: NodeJS.Timeout | null = null
  private fingerprint = ''

  constructor(
    private readonly paths: readonly string[],
    private readonly store: RecordStore,
    private readonly filter: SourceFilter,
    private readonly log: Logger,
  ) {}

  /** Loads the files (a failure is logged, and retried on the next change) and starts watching. */
  start(): void {
    this.reloadIfChanged()
    this.timer = setInterval(() => this.reloadIfChanged(), POLL_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
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

  private reloadIfChanged(): void {
    const fingerprint = this.currentFingerprint()
    if (fingerprint === this.fingerprint) return
    this.fingerprint = fingerprint
    try {
      const objects = loadManifests(this.paths, this.filter, this.log)
      this.store.replaceAll(objects)
      this.log.info(
        `loaded ${objects.services.length} services, ${objects.slices.length} endpoint slices, ` +
          `${objects.pods.length} pods, ${objects.namespaces.length} namespaces from ${this.paths.join(', ')}`,
      )
    } catch (err) {
      if (!isError(err, ErrorCode.MANIFEST)) throw err
      this.log.error(`${err.message}; keeping the previous records`)
    }
  }
}
