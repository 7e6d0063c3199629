import type { Middleware, PluginDefinition } from '../plugin.js'
import { forwardMiddleware } from './handler.js'
import { parseForwardOptions } from './options.js'
import { Upstream } from './upstream.js'

/**
 * `forward FROM TO… { … }`: names outside our zones, to upstream resolvers. Several in one block
 * are asked in the order written (a name no earlier one takes goes to the next), as CoreDNS:
 * more specific FROM zones go first.
 */
export const forward: PluginDefinition = {
  name: 'forward',
  setup(uses, block) {
    const forwarders = uses.map((use, i) => {
      const options = parseForwardOptions(use, block)
      const upstreams = options.upstreams.map((address) => new Upstream(address, options))
      return { upstreams, middleware: forwardMiddleware(options, upstreams, i < uses.length - 1) }
    })
    const middleware: Middleware = (next) => forwarders.reduceRight((handler, f) => f.middleware(handler), next)
    return {
      middleware,
      stop: () => forwarders.forEach((f) => f.upstreams.forEach((u) => u.close())),
    }
  },
}
