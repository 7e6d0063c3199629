import type { Agent as HttpAgent, IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { ApiStatusError } from '../../errors.js'
import { http } from '../../node-http.js'
import type { ApiTarget } from './api-target.js'
import { splitListPage, type ListPage } from './json-fields.js'

/** The part of an error body kept for the log: a Status object's message is short, an HTML page is not. */
const ERROR_BODY_LIMIT = 16 * 1024
/** A list page that does not arrive (headers, then any byte) within this is given up and retried. */
const LIST_IDLE_MS = 60_000

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

/** Told when a watch stream opens, then given each complete line, or the start and size of one over the limit. */
export interface LineHandler {
  open(): void
  line(text: string): void
  oversize(prefix: string, length: number): void
}

/**
 * The two requests a cluster DNS server makes, over Node's own HTTP client: GET a list page
 * (parsed JSON) and GET a watch (a stream of JSON lines). One keep-alive agent per API server.
 */
export class ApiClient {
  private readonly agent: HttpAgent
  private readonly send: typeof http.request

  constructor(private readonly target: ApiTarget) {
    const secure = target.server.protocol === 'https:'
    this.agent = secure ? new HttpsAgent({ keepAlive: true }) : new http.Agent({ keepAlive: true })
    this.send = secure ? httpsRequest : http.request
  }

  /** One list page, split into its items (each parsed by the caller, or refused for its size). */
  async list(path: string, query: Query, signal: AbortSignal): Promise<ListPage> {
    const res = await this.get(path, query, signal, LIST_IDLE_MS)
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    return splitListPage(Buffer.concat(chunks).toString('utf8'))
  }

  /**
   * A watch stream, line by line, until the server ends it or `deadlineMs` passes (a connection
   * that died silently never ends by itself). Lines longer than `maxLineChars` are not kept whole.
   */
  async watch(path: string, query: Query, signal: AbortSignal, deadlineMs: number, maxLineChars: number, handler: LineHandler): Promise<void> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(deadlineMs)])
    const res = await this.get(path, query, deadline, 0)
    handler.open()
    res.setEncoding('utf8')
    let pending = ''
    let skipping = 0
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        let start = 0
        for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
          if (skipping > 0) handler.oversize(pending, skipping + nl - start)
          else {
            const text = pending + chunk.slice(start, nl)
            if (text.length > maxLineChars) handler.oversize(text.slice(0, 200), text.length)
            else if (text.trim() !== '') handler.line(text)
          }
          pending = ''
          skipping = 0
          start = nl + 1
        }
        if (skipping > 0) skipping += chunk.length - start
        else {
          pending += chunk.slice(start)
          // A line this long is refused, so it is not kept: only its start, for the log.
          if (pending.length > maxLineChars) {
            skipping = pending.length
            pending = pending.slice(0, 200)
          }
        }
      }
    } catch (err) {
      // Our own abort (stop, deadline) ends the stream; anything else is a failure.
      if (!deadline.aborted) throw err
    }
  }

  private async get(path: string, query: Query, signal: AbortSignal, idleMs: number): Promise<IncomingMessage> {
    const credentials = await this.target.credentials()
    const url = new URL(this.target.server)
    // A server URL may carry a path prefix (an API proxy): the API path goes under it.
    url.pathname = url.pathname.replace(/\/$/, '') + path
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value))
    const { headers, ...tls } = credentials
    signal.throwIfAborted()
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.send(url, { agent: this.agent, ...tls, headers: { accept: 'application/json', 'user-agent': 'clusterdns', ...headers } }, resolve)
      // Not the request's `signal` option, nor destroy(error): either reaches the socket, which
      // then emits an error nobody listens to. The reader sees the stream cut and checks the signal.
      const abort = (): void => void req.destroy()
      signal.addEventListener('abort', abort, { once: true })
      req.once('close', () => signal.removeEventListener('abort', abort))
      if (idleMs > 0) req.setTimeout(idleMs, () => req.destroy(Object.assign(new Error(`no answer in ${idleMs / 1000}s`), { code: 'ETIMEDOUT' })))
      req.on('error', reject)
      req.end()
    })
    if (res.statusCode === 200) return res
    throw await statusError(res)
  }
}

/** The error an answer other than 200 stands for, with the Status message the API put in its body. */
async function statusError(res: IncomingMessage): Promise<ApiStatusError> {
  let body = ''
  res.setEncoding('utf8')
  for await (const chunk of res as AsyncIterable<string>) if (body.length < ERROR_BODY_LIMIT) body += chunk
  let reason = res.statusMessage ?? ''
  let message = body.slice(0, ERROR_BODY_LIMIT).trim()
  try {
    const status = JSON.parse(body) as { reason?: unknown; message?: unknown }
    if (typeof status.message === 'string') message = status.message
    if (typeof status.reason === 'string' && status.reason !== '') reason = status.reason
  } catch {
    // Not a Status object (a proxy's page): its text, cut short, is what there is to say.
  }
  return new ApiStatusError(res.statusCode ?? 0, reason, message)
}
