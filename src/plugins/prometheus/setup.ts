import { expectNoBlock, httpAddressArg } from '../../config/directive-args.js'
import { registry } from '../../metrics/registry.js'
import type { PluginDefinition } from '../plugin.js'
import { queryRecorder } from './query-recorder.js'

const DEFAULT_ADDRESS = 'localhost:9153'

/** `prometheus [ADDRESS]`: /metrics, and counting this block's queries. */
export const prometheus: PluginDefinition = {
  name: 'prometheus',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectNoBlock(d)
    const address = httpAddressArg(d, DEFAULT_ADDRESS)
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
