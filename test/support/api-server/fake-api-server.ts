import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { FakeCluster, GoneError, makeFilter, type KubeObject, type Resource, type WatchEvent } from './fake-cluster.js'

const ROUTES: Record<string, { resource: Resource; kind: string; apiVersion: string }> = {
  '/api/v1/namespaces': { resource: 'namespaces', kind: 'Namespace', apiVersion: 'v1' },
  '/api/v1/services': { resource: 'services', kind: 'Service', apiVersion: 'v1' },
  '/api/v1/pods': { resource: 'pods', kind: 'Pod', apiVersion: 'v1' },
  '/apis/discovery.k8s.io/v1/endpointslices': { resource: 'endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
}

/** What a request asked, for tests that check which selectors and pages were sent. */
export interface RecordedRequest {
  readonly path: string
  readonly watch: boolean
  readonly query: Readonly<Record<string, string>>
  readonly authorization: string | undefined
}

export interface FakeApiServerOptions {
  /** How often open watches that asked for bookmarks get one (0: never). */
  readonly bookmarkIntervalMs?: number
  /**
   * Whether watch-list is offered (`sendInitialEvents=true`: the current state as ADDED events, then
   * a bookmark annotated `k8s.io/initial-events-end`); without it such a watch is refused with 422,
   * as by an API server whose WatchList feature gate is off.
   */
  readonly watchList?: boolean
  /** Serve HTTPS with this key and certificate. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer }
}

/** The user RBAC denials name, as the API server's messages do. */
const CLIENT_USER = 'system:serviceaccount:kube-system:clusterdns'

/** How much of a watch-list's initial events goes out in one write. */
const INITIAL_EVENTS_WRITE = 64 * 1024
/** Until a response can take more, or is gone. */
const drainedOrClosed = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done)
      resolve()
    }
    res.on('drain', done).on('close', done)
  })

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message })

