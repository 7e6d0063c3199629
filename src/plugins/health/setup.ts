import { Counter, Histogram } from '../../metrics/prom-client.js'
import { durationArg, expectArgs, httpAddressArg } from '../../config/directive-args.js'
import { registry } from '../../metrics/registry.js'
import type { PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'
import { TIME_BUCKETS } from '../../metrics/buckets.js'

const DEFAULT_ADDRESS = ':8080'

const healthDuration = new Histogram({
  name: 'coredns_health_request_duration_seconds',
  help: 'Histogram of the time (in seconds) each request took.',
  buckets: TIME_BUCKETS,
  registers: [registry],
})

const healthFailures = new Counter({
  name: 'coredns_health_request_failures_total',
  help: 'The number of times the health check failed.',
  registers: [registry],
})

/** `health [ADDRESS] { lameduck DURATION }`: /health answers 200 OK while the process runs. */
export const health: PluginDefinition = {
  name: 'health',
  once: true,
  setup(uses) {
    const d = uses[0]!
    const address = httpAddressArg(d, DEFAULT_ADDRESS)
    let lameduckMs = 0
    for (const o of d.block ?? []) {
      if (o.name !== 'lameduck') throw new ConfigError(o, `unknown option ${o.name}`)
      expectArgs(o, 1, 1, 'lameduck DURATION')
      lameduckMs = durationArg(o, o.args[0]!)
    }
    return {
      lameduckMs,
      httpRoutes: [
        {
          address,
          path: '/health',
          handle(res) {
            const end = healthDuration.startTimer()
            try {
              res.writeHead(200, { 'content-type': 'text/plain' }).end('OK')
            } catch (err) {
              healthFailures.inc()
              throw err
            } finally {
              end()
            }
          },
        },
      ],
    }
  },
}
