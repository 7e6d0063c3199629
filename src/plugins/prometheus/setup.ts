import { expectNoBlock, httpAddressArg } from '../../config/directive-args.js'
import { registry } from '../../metrics/registry.js'
import type { PluginDefinition } from '../plugin.js'
import { queryRecorder } from './query-recorder.js'
import { searchPathWaste } from './search-path-waste.js'

const DEFAULT_ADDRESS = 'localhost:9153'

/** `prometheus [ADDRESS]`: /metrics, and counting this block's queries. */
export const prometheus: PluginDefinition = {
  name: 'prometheus',
  once: true,
  setup(uses, block) {
    const d = uses[0]!
    expectNoBlock(d)
    const address = httpAddressArg(d, DEFAULT_ADDRESS)
    const waste = searchPathWaste(block)
    return {
      observe(labels) {
        const record = queryRecorder(labels)
        const count = waste(labels)
        return (answered) => {
          record(answered)
          count(answered)
        }
      },
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
