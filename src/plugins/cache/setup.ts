import type { PluginDefinition } from '../plugin.js'
import { cacheMiddleware } from './handler.js'
import { parseCacheOptions } from './options.js'

/** `cache [TTL] [ZONES…] { … }`: repeated questions answered from memory. */
export const cache: PluginDefinition = {
  name: 'cache',
  once: true,
  setup(uses, block) {
    return { middleware: cacheMiddleware(parseCacheOptions(uses[0]!, block), block.server) }
  },
}
