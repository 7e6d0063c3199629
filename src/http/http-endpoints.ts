import type { Server } from 'node:http'
import { http } from '../node-http.js'
import { ListenError } from '../errors.js'
import type { HttpRoute } from './http-route.js'
import { parseHttpAddress } from './listen-address.js'

/**
 * The HTTP side: one server per address, each serving the paths plugins registered on it.
 * `apply` moves to a new set of routes, keeping the servers whose address is still used.
 */
export class HttpEndpoints {
  private readonly servers = new Map<string, { server: Server; routes: Map<string, HttpRoute> }>()

  async apply(routes: readonly HttpRoute[]): Promise<void> {
    const wanted = new Map<string, Map<string, HttpRoute>>()
    for (const route of routes) {
      if (!wanted.has(route.address)) wanted.set(route.address, new Map())
      wanted.get(route.address)!.set(route.path, route)
    }
    for (const [address, entry] of this.servers) {
      if (!wanted.has(address)) {
        this.servers.delete(address)
        await close(entry.server)
      }
    }
    for (const [address, paths] of wanted) {
      const existing = this.servers.get(address)
      if (existing) {
        existing.routes = paths
        continue
      }
      const entry = { server: http.createServer(), routes: paths }
      entry.server.on('request', (req, res) => {
        const route = entry.routes.get(new URL(req.url ?? '/', 'http://x').pathname)
        if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404).end()
          return
        }
        Promise.resolve(route.handle(res, req)).catch(() => {
          if (!res.headersSent) res.writeHead(500)
          res.end()
        })
      })
      await listen(entry.server, address)
      this.servers.set(address, entry)
    }
  }

  /** The port an address ended up on (for `:0` in tests). */
  port(address: string): number | undefined {
    const server = this.servers.get(address)?.server
    return server ? (server.address() as { port: number }).port : undefined
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((e) => close(e.server)))
    this.servers.clear()
  }
}

function listen(server: Server, address: string): Promise<void> {
  const { host, port } = parseHttpAddress(address)!
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ListenError(`cannot listen on ${address}/http: ${err.message}`, { cause: err })))
    server.listen({ port, ...(host ? { host } : {}) }, () => resolve())
  })
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
