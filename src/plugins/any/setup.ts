import { expectBare } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { anyMiddleware } from './handler.js'

/** `any`: ANY questions answered as RFC 8482 says. */
export const any: PluginDefinition = {
  name: 'any',
  once: true,
  setup(uses) {
    expectBare(uses[0]!)
    return { middleware: anyMiddleware }
  },
}
