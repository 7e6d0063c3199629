import { expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { parseHttpAddress } from '../../http/listen-address.js'
import { registry } from '../../metrics/registry.js'
import type { PluginDefinition } from '../plugin.js'
import { queryRecorder } from './query-recorder.js'
import { ConfigError } from '../../errors.js'

const DEFAULT_ADDRESS = 'localhost:9153'

/** `prometheus [ADDRESS]`: /metrics, and counting this block's queries. */
export const prometheus: PluginDefinition = {
  name: 'prometheus',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 1, 'prometheus [ADDRESS]')
    expectNoBlock(d)
    const address = d.args[0] ?? DEFAULT_ADDRESS
    if (!parseHttpAddress(address)) throw new ConfigError(d, `${address} is not HOST:PORT`)
    return {
      observe: queryRecorder,
      httpRoutes: [
        {
          address,
          path: '/metrics',
          async handle(res) {
            const body = await registry.metrics()
            res.writeHead(200, { 'content-type': registry.contentType }).end(body)
          },
        },
      ],
    }
  },
}
