import { expectOnce } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { cacheMiddleware } from './handler.js'
import { parseCacheOptions } from './options.js'

/** `cache [TTL] [ZONES…] { … }`: repeated questions answered from memory. */
export const cache: PluginDefinition = {
  name: 'cache',
  setup(uses, block) {
    return { middleware: cacheMiddleware(parseCacheOptions(expectOnce('cache', uses), block), block.server) }
  },
}
