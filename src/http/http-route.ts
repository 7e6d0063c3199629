import type { IncomingMessage, ServerResponse } from 'node:http'

/** A path served over HTTP (`/metrics`, `/health`, `/ready`) on an address (`:8080`, `localhost:9153`). */
export interface HttpRoute {
  readonly address: string
  readonly path: string
  handle(response: ServerResponse, request: IncomingMessage): void | Promise<void>
}
