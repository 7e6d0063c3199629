import { expectNoBlock, httpAddressArg } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'

const DEFAULT_ADDRESS = ':8181'

/**
 * `ready [ADDRESS]`: /ready answers 200 OK once every plugin that reports readiness is ready
 * (kubernetes: synced), else 503 with their names, one a line; 503 while shutting down.
 */
export const ready: PluginDefinition = {
  name: 'ready',
  once: true,
  setup(uses, { lifecycle }) {
    const d = uses[0]!
    expectNoBlock(d)
    const address = httpAddressArg(d, DEFAULT_ADDRESS)
    return {
      httpRoutes: [
        {
          address,
          path: '/ready',
          handle(res) {
            const waiting = lifecycle.shuttingDown ? ['shutting down'] : lifecycle.notReady()
            if (waiting.length === 0) res.writeHead(200, { 'content-type': 'text/plain' }).end('OK')
            else res.writeHead(503, { 'content-type': 'text/plain' }).end(`${waiting.join('\n')}\n`)
          },
        },
      ],
    }
  },
}