/**
 * Serves a FakeCluster over the Kubernetes list/watch HTTP protocol: paginated lists, chunked
 * watch streams of JSON lines from a resourceVersion, bookmarks, 410 Gone, label and field
 * selectors, watch-list when enabled. Faults are injected by method: drop watches, refuse
 * connections, slow lists, garbage lines, RBAC denials.
 */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = []
  /** Every list response waits this long first. */
  listDelayMs = 0
  /** Resources every request for which is refused with 403, as RBAC does without a rule. */
  readonly forbidden = new Set<Resource>()
  private server: Server | null = null
  private port = 0
  private readonly sockets = new Set<Socket>()
  private readonly watches = new Set<ServerResponse>()
  /**
   * Each stored object's JSON, made once: the API server also serves lists and watches from a
   * cache of serialized objects, so the client, not this server, is what a benchmark measures.
   */
  private readonly serialized = new WeakMap<KubeObject, string>()

  constructor(
    readonly cluster: FakeCluster,
    private readonly options: FakeApiServerOptions = {},
  ) {}

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`
  }

  async listen(port = 0): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500).end(JSON.stringify(status(500, 'InternalError', err.message)))
        else res.destroy()
      })
    }
    const server = this.options.tls ? createTlsServer(this.options.tls, handler) : createServer(handler)
    server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as { port: number }).port
    return this.port
  }

  /** Ends every open watch stream cleanly, as an API server restart or a load balancer does. */
  dropWatches(): void {
    for (const res of this.watches) res.end()
    this.watches.clear()
  }

  /** Writes a line that is not JSON into every open watch stream. */
  injectGarbage(): void {
    for (const res of this.watches) if (!res.writableEnded) res.write('this is not json {{{\n')
  }

  /** Stops listening and cuts every connection for `ms`: clients get connection refused. */
  async refuseFor(ms: number): Promise<void> {
    await this.stopListening()
    setTimeout(() => void this.listen(this.port), ms).unref()
  }

  async close(): Promise<void> {
    await this.stopListening()
  }

  private async stopListening(): Promise<void> {
    const server = this.server
    this.server = null
    this.watches.clear()
    for (const socket of this.sockets) socket.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = ROUTES[url.pathname]
    const query = Object.fromEntries(url.searchParams)
    const watch = query.watch === 'true' || query.watch === '1'
    this.requests.push({ path: url.pathname, watch, query, authorization: req.headers.authorization })
    const fail = (code: number, reason: string, message: string): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(status(code, reason, message)))
    }
    if (!route || req.method !== 'GET') return fail(404, 'NotFound', `${req.method} ${url.pathname}`)
    if (this.forbidden.has(route.resource)) {
      const group = route.apiVersion.includes('/') ? route.apiVersion.split('/')[0] : ''
      const verb = watch ? 'watch' : 'list'
      return fail(403, 'Forbidden', `${route.resource} is forbidden: User "${CLIENT_USER}" cannot ${verb} resource "${route.resource}" in API group "${group}" at the cluster scope`)
    }
    const filter = makeFilter(query.labelSelector, query.fieldSelector)
    if (watch && query.sendInitialEvents === 'true') {
      if (!this.options.watchList) return fail(422, 'Invalid', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled')
      if (query.resourceVersionMatch !== 'NotOlderThan') return fail(422, 'Invalid', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan')
      return this.serveWatch(route, filter, query, res, true)
    }
    if (watch) return this.serveWatch(route, filter, query, res, false)
    if (this.listDelayMs > 0) await sleep(this.listDelayMs)
    try {
      const page = this.cluster.list(route.resource, filter, Number(query.limit ?? 0), query.continue)
      const head = { kind: `${route.kind}List`, apiVersion: route.apiVersion, metadata: { resourceVersion: String(page.rv), ...(page.next ? { continue: page.next } : {}) } }
      const body = `${JSON.stringify(head).slice(0, -1)},"items":[${page.items.map((o) => this.json(route, o)).join(',')}]}`
      res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    } catch (err) {
      if (!(err instanceof GoneError)) throw err
      res.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify(status(410, 'Expired', err.message)))
    }
  }

  private json(route: (typeof ROUTES)[string], object: KubeObject): string {
    let text = this.serialized.get(object)
    if (text === undefined) this.serialized.set(object, (text = JSON.stringify({ kind: route.kind, apiVersion: route.apiVersion, ...object })))
    return text
  }

  private async serveWatch(route: (typeof ROUTES)[string], filter: ReturnType<typeof makeFilter>, query: Record<string, string>, res: ServerResponse, initial: boolean): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
    // Headers go out at once, as the real API server sends them, not with the first event.
    res.flushHeaders()
    // Between end() (a dropped watch) and 'close', events may still arrive: they are not sent.
    const send = (type: string, object: unknown): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`)
    }
    const eventLine = (type: string, object: KubeObject): string => `{"type":"${type}","object":${this.json(route, object)}}\n`
    const sendEvent = (event: WatchEvent): void => {
      if (res.writableEnded || res.destroyed) return
      res.write(eventLine(event.type, event.object))
      // Node holds what a response writes in one tick until the next; the API server flushes each
      // change as its watch cache delivers it, so a burst applied in one loop leaves change by change.
      res.socket?.uncork()
    }
    // A watch-list: the current state, then live events from its resourceVersion (held back until it is sent).
    const snapshot = initial ? this.cluster.list(route.resource, filter, 0, undefined) : null
    let held: WatchEvent[] | null = snapshot ? [] : null
    let unsubscribe: () => void
    try {
      unsubscribe = this.cluster.watch(route.resource, snapshot ? snapshot.rv : Number(query.resourceVersion ?? 0), filter, (event) =>
        held ? held.push(event) : sendEvent(event),
      )
    } catch (err) {
      if (!(err instanceof GoneError)) throw err
      // The real API server answers 200 and puts the 410 in an ERROR event.
      send('ERROR', status(410, 'Expired', err.message))
      res.end()
      return
    }
    this.watches.add(res)
    res.on('close', () => unsubscribe())
    if (snapshot) {
      // Many events to a write, as the API server flushes only once its queue of events is empty, and
      // with backpressure, as it streams: a client that reads slowly holds the rest here.
      let batch = ''
      for (const [i, object] of snapshot.items.entries()) {
        batch += eventLine('ADDED', object)
        if (batch.length < INITIAL_EVENTS_WRITE && i < snapshot.items.length - 1) continue
        if (res.writableEnded || res.destroyed) return
        const more = res.write(batch)
        batch = ''
        if (!more) await drainedOrClosed(res)
      }
      const annotations = { 'k8s.io/initial-events-end': 'true' }
      send('BOOKMARK', { kind: route.kind, apiVersion: route.apiVersion, metadata: { resourceVersion: String(snapshot.rv), annotations } })
      const live = held!
      held = null
      live.forEach(sendEvent)
    }
    const timers: NodeJS.Timeout[] = []
    const interval = this.options.bookmarkIntervalMs ?? 0
    if (query.allowWatchBookmarks === 'true' && interval > 0) {
      timers.push(
        setInterval(() => send('BOOKMARK', { kind: route.kind, apiVersion: route.apiVersion, metadata: { resourceVersion: String(this.cluster.resourceVersion) } }), interval),
      )
    }
    if (query.timeoutSeconds) timers.push(setTimeout(() => res.end(), Number(query.timeoutSeconds) * 1000))
    res.on('close', () => {
      timers.forEach(clearTimeout)
      this.watches.delete(res)
    })
  }
}
