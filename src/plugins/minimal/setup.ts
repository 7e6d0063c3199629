import { expectBare } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { minimalMiddleware } from './handler.js'

/** `minimal`: positive answers without authority and additional records. */
export const minimal: PluginDefinition = {
  name: 'minimal',
  once: true,
  setup(uses) {
    expectBare(uses[0]!)
    return { middleware: minimalMiddleware }
  },
}
