import { expectArgs, httpAddressArg, oneOfArg } from '../../config/directive-args.js'
import { ConfigError } from '../../errors.js'
import type { ReadinessReporter } from '../../lifecycle.js'
import type { PluginDefinition } from '../plugin.js'

const DEFAULT_ADDRESS = ':8181'
const MONITOR_TYPES = ['until-ready', 'continuously'] as const

/**
 * `ready [ADDRESS] { monitor until-ready|continuously }`: /ready answers 200 OK once every plugin
 * that reports readiness is ready (kubernetes: synced), else 503 with their names, one a line; 503
 * while shutting down. `until-ready` (the default, as CoreDNS) stops asking a plugin once it was
 * ready; `continuously` asks every time.
 */
export const ready: PluginDefinition = {
  name: 'ready',
  once: true,
  setup(uses, { lifecycle }) {
    const d = uses[0]!
    const address = httpAddressArg(d, DEFAULT_ADDRESS)
    let monitor: (typeof MONITOR_TYPES)[number] = 'until-ready'
    for (const o of d.block ?? []) {
      if (o.name !== 'monitor') throw new ConfigError(o, `unknown property ${o.name}`)
      expectArgs(o, 1, 1, 'monitor until-ready|continuously')
      monitor = oneOfArg(o, 'monitor', o.args[0], MONITOR_TYPES)
    }
    // Set up again on every reload, so a new configuration's plugins are all asked afresh.
    const settled = monitor === 'until-ready' ? new WeakSet<ReadinessReporter>() : undefined
    return {
      httpRoutes: [
        {
          address,
          path: '/ready',
          handle(res) {
            const waiting = lifecycle.shuttingDown ? ['shutting down'] : lifecycle.notReady(settled)
            if (waiting.length === 0) res.writeHead(200, { 'content-type': 'text/plain' }).end('OK')
            else res.writeHead(503, { 'content-type': 'text/plain' }).end(`${waiting.join('\n')}\n`)
          },
        },
      ],
    }
  },
}
