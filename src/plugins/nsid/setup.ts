import { hostname } from 'node:os'
import { expectNoBlock } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { nsidMiddleware } from './handler.js'

/** `nsid [DATA]`: this server's identifier (default: the host's name) to clients that ask for it. */
export const nsid: PluginDefinition = {
  name: 'nsid',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectNoBlock(d)
    return { middleware: nsidMiddleware(d.args.length > 0 ? d.args.join(' ') : hostname() || 'localhost') }
  },
}
