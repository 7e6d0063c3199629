import type { PluginDefinition } from '../plugin.js'
import { forwardMiddleware } from './handler.js'
import { parseForwardOptions } from './options.js'
import { Upstream } from './upstream.js'

/** `forward FROM TO… { … }`: names outside our zones, to upstream resolvers. */
export const forward: PluginDefinition = {
  name: 'forward',
  once: true,
  setup(uses, block) {
    const options = parseForwardOptions(uses[0]!, block)
    const upstreams = options.upstreams.map((address) => new Upstream(address, options))
    return {
      middleware: forwardMiddleware(options, upstreams),
      stop: () => upstreams.forEach((u) => u.close()),
    }
  },
}
